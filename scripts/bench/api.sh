#!/usr/bin/env bash
# REST API at scale (run on demand: `scripts/bench.sh api`, never in CI).
#
# Loads BENCH_WORKFLOWS × BENCH_SCALE of the demo workload (default 275 × 4.0 over 30 days:
# ≈ 10 million executions, ≈ 5,000 tasks) into a durable private PostgreSQL through the normal
# ingest path, with the rollup triggers off during the load and the rollups built in one pass
# after it (a bulk load; ingest with the triggers is what `scripts/bench.sh ingest` measures),
# then starts three release servers on the same database: A with the product's caches (60 s TTL,
# stale-while-revalidate) once its worker has prewarmed every task's 30-day performance, B on
# rollups with caches off, and C from raw rows (TASKLENS_READ_RAW, the baseline), caches off.
# wrk drives each endpoint with 50 connections (random task per request) against A, and
# /performance against B (the miss path under load); then one connection against B and C
# (cold, their ratio); then the percentile error of /performance against Postgres' exact
# percentile_cont for 200 tasks, and each server's peak RSS. wrk corrects its percentiles for
# coordinated omission (wrk 4's stats_correct): a stall weighs by the time it lasts, not by the
# few requests it delayed, as a client arriving at a random moment would see it.
#
# BENCH_PGDIR keeps the cluster between runs (the load is skipped when it holds data).
source "$(dirname "$0")/../lib/common.sh"
source "$ROOT/scripts/lib/pg.sh"
cd "$ROOT"
command -v wrk >/dev/null || { log "apt-get install wrk"; apt-get install -y -qq wrk >/dev/null; }
WORKFLOWS=${BENCH_WORKFLOWS:-275}
SCALE=${BENCH_SCALE:-4.0}
SECONDS_PER_RUN=${BENCH_SECONDS:-30}
PGDIR=${BENCH_PGDIR:-}
WORK=$(mktemp -d /tmp/tasklens-api-bench.XXXXXX)
chmod 755 "$WORK"
[ -n "$PGDIR" ] || PGDIR="$WORK/pg"
PGPORT=${BENCH_PGPORT:-55500}
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "${BENCH_PGDIR:-}" ] || pg_down "$PGDIR"
    rm -rf "$WORK"
}
trap cleanup EXIT
# A database of this size gets a production-like buffer cache and checkpoint spacing.
PG_EXTRA_OPTS="-c shared_buffers=2GB -c max_wal_size=8GB -c checkpoint_timeout=15min" \
    pg_up "$PGDIR" "$PGPORT" durable
pg_createdb "$PGPORT" tasklens_api
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/tasklens_api"
PSQL=(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d tasklens_api -tAq -v ON_ERROR_STOP=1)
cargo build --release -p server
BIN="$CARGO_TARGET_DIR/release/tasklens"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(date -u +%F)"

log "applying migrations"
"$BIN" migrate
if [ "$("${PSQL[@]}" -c 'SELECT count(*) > 0 FROM task_execution_history')" != t ]; then
    log "loading demo: $WORKFLOWS workflows × scale $SCALE over 30 days (rollup triggers off)"
    "${PSQL[@]}" -c 'ALTER TABLE task_execution_history DISABLE TRIGGER USER'
    start=$(date +%s.%N)
    "$BIN" demo --workflows "$WORKFLOWS" --scale "$SCALE" --days 30 --seed 7 \
        --ground-truth "$WORK/truth.json"
    end=$(date +%s.%N)
    log "building the rollups in one pass"
    "${PSQL[@]}" -c 'ALTER TABLE task_execution_history ENABLE TRIGGER USER'
    "${PSQL[@]}" -c 'SELECT tasklens_refresh_rollups(array_agg(task_id), array_agg(hour))
        FROM (SELECT DISTINCT task_id, date_trunc($$hour$$, start_time, $$UTC$$) AS hour
              FROM task_execution_history) t'
    built=$(date +%s.%N)
    "${PSQL[@]}" -c 'VACUUM ANALYZE'
    n=$("${PSQL[@]}" -c 'SELECT count(*) FROM task_execution_history')
    python3 -c "print(f'load: {$n:,} executions in {$end - $start:.0f} s ({$n / ($end - $start):,.0f}/s); rollups built in {$built - $end:.0f} s')"
fi
"${PSQL[@]}" -c "SELECT 'data: ' || (SELECT count(*) FROM task_execution_history) || ' executions, '
    || (SELECT count(*) FROM tasks) || ' tasks, ' || (SELECT count(*) FROM task_rollups_hourly)
    || ' hourly and ' || (SELECT count(*) FROM task_rollups_daily) || ' daily rollup rows, '
    || pg_size_pretty(pg_database_size(current_database()))"
"${PSQL[@]}" -c 'SELECT task_key FROM tasks ORDER BY task_key' > "$WORK/keys"

serve() { # serve PORT TTL RAW [PREWARM]
    TASKLENS_ADDR="127.0.0.1:$1" TASKLENS_CACHE_TTL_SECS=$2 TASKLENS_SUMMARY_REFRESH_SECS=0 \
        TASKLENS_READ_RAW=$3 TASKLENS_PREWARM=${4:-} TASKLENS_REQUEST_TIMEOUT_SECS=120 \
        TASKLENS_DB_MAX_CONNECTIONS=20 \
        TASKLENS_DB_STATEMENT_TIMEOUT_MS=120000 TASKLENS_DB_ACQUIRE_TIMEOUT_MS=120000 \
        RUST_LOG=warn "$BIN" serve >"$WORK/server-$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.2; done
    echo "server on $1 did not start" >&2; exit 1
}
# Server A prewarms the benchmarked windows: its worker computes the rankings and every active
# task's 30-day and 24-hour performance (/failures shares the latter), one workflow at a time,
# before the closed-loop runs start.
"${PSQL[@]}" -c "DELETE FROM task_performance_metrics"
active() { # active INTERVAL → tasks with executions in the window (as the server counts them)
    "${PSQL[@]}" -c "SELECT count(DISTINCT task_id) FROM task_rollups_daily
        WHERE bucket >= date_trunc('day', now() - interval '$1', 'UTC')"
}
warm_start=$(date +%s.%N)
serve 3401 60 false 30d,24h
PID_A=${PIDS[-1]}
cpu_a() { awk '{print ($14 + $15) / 100}' "/proc/$PID_A/stat"; }
for w in "30d|30 days" "24h|24 hours"; do
    n=$(active "${w#*|}")
    while [ "$("${PSQL[@]}" -c "SELECT count(*) FROM task_performance_metrics WHERE window_label = '${w%%|*}'")" -lt "$n" ]; do
        sleep 2
    done
    python3 -c "print(f'prewarm: {$n:,} tasks × ${w%%|*} done after {$(date +%s.%N) - $warm_start:.0f} s, server A CPU {$(cpu_a):.0f} s')"
done
serve 3402 0 false
PID_B=${PIDS[-1]}
serve 3403 0 true
PID_C=${PIDS[-1]}

BASE=/api/v1/task-analytics
ENDPOINTS=(
    "performance|$BASE/tasks/{key}/performance?time_range=30d"
    "rankings|$BASE/tasks/rankings?metric=performance&time_range=30d"
    "rankings (p95)|$BASE/tasks/rankings?metric=duration&time_range=30d"
    "failures|$BASE/tasks/{key}/failures?time_range=24h"
)
load() { # load PORT PATH SECONDS CONNECTIONS → RESULT line
    KEYS_FILE="$WORK/keys" PATH_TEMPLATE="$2" wrk -t"$(( $4 < 2 ? 1 : 2 ))" -c"$4" -d"$3"s \
        --timeout 120s -s "$ROOT/scripts/bench/random_task.lua" "http://127.0.0.1:$1" | grep RESULT
}
row() { # row NAME WHICH RESULT
    python3 - "$@" <<'PY'
import sys
name, which, line = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
print(f"| {name} | {which} | {int(f['requests']):,} | {int(f['errors']) + int(f['non2xx'])} | "
      f"{float(f['p50_ms']):.1f} | {float(f['p95_ms']):.1f} | {float(f['p99_ms']):.1f} | {float(f['rps']):.1f} |")
PY
}
first_key=$(head -1 "$WORK/keys")
echo
echo "1. closed loop, 50 connections, ${SECONDS_PER_RUN} s each, server A (product defaults)"
echo
echo "| endpoint | server | requests | errors | p50 ms | p95 ms | p99 ms | req/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for e in "${ENDPOINTS[@]}"; do
    name=${e%%|*}
    path=${e#*|}
    row "$name" "A: defaults, prewarmed" "$(load 3401 "$path" "$SECONDS_PER_RUN" 50)"
done
# The miss path under the same load: every request computes (server B, caches off).
row "performance" "B: rollups, no cache" "$(load 3402 "${ENDPOINTS[0]#*|}" "$SECONDS_PER_RUN" 50)"
echo
# Server A's worker keeps recomputing what the runs above left stale; stop it so the cold runs
# measure one computation on an otherwise idle machine.
rss() { awk '/VmHWM/{printf "%.0f MB", $2/1024}' "/proc/$1/status"; }
RSS_A=$(rss "$PID_A")
kill "$PID_A"
COLD_SECONDS=${BENCH_COLD_SECONDS:-20}
echo "2. cold: one connection, ${COLD_SECONDS} s each, caches off"
echo
echo "| endpoint | server | requests | errors | p50 ms | p95 ms | p99 ms | req/s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for e in "${ENDPOINTS[@]}"; do
    name=${e%%|*}
    path=${e#*|}
    curl -fs "http://127.0.0.1:3402${path//\{key\}/$first_key}" >/dev/null # warm
    row "$name" "B: rollups" "$(load 3402 "$path" "$COLD_SECONDS" 1)"
    row "$name" "C: raw rows" "$(load 3403 "$path" "$COLD_SECONDS" 1)"
done

echo
echo "3. percentile error of /performance (30d, server B) against percentile_cont over the raw rows, 200 tasks:"
shuf -n 200 --random-source=<(yes) "$WORK/keys" > "$WORK/sample"
python3 - "$WORK/sample" 3402 "$PGPORT" <<'PY'
import json, subprocess, sys, urllib.request
keys, port, pgport = open(sys.argv[1]).read().split(), sys.argv[2], sys.argv[3]
worst = {"p50Duration": 0.0, "p95Duration": 0.0, "p99Duration": 0.0}
for k in keys:
    body = json.load(urllib.request.urlopen(
        f"http://127.0.0.1:{port}/api/v1/task-analytics/tasks/{k}/performance?time_range=30d"))
    w = body["window"]
    q = f"""SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms)
            FILTER (WHERE status <> 'skipped')
            FROM task_execution_history e JOIN tasks t ON t.id = e.task_id
            WHERE t.task_key = '{k}' AND start_time >= '{w['from']}' AND start_time < '{w['to']}'"""
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", pgport, "-U", "postgres", "-d",
                          "tasklens_api", "-tAc", q], capture_output=True, text=True, check=True)
    exact = [float(x) for x in out.stdout.strip().strip("{}").split(",") if x]
    for name, want in zip(worst, exact):
        got = body["executionStats"][name]
        if want > 0:
            worst[name] = max(worst[name], abs(got - want) / want)
print("  largest relative error: " + ", ".join(f"{k[:3]} {v * 100:.3f} %" for k, v in worst.items()))
PY
echo "server A peak RSS: $RSS_A"
echo "server B peak RSS: $(rss "$PID_B")"
echo "server C peak RSS: $(rss "$PID_C")"
