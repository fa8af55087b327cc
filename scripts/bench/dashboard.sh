#!/usr/bin/env bash
# Dashboard render time at 100,000 executions per task (run on demand:
# `scripts/bench.sh dashboard`, never in CI).
#
# Loads one demo workflow at BENCH_SCALE (default 200) over 35 days (its busiest task runs every
# 30 s: ≈ 105,000 executions) through the normal ingest path (rollup triggers on), then times
# the server-side render of `/tasks/{key}?range=90d` (the whole history) (the complete SSR page: one server function, all charts) for the
# busiest task with wrk on one connection, on two release servers over the same database: one
# reading rollups (the product), one reading every execution (TASKLENS_READ_RAW, the baseline).
source "$(dirname "$0")/../lib/common.sh"
source "$ROOT/scripts/lib/pg.sh"
cd "$ROOT"
command -v wrk >/dev/null || { log "apt-get install wrk"; apt-get install -y -qq wrk >/dev/null; }
SCALE=${BENCH_SCALE:-200}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
WORK=$(mktemp -d /tmp/tasklens-dash-bench.XXXXXX)
chmod 755 "$WORK"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    pg_down "$WORK/pg"
    rm -rf "$WORK"
}
trap cleanup EXIT
PG_EXTRA_OPTS="-c shared_buffers=1GB -c max_wal_size=4GB" pg_up "$WORK/pg" "$PGPORT" durable
pg_createdb "$PGPORT" tasklens_dash
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/tasklens_dash"
PSQL=(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d tasklens_dash -tAq -v ON_ERROR_STOP=1)
cargo build --release -p server
BIN="$CARGO_TARGET_DIR/release/tasklens"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(date -u +%F)"
start=$(date +%s.%N)
"$BIN" demo --workflows 1 --scale "$SCALE" --days 35 --seed 11 --ground-truth "$WORK/truth.json"
end=$(date +%s.%N)
"${PSQL[@]}" -c 'VACUUM ANALYZE'
n=$("${PSQL[@]}" -c 'SELECT count(*) FROM task_execution_history')
python3 -c "print(f'load with rollup triggers: {$n:,} executions in {$end - $start:.0f} s ({$n / ($end - $start):,.0f}/s)')"
read -r KEY COUNT < <("${PSQL[@]}" -F ' ' -c "SELECT t.task_key, count(*) FROM task_execution_history e
    JOIN tasks t ON t.id = e.task_id WHERE e.start_time >= now() - interval '90 days'
    GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
echo "busiest task: $KEY with $COUNT executions in the last 90 days"

serve() { # serve PORT [raw]
    local raw=false
    [ "${2:-}" = raw ] && raw=true
    # BENCH_PREWARM="" times the page without the product server's background prewarm of every
    # task (which runs at start, on the same cores, and is what production servers also do).
    # The raw-rows baseline never prewarms: its prewarm would load the cores the product
    # server's page is timed on.
    local prewarm="${BENCH_PREWARM-24h,7d}"
    [ "$raw" = true ] && prewarm=""
    TASKLENS_ADDR="127.0.0.1:$1" TASKLENS_SITE_ROOT="$ROOT/site" TASKLENS_READ_RAW=$raw \
        TASKLENS_PREWARM="$prewarm" \
        TASKLENS_SUMMARY_REFRESH_SECS=0 RUST_LOG=warn "$BIN" serve >"$WORK/server-$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.2; done
    echo "server on $1 did not start" >&2; exit 1
}
serve 3411
serve 3412 raw
echo "$KEY" > "$WORK/keys"
echo
echo "| server | requests | errors | p50 ms | p95 ms | p99 ms | page bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for port in 3411 3412; do
    which=rollups
    [ $port = 3412 ] && which="raw rows"
    bytes=$(curl -fs "http://127.0.0.1:$port/tasks/$KEY?range=90d" | wc -c)
    r=$(KEYS_FILE="$WORK/keys" PATH_TEMPLATE="/tasks/{key}?range=90d" wrk -t1 -c1 -d"$SECONDS_PER_RUN"s \
        --timeout 60s -s "$ROOT/scripts/bench/random_task.lua" "http://127.0.0.1:$port" | grep RESULT)
    python3 - "$which" "$r" "$bytes" <<'PY'
import sys
which, line, size = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
print(f"| {which} | {int(f['requests']):,} | {int(f['errors']) + int(f['non2xx'])} | "
      f"{float(f['p50_ms']):.1f} | {float(f['p95_ms']):.1f} | {float(f['p99_ms']):.1f} | {int(size):,} |")
PY
done
