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

# An ingest token, created on first start and kept (git-ignored) for local scripts.
TOKEN_FILE="$ROOT/.tasklens-token"
if [ ! -s "$TOKEN_FILE" ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$TOKEN_FILE")
    log "created an ingest token in .tasklens-token: $(cat "$TOKEN_FILE")"
fi
export TASKLENS_INGEST_TOKENS=${TASKLENS_INGEST_TOKENS:-$(cat "$TOKEN_FILE")}

# A newcomer's first page should be alive: load a demo history ending now into an empty database.
mkdir -p "$ROOT/.tasklens"
"$CARGO_TARGET_DIR/release/tasklens" demo --if-empty --ground-truth "$ROOT/.tasklens/demo-ground-truth.json"

export TASKLENS_ADDR=${TASKLENS_ADDR:-127.0.0.1:3000}
export TASKLENS_SITE_ROOT=${TASKLENS_SITE_ROOT:-$ROOT/site}
log "Tasklens on http://$TASKLENS_ADDR  (Ctrl-C stops it; ingest token in .tasklens-token)"
"$CARGO_TARGET_DIR/release/tasklens" serve
