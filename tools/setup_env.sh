#!/usr/bin/env bash
# Create .venv/ with the pinned stack and this package (idempotent).
#
#   bash tools/setup_env.sh            # then use .venv/bin/python
#
# PYTHON picks the interpreter (default python3.11, else python3). A second
# run re-installs only when a file in requirements/ or setup.py changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=${VENV:-.venv}
STAMP="$VENV/.mmcl-installed"
digest=$(cat requirements.txt requirements/*.txt setup.py | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$digest" ]; then
    echo "[setup_env] $VENV is up to date"
    exit 0
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip==25.2 2>&1 | { grep -v "is ignored" || true; }
echo "[setup_env] installing torch, the OpenMMLab stack and test tools"
# one resolver run, so every pin in requirements/ holds together
"${PIP[@]}" install -q -r requirements.txt 2>&1 | { grep -v "is ignored" || true; }
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
echo "$digest" > "$STAMP"
"$VENV/bin/python" -c "import mmcl_plugin, mmaction.models; \
print('[setup_env] mmcl', mmcl_plugin.__version__, 'ready')"
