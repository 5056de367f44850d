# A Node.js API with native addons (bcrypt, sharp's fallback build) on Debian bookworm.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    DEBIAN_FRONTEND=noninteractive

WORKDIR /usr/src/app
COPY package.json package-lock.json ./

# Native modules are compiled here; the toolchain is purged afterwards.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 \
        make \
        g++ \
        libvips-dev \
        ca-certificates \
    && npm ci --omit=dev \
    && npm cache clean --force \
    && apt-get purge -y --auto-remove python3 make g++ \
    && rm -rf /var/lib/apt/lists/*

COPY . .
USER node
EXPOSE 3000
CMD ["node", "server.js"]
