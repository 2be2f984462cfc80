#!/usr/bin/env bash
# Install what wangge needs, only what is missing: PostgreSQL + PostGIS (apt), a Python
# virtual environment at .venv with the project. Quick when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    say "missing system packages: $*"
    say "install them as root: sudo apt-get install -y $*"
    exit 1
  fi
  if [ -z "${WANGGE_APT_UPDATED:-}" ]; then
    say "apt-get update"
    apt-get update -qq
    export WANGGE_APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_major() {
  ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sed -E 's|.*/postgresql/([0-9]+)/.*|\1|' \
    | sort -n | tail -n 1
}

# PostgreSQL server binaries, then the PostGIS build for that major version.
if [ -z "$(pg_major)" ]; then
  apt_install postgresql
fi
major="$(pg_major)"
if [ ! -f "/usr/share/postgresql/${major}/extension/postgis.control" ]; then
  apt_install "postgresql-${major}-postgis-3"
fi

# Headless Chromium drives the page tests (`setup.sh --test`); Playwright uses Debian's.
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
# ffmpeg makes the local HLS stream the camera player's test plays (tests/api/test_camera_streams.py).
if [ "${1:-}" = "--test" ] && ! command -v ffmpeg >/dev/null 2>&1; then
  apt_install ffmpeg
fi

# Python >= 3.11 with venv.
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  apt_install python3 python3-venv
  python=python3
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$python" -m venv .venv
  fi
  .venv/bin/python -m pip install -q --upgrade pip
fi

# The pages' JavaScript, CSS and fonts, from the npm registry (pinned, hash-checked).
"$python" scripts/fetch_assets.py

# Reinstall the project only when its dependencies changed.
stamp=.venv/.wangge-installed
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python dependencies into .venv"
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
