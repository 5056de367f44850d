# An nginx-style image: the package list is built in the RUN, fully pinned, then installed.
FROM alpine:3.23

ENV NGINX_VERSION=1.29.3
ENV PKG_RELEASE=1

RUN set -x \
    && addgroup -g 101 -S nginx \
    && adduser -S -D -H -u 101 -h /var/cache/nginx -s /sbin/nologin -G nginx -g nginx nginx \
    && apkArch="$(cat /etc/apk/arch)" \
    && nginxPackages=" \
        nginx=${NGINX_VERSION}-r${PKG_RELEASE} \
        nginx-module-njs=${NGINX_VERSION}-r${PKG_RELEASE} \
    " \
    && apk add --no-cache --virtual .checksum-deps openssl \
    && case "$apkArch" in \
        x86_64|aarch64) \
            apk add -X "https://nginx.example.org/packages/alpine/v3.23/main" --no-cache $nginxPackages \
            ;; \
        *) \
            echo "no package for $apkArch" \
            && exit 1 \
            ;; \
    esac \
    && apk del --no-network .checksum-deps \
    && apk add --no-cache tzdata \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log

EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
