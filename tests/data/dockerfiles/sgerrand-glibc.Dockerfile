# The "glibc on Alpine" recipe many images used to run glibc-only programs (Oracle JDK,
# AWS CLI v2, vendor agents) on Alpine: sgerrand/alpine-pkg-glibc, unpinned key and all.
FROM alpine:3.18

ENV LANG=C.UTF-8 \
    GLIBC_VERSION=2.35-r1

RUN apk add --no-cache --virtual .glibc-deps wget ca-certificates \
 && wget -q -O /etc/apk/keys/sgerrand.rsa.pub https://alpine-pkgs.sgerrand.com/sgerrand.rsa.pub \
 && wget -q https://github.com/sgerrand/alpine-pkg-glibc/releases/download/${GLIBC_VERSION}/glibc-${GLIBC_VERSION}.apk \
 && wget -q https://github.com/sgerrand/alpine-pkg-glibc/releases/download/${GLIBC_VERSION}/glibc-bin-${GLIBC_VERSION}.apk \
 && apk add --no-cache --force-overwrite glibc-${GLIBC_VERSION}.apk glibc-bin-${GLIBC_VERSION}.apk \
 && rm glibc-*.apk \
 && /usr/glibc-compat/sbin/ldconfig /lib /usr/glibc-compat/lib \
 && apk del --no-network .glibc-deps

ENV LD_LIBRARY_PATH=/usr/glibc-compat/lib

COPY agent /opt/agent
CMD ["/opt/agent/bin/agent"]
