# Modelled on the official php:8.3-fpm-alpine image and its extension recipes: run-time
# libraries in a kept group, build dependencies in a virtual group removed in the same RUN
# with --no-network, run-time sonames found by scanelf and installed through xargs.
ARG ALPINE_VERSION=3.20
FROM alpine:${ALPINE_VERSION}

ARG PHP_VERSION=8.3.12
ARG PHPIZE_DEPS="autoconf dpkg-dev dpkg file g++ gcc libc-dev make pkgconf re2c"
ENV PHP_INI_DIR /usr/local/etc/php

# persistent / runtime deps
RUN apk add --no-cache --virtual .persistent-deps \
		ca-certificates~20240705 \
		curl~8.9 \
		openssl~3.3 \
		tar~1.35 \
		xz~5.6

RUN set -eux; \
	apk add --no-cache --virtual .build-deps \
		$PHPIZE_DEPS \
		argon2-dev \
		curl-dev \
		libsodium-dev \
		libxml2-dev \
		linux-headers \
		oniguruma-dev \
		openssl-dev \
		readline-dev \
		sqlite-dev \
	; \
	\
	cd /usr/src/php; \
	./configure --with-config-file-path="$PHP_INI_DIR" --enable-mbstring --with-curl; \
	make -j "$(nproc)"; \
	make install; \
	\
	runDeps="$( \
		scanelf --needed --nobanner --format '%n#p' --recursive /usr/local \
			| tr ',' '\n' \
			| sort -u \
			| awk 'system("[ -e /usr/local/lib/" $1 " ]") == 0 { next } { print "so:" $1 }' \
	)"; \
	apk add --no-cache $runDeps; \
	\
	apk del --no-network .build-deps; \
	php --version

RUN set -eux; \
	apk add --no-cache --virtual .ext-deps $PHPIZE_DEPS postgresql-dev; \
	docker-php-ext-install pdo_pgsql; \
	scanelf --needed --nobanner --format '%n#p' --recursive /usr/local/lib/php/extensions \
		| tr ',' '\n' \
		| sort -u \
		| awk 'system("[ -e /usr/local/lib/" $1 " ]") == 0 { next } { print "so:" $1 }' \
		| xargs -rt apk add --no-cache --virtual .phpexts-rundeps; \
	apk del --no-network .ext-deps

WORKDIR /var/www/html
CMD ["php-fpm"]
