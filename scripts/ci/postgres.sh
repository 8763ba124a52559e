#!/usr/bin/env bash
# Installs PostgreSQL 15 with pgvector (built from the vendored tarball) and starts a throwaway
# cluster for the tests. Idempotent: a rerun skips what is already installed or running.
# Run as root on Debian 12. Prints the connection URL on its last line; source-friendly:
#   eval "$(scripts/ci/postgres.sh --env)"   # exports CARE_TEST_PG_URL
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${CARE_PG_PORT:-54329}"
DATA="${CARE_PG_DATA:-/tmp/care-pgdata}"
SOCK=/tmp
BIN=/usr/lib/postgresql/15/bin
TARBALL="$(cd ../shared/vendor && pwd)/pgvector-0.8.6.tar.gz"
log() { echo "postgres.sh: $*" >&2; }

if [ ! -x "$BIN/initdb" ] || [ ! -d /usr/include/postgresql/15/server ]; then
  log "installing postgresql-15"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-server-dev-15 build-essential >&2
fi
if [ ! -f /usr/share/postgresql/15/extension/vector.control ]; then
  log "building pgvector 0.8.6 from $TARBALL"
  rm -rf /tmp/pgvector-0.8.6
  tar xzf "$TARBALL" -C /tmp
  make -s -C /tmp/pgvector-0.8.6 >&2
  make -s -C /tmp/pgvector-0.8.6 install >&2
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initdb $DATA"
  mkdir -p "$DATA" && chown postgres "$DATA"
  su postgres -c "$BIN/initdb -D $DATA -A trust" >&2
fi
if ! su postgres -c "$BIN/pg_ctl -D $DATA status" >/dev/null 2>&1; then
  log "starting cluster on port $PORT"
  su postgres -c "$BIN/pg_ctl -D $DATA -o '-p $PORT -k $SOCK -c listen_addresses=127.0.0.1' -l $DATA/log -w start" >&2
fi
PGOPTIONS=--client-min-messages=warning psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qc "create extension if not exists vector" >&2
URL="postgres://postgres@127.0.0.1:$PORT/postgres"
if [ "${1:-}" = "--env" ]; then
  echo "export CARE_TEST_PG_URL=$URL"
else
  echo "$URL"
fi
