# syntax=docker/dockerfile:1.7
ARG GO_VERSION=1.22
ARG ALPINE_VERSION=3.20
ARG REGISTRY

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine${ALPINE_VERSION} AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/var/cache/apk \
    --mount=type=cache,target=/go/pkg/mod \
    apk add git build-base
COPY --link go.mod go.sum ./
RUN --mount=type=bind,source=.,target=/src,rw \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app

FROM build AS test
RUN go test ./...

FROM ${REGISTRY}/base:latest AS internal

FROM alpine:${ALPINE_VERSION:-3.19}@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN apk add --no-cache ca-certificates && \
    addgroup -S app && adduser -S -G app app
COPY --from=build --chown=app:app /out/app /usr/local/bin/app
USER app
ENTRYPOINT ["/usr/local/bin/app"]
