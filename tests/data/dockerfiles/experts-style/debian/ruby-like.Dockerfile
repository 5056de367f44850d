# Our own Debian file in the style of an official Ruby image (issue 14): a system
# interpreter needed by the build and purged after it, a dpkg -l check, wget -O only.
FROM debian:bookworm-slim

ENV LANG C.UTF-8
ENV LANGX_VERSION 2.0.1

RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		dpkg-dev \
		ruby \
		autoconf \
		gcc \
		libgdbm-compat-dev \
		libyaml-dev \
		make \
		wget \
		xz-utils \
		zlib1g-dev \
	; \
	rm -rf /var/lib/apt/lists/*; \
	wget -O langx.tar.xz "https://example.org/langx-$LANGX_VERSION.tar.xz"; \
	mkdir -p /usr/src/langx; \
	tar -xJf langx.tar.xz -C /usr/src/langx --strip-components=1; \
	rm langx.tar.xz; \
	cd /usr/src/langx; \
	autoconf; \
	gnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"; \
	./configure --build="$gnuArch" --enable-shared; \
	make -j "$(nproc)"; \
	make install; \
	apt-mark auto '.*' > /dev/null; \
	apt-mark manual $savedAptMark > /dev/null; \
	find /usr/local -type f -executable -exec ldd '{}' ';' \
		| awk '/=>/ { so = $(NF-1); if (index(so, "/usr/local/") == 1) { next }; gsub("^/(usr/)?", "", so); print so }' \
		| sort -u \
		| xargs -r dpkg-query --search \
		| cut -d: -f1 \
		| sort -u \
		| xargs -r apt-mark manual \
	; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
	cd /; \
	rm -r /usr/src/langx; \
	if dpkg -l | grep -i ruby; then exit 1; fi; \
	langx --version

CMD ["langx"]
