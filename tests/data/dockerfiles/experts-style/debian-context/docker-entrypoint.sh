#!/usr/bin/env bash
set -Eeuo pipefail

if [[ "${1:0:1}" == "-" ]]; then
	set -- app "$@"
fi
exec "$@"
