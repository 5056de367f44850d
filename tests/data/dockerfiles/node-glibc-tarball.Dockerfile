# Node installed on plain Alpine from nodejs.org's glibc tarball (the official
# node:alpine image uses the unofficial-builds -musl tarball instead).
FROM alpine:3.20

ENV NODE_VERSION=20.18.0

RUN apk add --no-cache libstdc++ \
 && apk add --no-cache --virtual .fetch-deps curl xz \
 && curl -fsSLO --compressed "https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-x64.tar.xz" \
 && tar -xJf "node-v$NODE_VERSION-linux-x64.tar.xz" -C /usr/local --strip-components=1 --no-same-owner \
 && rm "node-v$NODE_VERSION-linux-x64.tar.xz" \
 && apk del --no-network .fetch-deps \
 && node --version

RUN wget -qO /usr/local/bin/dumb-init https://github.com/Yelp/dumb-init/releases/download/v1.2.5/dumb-init_1.2.5_x86_64 \
 && chmod +x /usr/local/bin/dumb-init

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
CMD ["dumb-init", "node", "server.js"]
