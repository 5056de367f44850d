# Our own Debian file in the style of an official httpd image (issue 14): APR and the
# module libraries by their Debian names, ldap.conf's package, a system user.
FROM debian:bookworm-slim

ENV SRV_PREFIX /usr/local/srv
ENV SRV_HOME /var/lib/srv

RUN set -eux; \
	groupadd --system --gid 101 srv; \
	useradd --system --gid srv --no-create-home --home "$SRV_HOME" --comment "srv user" --shell /bin/false --uid 101 srv

RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		ca-certificates \
		libaprutil1-ldap \
		libldap-common \
	; \
	rm -rf /var/lib/apt/lists/*

RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		bzip2 \
		dpkg-dev \
		gcc \
		libapr1-dev \
		libaprutil1-dev \
		libbrotli-dev \
		libjansson-dev \
		libnghttp2-dev \
		make \
		wget \
	; \
	rm -r /var/lib/apt/lists/*; \
	wget -O srv.tar.bz2 "https://example.org/srv.tar.bz2"; \
	mkdir -p src; \
	tar -xf srv.tar.bz2 -C src --strip-components=1; \
	cd src; \
	gnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"; \
	./configure --build="$gnuArch" --prefix="$SRV_PREFIX"; \
	make -j "$(nproc)"; \
	make install; \
	cd ..; \
	rm -r src srv.tar.bz2; \
	apt-mark auto '.*' > /dev/null; \
	[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \
	find /usr/local -type f -executable -exec ldd '{}' ';' \
		| awk '/=>/ { print $(NF-1) }' \
		| sort -u \
		| xargs -r dpkg-query --search \
		| cut -d: -f1 \
		| sort -u \
		| xargs -r apt-mark manual \
	; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false

USER srv
CMD ["srv"]
