#!/bin/sh
# The container's entry point: refuse to start with a missing or default secret, or a
# default database password, then run the command (`wangge serve`, `wangge worker`...).
# A key or password everyone can read in this repository protects nothing.
set -eu

fail() {
    echo "wangge: $*" >&2
    exit 64
}

is_default() {
    case "$(printf '%s' "$1" | tr 'A-Z' 'a-z')" in
        wangge | postgres | password | secret | default | admin | test-secret-key | \
            change-me* | changeme* | change_me*) return 0 ;;
    esac
    return 1
}

key="${WANGGE_SECRET_KEY:-}"
[ -n "$key" ] || fail "set WANGGE_SECRET_KEY: it protects ID numbers and phones at rest \
(make one with: openssl rand -hex 32)"
is_default "$key" && fail "WANGGE_SECRET_KEY is a default value: set a key of your own"
[ "${#key}" -ge 16 ] || fail "WANGGE_SECRET_KEY has ${#key} characters: use at least 16"

url="${WANGGE_DATABASE_URL:-}"
[ -n "$url" ] || fail "set WANGGE_DATABASE_URL to the PostGIS database, \
e.g. postgresql+psycopg://wangge:PASSWORD@db:5432/wangge"
# The password of scheme://user:password@host/...; none when the URL carries none.
password="$(printf '%s' "$url" | sed -n 's#^[^:]*://[^:/@]*:\([^@]*\)@.*$#\1#p')"
if [ -n "$password" ] && is_default "$password"; then
    fail "the database password in WANGGE_DATABASE_URL is a default value: set one of your own"
fi

exec "$@"
