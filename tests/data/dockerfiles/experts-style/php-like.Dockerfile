# A php-style image: phpize deps in ENV, a build group deleted in the same RUN, run-time
# libraries computed from the built binaries and kept.
FROM alpine:3.23

ENV PHPIZE_DEPS="autoconf dpkg-dev dpkg file g++ gcc libc-dev make pkgconf re2c"

RUN apk add --no-cache ca-certificates curl openssl tar xz

RUN set -eux; \
    addgroup -g 82 -S www-data 2>/dev/null || true; \
    adduser -u 82 -D -S -G www-data www-data

RUN set -eux; \
    apk add --no-cache --virtual .build-deps \
        $PHPIZE_DEPS \
        argon2-dev \
        curl-dev \
        libxml2-dev \
        linux-headers \
        oniguruma-dev \
        openssl-dev \
        sqlite-dev \
    ; \
    cd /usr/src/php; \
    ./configure --prefix=/usr/local --with-curl --with-openssl; \
    make -j "$(nproc)"; \
    make install; \
    runDeps="$( \
        scanelf --needed --nobanner --format '%n#p' --recursive /usr/local \
            | tr ',' '\n' \
            | sort -u \
            | awk 'system("[ -e /usr/local/lib/" $1 " ]") == 0 { next } { print "so:" $1 }' \
    )"; \
    apk add --no-cache $runDeps; \
    apk del --no-network .build-deps; \
    php --version

RUN set -eux; \
    apk add --no-cache --virtual .phpize-deps $PHPIZE_DEPS; \
    pecl install redis; \
    apk del --no-network .phpize-deps

CMD ["php", "-a"]
