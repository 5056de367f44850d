# Everything pinned the ways apk and hadolint accept: exact, fuzzy, ranges, ARG versions,
# a package list in an ARG, a local .apk, an edge repository; builder stage left alone.
ARG ALPINE_VERSION=3.20
FROM alpine:${ALPINE_VERSION} AS build
ARG GO_VERSION=1.22.7-r0
ARG BUILD_PACKAGES="make=4.4.1-r2 gcc~13.2"
RUN apk add --no-cache --virtual .build-deps go=${GO_VERSION} $BUILD_PACKAGES \
 && go build -o /out/app ./cmd/app
RUN apk add --no-cache git~2.45

FROM alpine:${ALPINE_VERSION}
ARG CURL_VERSION=8.9.1-r2
ENV JQ_VERSION=1.7.1-r0
COPY --from=build /out/app /usr/local/bin/app
COPY vendor/libfoo-1.0-r0.apk /tmp/
RUN apk add --no-cache \
      "curl=${CURL_VERSION}" \
      jq=$JQ_VERSION \
      'ca-certificates>=20240000' \
      /tmp/libfoo-1.0-r0.apk \
 && apk add --no-cache --repository https://dl-cdn.alpinelinux.org/alpine/edge/testing \
      -t .hurl-runtime 'hurl<5' \
 && rm /tmp/libfoo-1.0-r0.apk
ENTRYPOINT ["/usr/local/bin/app"]
