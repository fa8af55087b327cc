#!/usr/bin/env bash
# The test command: formatting, lints, unit + integration tests against a throwaway Postgres,
# then the release site with browser tests in real Chromium. Stops what it started, also on failure.
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/pg.sh"
cd "$ROOT"

"$ROOT/scripts/install.sh" --with-browser

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d /tmp/tasklens-test.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg
PGPORT=$(free_port)
SERVER_PID=
cleanup() {
    local rc=$?
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    pg_down "$PGDIR"
    if [ $rc -ne 0 ] && [ -f "$WORK/server.log" ]; then
        echo "--- server log (last 40 lines) ---" >&2; tail -40 "$WORK/server.log" >&2
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM

log "throwaway PostgreSQL on port $PGPORT"
pg_up "$PGDIR" "$PGPORT" throwaway
pg_createdb "$PGPORT" tasklens
# sqlx::test creates a fresh database per test on this server.
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/tasklens"

log "cargo fmt --check"
cargo fmt --all --check
log "cargo clippy (server side, all targets)"
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
log "cargo clippy (browser side, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
log "cargo test (unit + integration, real Postgres)"
INSTA_UPDATE=no cargo test --workspace --exclude frontend
cargo build -p server

log "fuzzing: ingest parsers, importers, keys and windows (30 s a target; past crashes replayed)"
"$ROOT/scripts/fuzz.sh"

log "release site + browser tests"
TASKLENS_SITE_ROOT="$WORK/site" "$ROOT/scripts/build-site.sh"
pg_createdb "$PGPORT" tasklens_e2e
APP_PORT=$(free_port)
E2E_DB="postgres://postgres@127.0.0.1:$PGPORT/tasklens_e2e"
E2E_TOKEN="e2e-$(date +%s%N)"
# The embed browser tests frame panels from a portal they serve on a localhost port.
DATABASE_URL="$E2E_DB" TASKLENS_INGEST_TOKENS="$E2E_TOKEN" TASKLENS_EMBED_ORIGINS="http://localhost:*" \
TASKLENS_ADDR="127.0.0.1:$APP_PORT" TASKLENS_SITE_ROOT="$WORK/site" \
    "$CARGO_TARGET_DIR/debug/tasklens" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited" >&2; exit 1; }
    sleep 0.2
done
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d tasklens_e2e -q -v ON_ERROR_STOP=1 \
    -f "$ROOT/db/tests/fixtures/small.sql"
# Enough history for every chart: a week of three demo workflows, ending now.
DATABASE_URL="$E2E_DB" "$CARGO_TARGET_DIR/debug/tasklens" demo --days 7 --workflows 3 --seed 5 \
    --ground-truth "$WORK/gt.json"
# Tasks whose key, name, host and error are markup (including keys that break out of <title>,
# <script>, <style> and comments): they must always render as text.
hostile_batch() {
    local t1 t2 t3 t4
    t1=$(date -u -d '-2 hours' +%FT%TZ); t2=$(date -u -d '-2 hours +30 seconds' +%FT%TZ)
    t3=$(date -u -d '-1 hours' +%FT%TZ); t4=$(date -u -d '-1 hours +45 seconds' +%FT%TZ)
    local evil='xss.<img src=x onerror=alert(1)>' name='<img src=x onerror=alert(1)>'
    cat <<JSON
{"executions": [
 {"executionId": "h-1/prep", "workflowId": "xss", "workflowExecutionId": "h-1", "taskId": "xss.prepare",
  "taskName": "Prepare", "status": "completed", "startTime": "$t1", "endTime": "$t2"},
 {"executionId": "h-1/evil", "workflowId": "xss", "workflowExecutionId": "h-1", "taskId": "$evil",
  "taskName": "$name", "status": "completed", "startTime": "$t2", "endTime": "$t3", "host": "<b>host</b>"},
 {"executionId": "h-2/evil", "workflowId": "xss", "workflowExecutionId": "h-2", "taskId": "$evil",
  "taskName": "$name", "status": "failed", "startTime": "$t3", "endTime": "$t4",
  "error": {"type": "<script>alert(2)</script>", "message": "<img src=y onerror=alert(3)>"}},
 {"executionId": "h-b0", "workflowId": "xss", "workflowExecutionId": "h-1", "taskId": "xss.</title><script>window.__pwned=1;alert(11)</script>",
  "taskName": "xss.</title><script>window.__pwned=1;alert(11)</script>", "status": "completed", "startTime": "$t2", "endTime": "$t3"},
 {"executionId": "h-b1", "workflowId": "xss", "workflowExecutionId": "h-1", "taskId": "xss.</script><script>window.__pwned=2;alert(12)</script>",
  "taskName": "xss.</script><script>window.__pwned=2;alert(12)</script>", "status": "completed", "startTime": "$t2", "endTime": "$t3"},
 {"executionId": "h-b2", "workflowId": "xss", "workflowExecutionId": "h-1", "taskId": "xss.</style><script>window.__pwned=3;alert(13)</script>",
  "taskName": "xss.</style><script>window.__pwned=3;alert(13)</script>", "status": "completed", "startTime": "$t2", "endTime": "$t3"},
 {"executionId": "h-b3", "workflowId": "xss", "workflowExecutionId": "h-1", "taskId": "xss.<!--<script>window.__pwned=4;alert(14)</script>-->",
  "taskName": "xss.<!--<script>window.__pwned=4;alert(14)</script>-->", "status": "completed", "startTime": "$t2", "endTime": "$t3"}
], "dependencies": [{"workflowId": "xss", "upstreamTaskId": "xss.prepare", "downstreamTaskId": "$evil",
  "dependencyType": "data", "optional": false}]}
JSON
}
hostile_batch | curl -fsS "http://127.0.0.1:$APP_PORT/api/v1/task-analytics/ingest" \
    -H "Authorization: Bearer $E2E_TOKEN" -H 'Content-Type: application/json' --data-binary @- >/dev/null
mkdir -p "$ROOT/docs/screenshots"
(cd "$ROOT/end2end" && TASKLENS_URL="http://127.0.0.1:$APP_PORT" npx playwright test)
log "all tests passed"
