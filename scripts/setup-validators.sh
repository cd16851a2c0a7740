#!/usr/bin/env bash
# Creates .venv-check with the independent readers the tests validate outputs against.
# Optional for users: without it, those checks are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-check/bin/python ]; then
    python3 -m venv .venv-check
fi
.venv-check/bin/python -m pip install --quiet --disable-pip-version-check \
    pydicom==3.0.2 highdicom==0.28.2 nibabel==5.4.2 numpy
