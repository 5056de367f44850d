FROM ubuntu:22.04

ARG NODE_VERSION=20.11.1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates xz-utils \
 && curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \
 && tar -xJf "node-v${NODE_VERSION}-linux-x64.tar.xz" -C /usr/local --strip-components=1 \
 && rm "node-v${NODE_VERSION}-linux-x64.tar.xz" \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd -g 1001 web && useradd -m -u 1001 -g web web
COPY docker-entrypoint.sh /usr/local/bin/
USER web
WORKDIR /home/web
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
