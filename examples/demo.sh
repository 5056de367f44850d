#!/usr/bin/env bash
# The newcomer's first command: install alpine-ready into .venv, build the
# example app tree from real glibc and musl binaries, scan it, and decide on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v musl-gcc >/dev/null 2>&1 || need+=(musl-tools)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
if ((${#need[@]})); then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "demo: please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  fi
fi
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>/dev/null
.venv/bin/python examples/build_app.py
set +e
.venv/bin/alpine-ready scan examples/app
rc=$?
echo
echo "(alpine-ready scan exited $rc: 0 ready, 1 findings at or above --fail-on, 2 error)"
[[ $rc -le 1 ]] || exit "$rc"
echo
echo "== alpine-ready check examples/app: the decision, the size, the changes =="
.venv/bin/alpine-ready check examples/app
rc=$?
echo
echo "(alpine-ready check exited $rc: 0 below --fail-on, 1 at or above it, 2 error)"
[[ $rc -le 1 ]]
