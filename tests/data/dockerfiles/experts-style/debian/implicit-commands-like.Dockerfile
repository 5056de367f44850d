FROM debian:bookworm-slim

ENV APP_VERSION 1.6.0
ENV APP_PATCHES fix-musl-build.patch

# Debian's base system has perl (perl-base): the version check below calls it
RUN set -eux; \
	perl -e 'exit($ENV{APP_VERSION} =~ /^\d+\.\d+\.\d+$/ ? 0 : 1)'; \
	ps -o pid,comm

COPY *.patch /usr/src/patches/

RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		dpkg-dev \
		gcc \
		libc6-dev \
		make \
		wget \
	; \
	rm -rf /var/lib/apt/lists/*; \
	\
	wget -O app.tar.gz "https://downloads.example.org/app/app-$APP_VERSION.tar.gz"; \
	mkdir -p /usr/src/app; \
	tar -xzf app.tar.gz -C /usr/src/app --strip-components=1; \
	rm app.tar.gz; \
	cd /usr/src/app; \
	applyPatches() { \
		for p in "$@"; do patch -p1 < "/usr/src/patches/$p"; done; \
	}; \
	applyPatches $APP_PATCHES; \
	gnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"; \
	make -j "$(nproc)" HOST="$gnuArch"; \
	make install; \
	cd /; \
	rm -rf /usr/src/app /usr/src/patches; \
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
	app --version
