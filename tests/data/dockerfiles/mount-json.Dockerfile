FROM python:3.12-alpine
RUN --mount=type=cache,target=/var/cache/apk,sharing=locked --mount=type=secret,id=npmrc,required \
    apk add gcc musl-dev libffi-dev
RUN ["apk", "add", "--no-cache", "postgresql-libs"]
RUN ["/bin/sh", "-c", "apk add --no-cache --virtual .build-deps postgresql-dev && pip install psycopg2 && apk del .build-deps"]
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN wget -qO- https://example.com/install.sh | sh && \
    apk upgrade
HEALTHCHECK --interval=30s CMD wget -q --spider http://localhost:8000/ || exit 1
ONBUILD RUN apk add --no-cache git
CMD ["gunicorn", "app:app"]
