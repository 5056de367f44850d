# An app on Alpine's own python3 (PEP 668): the packages go into a venv, the native
# bits are built in a throw-away group, and the runtime check tells musl from glibc.
FROM alpine:3.22

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VENV=/opt/venv

RUN set -eux; \
    apk add --no-cache python3 py3-pip ca-certificates tini; \
    python3 -m venv "$VENV"

ENV PATH="$VENV/bin:$PATH"

COPY requirements.txt /tmp/requirements.txt
RUN set -eux; \
    apk add --no-cache --virtual .build-deps \
        build-base \
        python3-dev \
        libffi-dev \
    ; \
    pip install --no-cache-dir -r /tmp/requirements.txt; \
    apk del --no-network .build-deps; \
    rm /tmp/requirements.txt; \
    if ldd /bin/busybox 2>&1 | grep -q musl; then libc=musl; else libc=gnu; fi; \
    echo "libc: $libc"; \
    python3 -c 'import platform, sys; print(platform.python_version(), sys.prefix)'

COPY app /app
WORKDIR /app
USER nobody
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["python3", "-m", "app"]
