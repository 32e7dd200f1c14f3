#!/bin/sh
# Create .venv and install revsync with the exact dependency tree of requirements.lock (every
# package pinned with its hashes; `make lock` refreshes it from pyproject.toml). Called by
# `make install`, under a lock so that two `make` commands started at once on a fresh clone
# install one after the other.
# usage: scripts/install.sh PYTHON VENV
set -eu
python=$1
venv=$2
installed=$venv/.installed
UV_VERSION=0.13.9  # the installer is pinned too: another uv could resolve or install differently

# Another process may have finished the install while we waited for the lock.
if [ -f "$installed" ] && [ "$installed" -nt pyproject.toml ] && [ "$installed" -nt requirements.lock ]; then exit 0; fi

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "revsync needs Python 3.11 or newer; run make with PYTHON=/path/to/python3.11")'
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"

# uv installs the locked set in seconds; pip takes about half a minute. If uv cannot be installed
# or cannot reach the index (proxy, certificates), pip installs the same hashed set. --no-deps:
# the lock already holds every dependency, and pip's hash mode rejects the unpinned extras
# (`gql[requests]`) that resolving dependencies again would bring in.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" 2>/dev/null || true
if [ -x "$venv/bin/uv" ] \
    && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --compile-bytecode --no-deps \
        --require-hashes -r requirements.lock \
    && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps -e .; then
    :
else
    echo "uv unavailable; installing with pip"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
    "$venv/bin/python" -m compileall -q "$venv/lib"
fi
# --no-deps trusts the lock to be whole: check that every installed package has what it needs.
"$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null \
    || { "$venv/bin/python" -m pip check; echo "requirements.lock misses a dependency: run make lock" >&2; exit 1; }
touch "$installed"
echo "installed into $venv"
