# Our own Debian file in the style of the official RabbitMQ image (issue 14): a
# build-essential stage, a later stage FROM it downloading with GNU wget's --progress and
# asking dpkg-architecture, a final stage with a system user whose home is a variable.
FROM debian:bookworm-slim AS build-base

RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends \
		build-essential \
		ca-certificates \
		libncurses5-dev \
		wget

FROM build-base AS otp-builder

ENV OTP_VERSION 27.1

RUN set -eux; \
	wget --progress dot:giga --output-document otp.tar.gz "https://example.org/otp-$OTP_VERSION.tar.gz"; \
	mkdir -p /usr/local/src/otp; \
	tar --extract --file otp.tar.gz --directory /usr/local/src/otp --strip-components 1; \
	cd /usr/local/src/otp; \
	hostArch="$(dpkg-architecture --query DEB_HOST_GNU_TYPE)"; \
	./configure --host="$hostArch" --prefix=/opt/otp; \
	make -j "$(nproc)"; \
	make install

FROM debian:bookworm-slim

ENV DATA_DIR /var/lib/broker
COPY --from=otp-builder /opt/otp /opt/otp

RUN set -eux; \
	groupadd --gid 999 --system broker; \
	useradd --uid 999 --system --home-dir "$DATA_DIR" --gid broker broker; \
	mkdir -p "$DATA_DIR"; \
	chown broker:broker "$DATA_DIR"

CMD ["/opt/otp/bin/erl"]
