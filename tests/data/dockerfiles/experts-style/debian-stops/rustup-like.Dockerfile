FROM debian:bookworm-slim

ENV APP_VERSION 0.9.2

RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev wget; \
	rm -rf /var/lib/apt/lists/*; \
	\
	rustArch=; \
	dpkgArch="$(dpkg --print-architecture)"; \
	case "$dpkgArch" in \
		'amd64') rustArch='x86_64-unknown-linux-gnu'; rustupUrl='https://static.rust-lang.org/rustup/archive/1.28.2/x86_64-unknown-linux-gnu/rustup-init'; rustupSha256='20a06e644b0d9bd2fbdbfd52d42540bdde820ea7df86e92e533c073da0cdd43c' ;; \
		'arm64') rustArch='aarch64-unknown-linux-gnu'; rustupUrl='https://static.rust-lang.org/rustup/archive/1.28.2/aarch64-unknown-linux-gnu/rustup-init'; rustupSha256='e3853c5a252fca15252d07cb23a1bdd9377a8c6f3efa01531109281ae47f841c' ;; \
		*) echo >&2 "unsupported architecture"; exit 1 ;; \
	esac; \
	\
	wget -O rustup-init "$rustupUrl"; \
	echo "$rustupSha256 *rustup-init" | sha256sum --check --strict; \
	chmod +x rustup-init; \
	./rustup-init -y --no-modify-path --profile minimal --default-host "$rustArch"; \
	rm rustup-init; \
	"$HOME/.cargo/bin/cargo" install --root /usr/local "app@$APP_VERSION"; \
	rm -rf "$HOME/.cargo" "$HOME/.rustup"; \
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
