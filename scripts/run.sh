#!/usr/bin/env bash
# The run command: installs what is missing, builds the release site and server, starts a
# private PostgreSQL cluster under .tasklens/ (persistent, fsync on) unless DATABASE_URL is set,
# and serves Tasklens on http://127.0.0.1:3000 (TASKLENS_ADDR to change).
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/pg.sh"
cd "$ROOT"

"$ROOT/scripts/install.sh"
"$ROOT/scripts/build-site.sh"
log "cargo build --release -p server"
cargo build --release -p server

PGDIR="$ROOT/.tasklens/pgdata"
if [ -z "${DATABASE_URL:-}" ]; then
    PGPORT=${TASKLENS_PG_PORT:-54329}
    log "private PostgreSQL in .tasklens/pgdata on port $PGPORT"
    mkdir -p "$ROOT/.tasklens"
    chmod 755 "$ROOT/.tasklens"
    pg_up "$PGDIR" "$PGPORT" durable
    pg_createdb "$PGPORT" tasklens
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/tasklens"
    trap 'pg_down "$PGDIR"' EXIT
fi

export TASKLENS_ADDR=${TASKLENS_ADDR:-127.0.0.1:3000}
export TASKLENS_SITE_ROOT=${TASKLENS_SITE_ROOT:-$ROOT/site}
log "Tasklens on http://$TASKLENS_ADDR  (Ctrl-C stops it)"
"$CARGO_TARGET_DIR/release/tasklens" serve
