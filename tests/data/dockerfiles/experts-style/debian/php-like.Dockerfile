# Our own Debian file in the style of an official PHP image (issue 14): a toolchain kept
# for extensions in an ENV list, apt pinning, the savedAptMark idiom, Debian multiarch.
FROM debian:bookworm-slim

RUN set -eux; \
	{ \
		echo 'Package: php*'; \
		echo 'Pin: release *'; \
		echo 'Pin-Priority: -1'; \
	} > /etc/apt/preferences.d/no-debian-php

ENV EXT_BUILD_DEPS \
		autoconf \
		dpkg-dev \
		g++ \
		gcc \
		libc-dev \
		make \
		pkg-config

RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		$EXT_BUILD_DEPS \
		ca-certificates \
		curl \
	; \
	rm -rf /var/lib/apt/lists/*

ENV APP_VERSION 1.2.3

RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		libcurl4-openssl-dev \
		libsqlite3-dev \
		libssl-dev \
	; \
	curl -fsSL -o app.tar.gz "https://example.org/app-$APP_VERSION.tar.gz"; \
	mkdir -p /usr/src/app; \
	tar -xzf app.tar.gz -C /usr/src/app --strip-components=1; \
	cd /usr/src/app; \
	gnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"; \
	debMultiarch="$(dpkg-architecture --query DEB_BUILD_MULTIARCH)"; \
	./configure \
		--build="$gnuArch" \
		--with-curl \
		--with-libdir="lib/$debMultiarch" \
	; \
	make -j "$(nproc)"; \
	make install; \
	cd /; \
	rm -rf /usr/src/app app.tar.gz; \
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
	rm -rf /var/lib/apt/lists/*

CMD ["app"]
