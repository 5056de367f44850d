# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends git gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server

FROM build AS test
RUN go test ./...

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd -r app && useradd -r -g app -s /usr/sbin/nologin app
COPY --from=build /out/server /usr/local/bin/server
USER app
ENTRYPOINT ["/usr/local/bin/server"]
