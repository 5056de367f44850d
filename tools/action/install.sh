#!/usr/bin/env bash
# The action's install step: alpine-ready from PyPI (AR_VERSION) or from the action's own
# source (AR_SOURCE, the checked-out action), into the Python on PATH.
set -euo pipefail
python="${AR_PYTHON:-python}"
if [ -n "${AR_VERSION:-}" ]; then
  "$python" -m pip install --disable-pip-version-check --quiet "alpine-ready==${AR_VERSION}"
else
  "$python" -m pip install --disable-pip-version-check --quiet "${AR_SOURCE:?the action path}"
fi
alpine-ready --version
