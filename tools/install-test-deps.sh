#!/usr/bin/env bash
# Install what alpine-ready's tests need on Debian 12 (bookworm):
#   - Debian packages (as root, via apt-get; otherwise just report what is missing)
#   - the project itself, editable, with its [test] extra (pip)
# Idempotent: a second run installs nothing and prints nothing.
# Then it fetches the real test artefacts (python3 tools/fixtures.py all) into
# ~/.cache/alpine-ready-test-fixtures ($ALPINE_READY_FIXTURES overrides it).
#
# The project goes into a virtual environment, .venv/ at the repository root
# (PEP 668 forbids pip on Debian's own Python); run the tests with
# .venv/bin/python -m pytest.
#
# Env: BASE_PYTHON (default python3) creates the venv; PYTHON overrides the venv.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_PYTHON="${BASE_PYTHON:-python3}"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"

log() { printf 'install-test-deps: %s\n' "$*" >&2; }

# Tools the tests and tools/fixtures.py use:
#   qemu-utils (qemu-img), e2fsprogs (debugfs): Alpine rootfs from a VM image
#   binutils (readelf), file, pax-utils (scanelf, lddtree): ELF inspection
#   musl-tools, musl-dev, gcc, libc6-dev: build tiny glibc/musl test binaries
#   ca-certificates, curl: registry access
#   debootstrap: the Debian bookworm rootfs (tools/fixtures.py debian-rootfs)
#   docker-registry (CNCF distribution 2.8), skopeo, umoci: a real registry and
#     independent image readers/writers for the image tests
#   zstd: zstd-compressed image layers (tests/imagebuild.py)
#   postgresql: a throw-away server for fleet's PostgreSQL store (tests/fleetbuild.py
#     run_postgres: initdb + pg_ctl as the postgres user, Unix socket only)
#   make: the task runner (Makefile: make lint, make test, ...)
#   bubblewrap (bwrap): the sandbox verify runs commands in (tests/test_sandbox*.py)
#   chromium: renders --format html headless (tests/test_formats_html.py)
#   fish, zsh: the completion scripts run in the shells (tests/test_completion.py)
packages=(
  qemu-utils e2fsprogs musl-tools musl-dev pax-utils gcc libc6-dev binutils file
  ca-certificates curl
  debootstrap docker-registry skopeo umoci zstd openssl make chromium bubblewrap
  fish zsh
  postgresql
)
# npm packs the npm fixtures; a Node.js from elsewhere (e.g. NodeSource) ships its own npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)
if ! command -v "$BASE_PYTHON" >/dev/null 2>&1; then
  packages+=(python3 python3-venv)
elif ! "$BASE_PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
else
  log "dpkg-query not found (not a Debian system?): cannot check Debian packages"
fi

if ((${#missing[@]})); then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    updated=0
    apt_update() {
      if ((updated == 0)); then
        log "apt-get update"
        apt-get update -qq
        updated=1
      fi
    }
    # Update only if needed: no package lists yet, or a package unknown to them.
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
      apt_update
    else
      for p in "${missing[@]}"; do
        if [[ -z "$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '(none)' || true)" ]]; then
          apt_update
          break
        fi
      done
    fi
    log "apt-get install ${missing[*]}"
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      # Stale lists can point at versions the mirror no longer has: update once, retry.
      if ((updated == 0)); then
        apt_update
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
      else
        exit 1
      fi
    fi
  else
    log "not root (or no apt-get): missing Debian packages: ${missing[*]}"
    log "  as root: apt-get install --no-install-recommends ${missing[*]}"
  fi
fi

# The project, editable, with its test extra. Skipped when this exact
# pyproject.toml was already installed for this interpreter from this checkout.
cd "$REPO_ROOT"
if [[ ! -f pyproject.toml ]]; then
  log "no pyproject.toml in $REPO_ROOT: skipping pip install"
  exit 0
fi
if [[ ! -x "$PYTHON" ]]; then
  log "creating $REPO_ROOT/.venv ($BASE_PYTHON)"
  "$BASE_PYTHON" -m venv "$REPO_ROOT/.venv"
fi

py_exe="$("$PYTHON" -c 'import sys; print(sys.executable)')"
key="$(sha256sum pyproject.toml | cut -d' ' -f1) $py_exe $REPO_ROOT"
# The stamp lives with the test artefacts ($ALPINE_READY_FIXTURES, default
# ~/.cache/alpine-ready-test-fixtures), never in the tool's own ~/.cache/alpine-ready.
# One stamp per checkout, so two clones sharing the artefacts do not reinstall in turn.
fixtures_root="$("$PYTHON" "$REPO_ROOT/tools/fixtures.py" --print-root)"
stamp="$fixtures_root/install-test-deps.$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12).stamp"
rm -f "${XDG_CACHE_HOME:-$HOME/.cache}/alpine-ready/install-test-deps.stamp"  # its old place

installed_here() {
  # alpine_ready must import from this checkout's src/, and pytest must be there.
  "$PYTHON" - "$REPO_ROOT/src" <<'EOF' >/dev/null 2>&1
import sys
from pathlib import Path

import alpine_ready
import pytest  # noqa: F401

src = Path(sys.argv[1]).resolve()
sys.exit(0 if src in Path(alpine_ready.__file__).resolve().parents else 1)
EOF
}

fetch_fixtures() {
  # The real artefacts the tests use (pinned, cached in $fixtures_root; ~0.2 s when warm).
  "$PYTHON" "$REPO_ROOT/tools/fixtures.py" all
}

if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" ]] && installed_here; then
  fetch_fixtures
  exit 0
fi

log "pip install -e '.[test]' ($py_exe)"
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$PYTHON" -m pip install -q --root-user-action=ignore -e '.[test]'; then
  log "pip install failed; on a system Python (PEP 668) use a venv: python3 -m venv .venv && PYTHON=.venv/bin/python $0"
  exit 1
fi
mkdir -p "$(dirname "$stamp")"
printf '%s\n' "$key" >"$stamp"
fetch_fixtures
