#!/bin/sh
# Create .venv and install revsync with its pinned dependencies. Called by `make install`, under a
# lock so that two `make` commands started at once on a fresh clone install one after the other.
# usage: scripts/install.sh PYTHON VENV
set -eu
python=$1
venv=$2
installed=$venv/.installed

# Another process may have finished the install while we waited for the lock.
if [ -f "$installed" ] && [ "$installed" -nt pyproject.toml ]; then exit 0; fi

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "revsync needs Python 3.11 or newer; run make with PYTHON=/path/to/python3.11")'
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"

# uv resolves and installs the pinned set in seconds; pip takes about half a minute. If uv is
# missing or cannot reach the index (proxy, certificates), pip does the same work.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check uv 2>/dev/null || true
if [ -x "$venv/bin/uv" ] && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --compile-bytecode -e ".[dev]"; then
    :
else
    echo "uv unavailable; installing with pip"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e ".[dev]"
    "$venv/bin/python" -m compileall -q "$venv/lib"
fi
touch "$installed"
echo "installed into $venv"
