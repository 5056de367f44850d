# Older style: no --no-cache, but the same RUN deletes apk's cache at its end.
FROM alpine:3.23
RUN apk add --update bash curl \
    && curl --version \
    && rm -rf /var/cache/apk/*
CMD ["bash"]
