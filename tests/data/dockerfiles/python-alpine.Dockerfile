# Modelled on the official python:3.12-alpine image: build from source, keep only the
# run-time libraries scanelf finds, delete the build group in the same RUN.
FROM alpine:3.20

ENV PATH /usr/local/bin:$PATH
ENV LANG C.UTF-8
ENV PYTHON_VERSION 3.12.7

RUN set -eux; \
	apk add --no-cache \
		ca-certificates \
		tzdata \
	;

RUN set -eux; \
	\
	apk add --no-cache --virtual .build-deps \
		bzip2-dev \
		gcc \
		libffi-dev \
		make \
		musl-dev \
		openssl-dev \
		zlib-dev \
	; \
	\
	wget -O python.tar.xz "https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz"; \
	mkdir -p /usr/src/python; \
	tar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz; \
	rm python.tar.xz; \
	\
	cd /usr/src/python; \
	gnuArch="$(apk --print-arch)"; \
	./configure --build="$gnuArch" --enable-shared --with-ensurepip; \
	make -j "$(nproc)"; \
	make install; \
	\
	find /usr/local -depth \
		\( \
			\( -type d -a \( -name test -o -name tests -o -name idle_test \) \) \
			-o \( -type f -a \( -name '*.pyc' -o -name '*.pyo' -o -name 'libpython*.a' \) \) \
		\) -exec rm -rf '{}' + \
	; \
	\
	find /usr/local -type f -executable -not \( -name '*tkinter*' \) -exec scanelf --needed --nobanner --format '%n#p' '{}' ';' \
		| tr ',' '\n' \
		| sort -u \
		| awk 'system("[ -e /usr/local/lib/" $1 " ]") == 0 { next } { print "so:" $1 }' \
		| xargs -rt apk add --no-cache --virtual .python-rundeps \
	; \
	apk del --no-network .build-deps; \
	\
	python3 --version

CMD ["python3"]
