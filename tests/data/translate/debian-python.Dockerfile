FROM python:3.12-alpine

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Versions are not pinned: Debian versions do not carry over to Alpine (alpine-ready translate).
# hadolint ignore=DL3018
RUN apk add --no-cache \
      libpq

RUN addgroup -g 1000 app && adduser -D -u 1000 -G app -s /bin/sh app

WORKDIR /app
COPY requirements.txt .
# alpine-ready translate: no Alpine translation known for what the next RUN uses: do it by hand
RUN echo 'alpine-ready translate: https://example.com/tool-1.0-x86_64-unknown-linux-gnu.tar.gz downloads a glibc build (Rust target x86_64-unknown-linux-gnu): no musl build of it is known: find one or build it from source below -- then delete this RUN' >&2 && exit 1
# hadolint ignore=DL3018
RUN apk add --no-cache --virtual .build-deps build-base libpq-dev openssl-dev zlib-dev linux-headers \
 && pip install --no-cache-dir --upgrade pip \
 && python3 -m pip install --no-cache-dir -r requirements.txt \
 && curl -fsSL -o /tmp/tool.tar.gz https://example.com/tool-1.0-x86_64-unknown-linux-gnu.tar.gz \
 && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin \
 && apk del --no-network .build-deps

USER app
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
