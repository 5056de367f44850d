# A web server from its publisher's apt repository, the way such images are written:
# a GnuPG import of the repository's key into apt's keyring, the repository for the
# architectures the publisher builds, a rebuild of its source packages elsewhere,
# and the package names pinned to the publisher's Debian versions.
FROM debian:bookworm-slim

ENV NGINX_VERSION   1.27.4
ENV NJS_VERSION     0.8.9
ENV PKG_RELEASE     1~bookworm

RUN set -x \
    && groupadd --system --gid 101 nginx \
    && useradd --system --gid nginx --no-create-home --home /nonexistent --shell /bin/false --uid 101 nginx \
    && apt-get update \
    && apt-get install --no-install-recommends --no-install-suggests -y gnupg1 ca-certificates \
    && \
    KEYRING=/usr/share/keyrings/nginx-archive-keyring.gpg; \
    export GNUPGHOME="$(mktemp -d)"; \
    for server in hkp://keyserver.ubuntu.com:80 pgp.mit.edu; do \
        gpg1 --keyserver "$server" --recv-keys 573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62 && break; \
    done; \
    gpg1 --export 573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62 > "$KEYRING"; \
    rm -rf "$GNUPGHOME"; \
    apt-get remove --purge --auto-remove -y gnupg1 && rm -rf /var/lib/apt/lists/* \
    && dpkgArch="$(dpkg --print-architecture)" \
    && nginxPackages=" \
        nginx=${NGINX_VERSION}-${PKG_RELEASE} \
        nginx-module-xslt=${NGINX_VERSION}-${PKG_RELEASE} \
        nginx-module-njs=${NGINX_VERSION}+${NJS_VERSION}-${PKG_RELEASE} \
    " \
    && case "$dpkgArch" in \
        amd64|arm64) \
            echo "deb [signed-by=$KEYRING] https://nginx.org/packages/mainline/debian/ bookworm nginx" >> /etc/apt/sources.list.d/nginx.list \
            && apt-get update \
            ;; \
        *) \
# other architectures: rebuild the publisher's source packages
            echo "deb-src [signed-by=$KEYRING] https://nginx.org/packages/mainline/debian/ bookworm nginx" >> /etc/apt/sources.list.d/nginx.list \
            && tempDir="$(mktemp -d)" \
            && savedAptMark="$(apt-mark showmanual)" \
            && apt-get update \
            && apt-get build-dep -y $nginxPackages \
            && ( cd "$tempDir" && apt-get source --compile $nginxPackages ) \
            && apt-mark showmanual | xargs apt-mark auto > /dev/null \
            && { [ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; } \
            && ( cd "$tempDir" && dpkg-scanpackages . > Packages ) \
            && echo "deb [ trusted=yes ] file://$tempDir ./" > /etc/apt/sources.list.d/temp.list \
            && apt-get -o Acquire::GzipIndexes=false update \
            ;; \
    esac \
    && apt-get install --no-install-recommends --no-install-suggests -y $nginxPackages gettext-base curl \
    && apt-get remove --purge --auto-remove -y && rm -rf /var/lib/apt/lists/* /etc/apt/sources.list.d/nginx.list \
    && if [ -n "$tempDir" ]; then \
        apt-get purge -y --auto-remove \
        && rm -rf "$tempDir" /etc/apt/sources.list.d/temp.list; \
    fi \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log

EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
