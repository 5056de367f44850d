# A redis/postgres-style image: the account first (gid 999 is taken by ping), then a build
# group that leaves in the same RUN, run-time deps computed and kept.
FROM alpine:3.23

RUN set -eux; \
    addgroup -S -g 1000 redis; \
    adduser -S -G redis -u 999 redis

RUN apk add --no-cache 'su-exec>=0.2' tzdata

ENV REDIS_VERSION=8.2.2

RUN set -eux; \
    apk add --no-cache --virtual .build-deps \
        coreutils dpkg-dev dpkg gcc linux-headers make musl-dev openssl-dev \
        tar wget \
    ; \
    wget -O redis.tar.gz "https://download.example.org/redis-$REDIS_VERSION.tar.gz"; \
    mkdir -p /usr/src/redis; \
    tar -xzf redis.tar.gz -C /usr/src/redis --strip-components=1; \
    rm redis.tar.gz; \
    make -C /usr/src/redis -j "$(nproc)" all; \
    make -C /usr/src/redis install; \
    rm -r /usr/src/redis; \
    runDeps="$( \
        scanelf --needed --nobanner --format '%n#p' --recursive /usr/local \
            | tr ',' '\n' \
            | sort -u \
            | awk 'system("[ -e /usr/local/lib/" $1 " ]") == 0 { next } { print "so:" $1 }' \
    )"; \
    apk add --no-network --virtual .redis-rundeps $runDeps; \
    apk del --no-network .build-deps; \
    redis-server --version

RUN mkdir /data && chown redis:redis /data
VOLUME /data
WORKDIR /data
EXPOSE 6379
CMD ["redis-server"]
