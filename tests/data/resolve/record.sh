#!/bin/sh
# Re-record the real uv outputs in this directory (needs PyPI; a few seconds).
# Usage, from the repository root:  sh tests/data/resolve/record.sh
# Each case: CASE.pylock.toml (stdout), CASE.stderr, CASE.rc (exit status).
set -u
here=$(cd "$(dirname "$0")" && pwd)
uv=${UV:-.venv/bin/uv}
cache=$(mktemp -d)
empty=$(mktemp -d)
run() {  # run CASE LIBC EXTRA_ARGS... <<< requirements
    case=$1 libc=$2
    shift 2
    UV_CACHE_DIR=${UV_CACHE_DIR_OVERRIDE:-$cache} "$uv" pip compile - --format pylock.toml \
        --python-platform "x86_64-unknown-linux-$libc" --python-version 3.12 \
        --python .venv/bin/python --no-python-downloads --no-config --no-header \
        --no-annotate --color never --no-progress "$@" \
        >"$here/$case.pylock.toml" 2>"$here/$case.stderr"
    echo $? >"$here/$case.rc"
    sed -i -E 's/in [0-9.]+m?s$/in 0ms/' "$here/$case.stderr"  # timings vary
    [ -s "$here/$case.pylock.toml" ] || rm -f "$here/$case.pylock.toml"
}
echo duckdb | run duckdb-musl musl
echo duckdb | run duckdb-musl-nobuild musl --no-build
echo duckdb | run duckdb-gnu gnu
echo polars | run polars-musl musl
printf 'pydantic[email]>=2 ; python_version >= "3.8"\npywin32 ; sys_platform == "win32"\n' \
    | run markers-musl musl
echo torch | run torch-musl musl
echo scikit-learn | run scikit-learn-musl-nobuild musl --no-build
echo mysqlclient | run mysqlclient-musl-nobuild musl --no-build
echo 'numpy>=999' | run impossible-musl musl
echo mysql-python | run mysql-python-musl musl
echo numpy | UV_CACHE_DIR_OVERRIDE=$empty run offline-empty-musl musl --offline
echo numpy | run unreachable-musl musl --default-index http://127.0.0.1:9/simple
rm -rf "$cache" "$empty"
