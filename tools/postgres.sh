#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 (free port, temp dir) and prints its
# DATABASE_URL on stdout. Installs PostgreSQL from Debian when missing. Used by the relayer's
# tests and CI on a fresh machine.
#
#   eval "$(tools/postgres.sh)"            # sets DATABASE_URL and PG_DIR (and PG_STOP)
#   tools/postgres.sh --url                 # prints only the URL
#   tools/postgres.sh --stop <PG_DIR>       # stops the cluster and removes the dir
#
# Runs the server as user `postgres` (or `nobody`) when invoked as root: PostgreSQL refuses root.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

if [[ "${1:-}" == "--stop" ]]; then
  dir="${2:?usage: postgres.sh --stop <PG_DIR>}"
  bin="$(cat "$dir/.bindir" 2>/dev/null || true)"
  if [[ -n "$bin" && -f "$dir/data/postmaster.pid" ]]; then
    if [[ $(id -u) -eq 0 ]]; then
      su -s /bin/sh "$(cat "$dir/.owner")" -c "'$bin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$dir"
  exit 0
fi

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

if ! bindir="$(find_bindir)"; then
  if [[ $(id -u) -ne 0 ]]; then
    log "PostgreSQL is not installed and this user cannot apt-get install it"; exit 2
  fi
  log "installing PostgreSQL from Debian (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir="$(find_bindir)" || { log "installed, but initdb/pg_ctl not found"; exit 2; }
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
dir="$(mktemp -d /tmp/hyperchain-pg.XXXXXX)"
chmod 755 "$dir"
echo "$bindir" > "$dir/.bindir"

as_owner() { "$@"; }
owner="$(id -un)"
if [[ $(id -u) -eq 0 ]]; then
  owner=postgres
  id postgres >/dev/null 2>&1 || owner=nobody
  chown "$owner" "$dir"
  as_owner() { su -s /bin/sh "$owner" -c "$(printf '%q ' "$@")"; }
fi
echo "$owner" > "$dir/.owner"

as_owner "$bindir/initdb" -D "$dir/data" -U relayer --auth=trust -E UTF8 >/dev/null
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=100" start >/dev/null
as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U relayer relayer

url="postgres://relayer@127.0.0.1:$port/relayer"
if [[ "${1:-}" == "--url" ]]; then
  echo "$url"
else
  echo "export DATABASE_URL=$url"
  echo "export PG_DIR=$dir"
  echo "export PG_STOP='$0 --stop $dir'"
fi
