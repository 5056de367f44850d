# A builder stage that is never shipped: the final stage bind-mounts its output, or copies
# one file from it.
FROM alpine:3.23 AS builder
RUN apk update && apk add build-base git
RUN git clone https://example.org/tool.git /src && make -C /src && make -C /src install DESTDIR=/out

FROM alpine:3.23 AS docs
RUN apk add --no-cache --virtual .docs-deps asciidoctor
RUN asciidoctor -o /man.html /dev/null

FROM alpine:3.23
RUN --mount=from=builder,source=/out,target=/mnt/out \
    cp -a /mnt/out/usr/local/. /usr/local/
COPY --from=docs /man.html /usr/share/doc/tool.html
RUN apk add --no-cache ca-certificates
CMD ["tool"]
