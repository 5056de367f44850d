# A small tool image that installs into Alpine's system Python on purpose: the
# override is set once, so pip knows it is meant (PEP 668).
FROM alpine:3.22

ARG PIP_BREAK_SYSTEM_PACKAGES=1
RUN set -eux; \
    apk add --no-cache python3 py3-pip py3-yaml; \
    pip install --no-cache-dir 'yamllint==1.35.1'; \
    yamllint --version

ENTRYPOINT ["yamllint"]
