FROM alpine:3.19

ENV NODE_VERSION 20.18.0

RUN addgroup -g 1000 node \
    && adduser -u 1000 -G node -s /bin/sh -D node \
    && apk add --no-cache \
        libstdc++ \
    && apk add --no-cache --virtual .build-deps \
        curl \
    && ARCH= OPENSSL_ARCH='linux*' && alpineArch="$(apk --print-arch)" \
      && case "${alpineArch##*-}" in \
        x86_64) ARCH='x64' CHECKSUM="deadbeef" OPENSSL_ARCH=linux-x86_64;; \
        aarch64) ARCH='arm64' OPENSSL_ARCH=linux-aarch64;; \
        *) ;; \
      esac \
  && if [ -n "${CHECKSUM}" ]; then \
    set -eu; \
    curl -fsSLO --compressed "https://unofficial-builds.nodejs.org/download/release/v$NODE_VERSION/node-v$NODE_VERSION-linux-$ARCH-musl.tar.xz"; \
    tar -xJf "node-v$NODE_VERSION-linux-$ARCH-musl.tar.xz" -C /usr/local --strip-components=1 --no-same-owner; \
  else \
    echo "Building from source" \
    && apk add --no-cache --virtual .build-deps-full \
        binutils \
        g++ \
        python3 \
    && make -j$(getconf _NPROCESSORS_ONLN) V= \
    && apk del .build-deps-full; \
  fi \
  && apk del .build-deps \
  && node --version

CMD [ "node" ]
