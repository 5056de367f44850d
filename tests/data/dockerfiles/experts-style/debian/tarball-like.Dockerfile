FROM debian:bookworm-slim

# the tool's own archives are .tar.xz: its entrypoint unpacks plugins with tar -xJf
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		ca-certificates \
		xz-utils \
	; \
	rm -rf /var/lib/apt/lists/*

ENV TOOL_VERSION 2.4.1
ENV TOOL_URL https://downloads.example.org/tool/tool-2.4.1.tar.gz
ENV TOOL_SHA256 6f1ed002ab5595859014ebf0951522d9f5e2ee3a2c06c4e5e1c53e0bb7e6c9e3

RUN set -eux; \
	\
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		gcc \
		libc6-dev \
		libssl-dev \
		make \
		wget \
	; \
	rm -rf /var/lib/apt/lists/*; \
	\
	wget -O tool.tar.gz "$TOOL_URL"; \
	echo "$TOOL_SHA256 *tool.tar.gz" | sha256sum -c -; \
	mkdir -p /usr/src/tool; \
	tar -xzf tool.tar.gz -C /usr/src/tool --strip-components=1; \
	rm tool.tar.gz; \
	\
	make -C /usr/src/tool -j "$(nproc)"; \
	make -C /usr/src/tool install; \
	rm -rf /usr/src/tool; \
	\
	apt-mark auto '.*' > /dev/null; \
	[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \
	find /usr/local -type f -executable -exec ldd '{}' ';' \
		| awk '/=>/ { so = $(NF-1); if (index(so, "/usr/local/") == 1) { next }; gsub("^/(usr/)?", "", so); printf "*%s\n", so }' \
		| sort -u \
		| xargs -r dpkg-query --search \
		| cut -d: -f1 \
		| sort -u \
		| xargs -r apt-mark manual \
	; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
	\
	tool --version

CMD ["tool"]
