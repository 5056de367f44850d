# The apk mistakes seen in the wild, one after another (every apk rule fires here).
FROM alpine:3.20 AS base

ARG TOOLS="git=2.45.2-r0 openssh-client~9.7"

RUN apk update && apk upgrade

RUN apk update \
 && apk add \
      ca-certificates \
      tzdata=2024b-r0 \
 && apk add --no-cache $TOOLS

RUN apk add --no-cache --virtual .build-deps gcc musl-dev make \
 && apk add --no-cache libffi-dev \
 && make -C /src install

RUN apk del .build-deps \
 && apk del libffi-dev

FROM base AS app
RUN apk add --no-cache --virtual=.tools curl jq \
 && curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
CMD ["/opt/app/run"]
