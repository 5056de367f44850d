# An httpd-style image: the so: dependencies of the built server go into a group that is
# kept on purpose.
FROM alpine:3.23

ENV HTTPD_PREFIX=/usr/local/apache2
WORKDIR $HTTPD_PREFIX

RUN set -eux; \
    apk add --no-cache apr apr-util ca-certificates

RUN set -eux; \
    apk add --no-cache --virtual .build-deps \
        apr-dev \
        apr-util-dev \
        gcc \
        libc-dev \
        make \
        pcre2-dev \
        perl \
        wget \
    ; \
    wget -O httpd.tar.bz2 "https://downloads.example.org/httpd/httpd-2.4.tar.bz2"; \
    mkdir -p src; \
    tar -xf httpd.tar.bz2 -C src --strip-components=1; \
    rm httpd.tar.bz2; \
    cd src; \
    ./configure --prefix="$HTTPD_PREFIX" --enable-mods-shared=reallyall; \
    make -j "$(getconf _NPROCESSORS_ONLN)"; \
    make install; \
    cd ..; \
    rm -r src man manual; \
    deps="$( \
        scanelf --needed --nobanner --format '%n#p' --recursive /usr/local \
            | tr ',' '\n' \
            | sort -u \
            | awk 'system("[ -e /usr/local/lib/" $1 " ]") == 0 { next } { print "so:" $1 }' \
    )"; \
    apk add --no-network --virtual .httpd-so-deps $deps; \
    apk del --no-network .build-deps; \
    httpd -v

EXPOSE 80
CMD ["httpd-foreground"]
