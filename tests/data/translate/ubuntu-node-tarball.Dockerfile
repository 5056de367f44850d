FROM alpine:3.23

ARG NODE_VERSION=20.11.1
SHELL ["/bin/ash", "-o", "pipefail", "-c"]

# Versions are not pinned: Debian versions do not carry over to Alpine (alpine-ready translate).
# hadolint ignore=DL3018
RUN apk add --no-cache curl ca-certificates xz openssl tar libstdc++ libgcc \
 && curl -fsSLO "https://unofficial-builds.nodejs.org/download/release/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64-musl.tar.xz" \
 && tar -xJf "node-v${NODE_VERSION}-linux-x64-musl.tar.xz" -C /usr/local --strip-components=1 \
 && rm "node-v${NODE_VERSION}-linux-x64-musl.tar.xz"

RUN addgroup -g 1001 web && adduser -D -u 1001 -G web web
COPY docker-entrypoint.sh /usr/local/bin/
USER web
WORKDIR /home/web
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
