# A Node.js API with native addons (bcrypt, sharp's fallback build) on Debian bookworm.
FROM node:20-alpine

ENV NODE_ENV=production

WORKDIR /usr/src/app
COPY package.json package-lock.json ./

# Native modules are compiled here; the toolchain is purged afterwards.
# Versions are not pinned: Debian versions do not carry over to Alpine (alpine-ready translate).
# hadolint ignore=DL3018
RUN apk add --no-cache \
        python3 \
        ca-certificates \
        vips \
    && apk add --no-cache --virtual .build-deps \
        make \
        g++ \
        vips-dev \
        linux-headers \
        py3-setuptools \
    && npm ci --omit=dev \
    && npm cache clean --force \
    && apk del --no-network python3 .build-deps

COPY . .
USER node
EXPOSE 3000
CMD ["node", "server.js"]
