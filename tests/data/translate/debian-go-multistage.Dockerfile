# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22

FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
# Versions are not pinned: Debian versions do not carry over to Alpine (alpine-ready translate).
# hadolint ignore=DL3018
RUN apk add --no-cache git gcc libc-dev linux-headers
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server

FROM build AS test
RUN go test ./...

FROM alpine:3.23
# hadolint ignore=DL3018
RUN apk add --no-cache ca-certificates tzdata openssl
RUN addgroup -S app && adduser -S -G app -s /sbin/nologin app
COPY --from=build /out/server /usr/local/bin/server
USER app
ENTRYPOINT ["/usr/local/bin/server"]
