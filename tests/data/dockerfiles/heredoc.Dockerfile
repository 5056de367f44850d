FROM alpine:3.20
RUN <<EOF
set -eux
apk add --no-cache \
    bash \
    curl
cat <<'CONF' > /etc/motd
hello $USER
CONF
EOF
RUN <<-EOT bash
	set -e
	[[ -d /opt ]] || mkdir /opt
	apk add --no-cache jq
EOT
RUN python3 <<PY > /tmp/out.txt
print("apk add not-a-command")
PY
RUN <<SCRIPT
#!/usr/bin/env python3
import os
os.system("apk add --no-cache gcc")
SCRIPT
RUN <<SH
#!/bin/sh -e
apk add --no-cache make
SH
COPY <<EOF /etc/app.conf
key=value
EOF
RUN cat /etc/app.conf
