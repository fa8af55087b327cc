#!/usr/bin/env bash
# Fuzzes the ingest parsers, the importers and the key/window parsing with cargo fuzz (libFuzzer)
# for a bounded time: builds every target in fuzz/, replays fuzz/regressions/<target>/* (inputs
# that once crashed), then runs each target for FUZZ_SECONDS (default 30) from the committed seed
# corpus fuzz/corpus/<target>/. Prints per target the executions done and the crashes found;
# exits non-zero on any crash, printing the crash artifact's path (fuzz/artifacts/<target>/).
#
#   scripts/fuzz.sh                       # all targets, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh nextflow
#
# Stable toolchain: `--sanitizer none` needs no nightly flag (our crates deny unsafe code, so
# AddressSanitizer would find little); libFuzzer's coverage instrumentation uses stable -C flags.
# Builds go to their own target dir so they never invalidate the main build.
source "$(dirname "$0")/lib/common.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/tasklens/fuzz-target}
export CARGO_TARGET_DIR=$FUZZ_TARGET_DIR
ALL_TARGETS=(ingest_json ingest_ndjson nextflow wfcommons keys_and_windows)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: run scripts/install.sh" >&2; exit 1; }
cd "$ROOT/fuzz"

log "cargo fuzz build --sanitizer none (target dir $FUZZ_TARGET_DIR)"
start=$(date +%s)
cargo fuzz build --sanitizer none --target-dir "$FUZZ_TARGET_DIR"
log "built in $(( $(date +%s) - start )) s"
BIN_DIR=$FUZZ_TARGET_DIR/x86_64-unknown-linux-gnu/release

WORK=$(mktemp -d /tmp/tasklens-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

failures=0
summary=()
for t in "${targets[@]}"; do
    bin=$BIN_DIR/$t
    [ -x "$bin" ] || { echo "no fuzz target $t (have: ${ALL_TARGETS[*]})" >&2; exit 1; }

    # Inputs that crashed once must not crash again.
    reg_total=0 reg_failed=0
    for input in "$ROOT/fuzz/regressions/$t"/*; do
        [ -f "$input" ] || continue
        reg_total=$((reg_total + 1))
        if ! "$bin" "$input" >"$WORK/$t.regression.log" 2>&1; then
            reg_failed=$((reg_failed + 1))
            echo "REGRESSION $t: ${input#"$ROOT/"} crashes again:" >&2
            grep -A 12 -m 1 "panicked at" "$WORK/$t.regression.log" >&2 || tail -20 "$WORK/$t.regression.log" >&2
        fi
    done

    # The committed corpus is read only; what the run finds goes to a scratch corpus.
    log "fuzz $t for ${FUZZ_SECONDS} s"
    mkdir -p "$WORK/corpus/$t" "$ROOT/fuzz/artifacts/$t"
    rc=0
    "$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$ROOT/fuzz/artifacts/$t/" "$WORK/corpus/$t" "$ROOT/fuzz/corpus/$t" \
        >"$WORK/$t.log" 2>&1 || rc=$?
    execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$WORK/$t.log" | tail -1)
    artifacts=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$WORK/$t.log")
    crashes=$(printf '%s' "$artifacts" | grep -c . || true)
    if [ "$rc" -ne 0 ]; then
        [ "$crashes" -gt 0 ] || crashes=1
        echo "CRASH $t (libFuzzer exit $rc):" >&2
        grep -A 20 -m 1 -E "panicked at|ERROR: libFuzzer" "$WORK/$t.log" >&2 || tail -30 "$WORK/$t.log" >&2
        for a in $artifacts; do
            echo "  artifact: $a  (replay: $bin $a)" >&2
        done
    fi
    [ "$crashes" -eq 0 ] && [ "$reg_failed" -eq 0 ] || failures=$((failures + 1))
    summary+=("$(printf '%-18s %12s %8s %14s' "$t" "${execs:-?}" "$crashes" "$reg_failed/$reg_total")")
done

printf '%-18s %12s %8s %14s\n' target executions crashes "regressions" >&2
printf '%s\n' "${summary[@]}" >&2
if [ "$failures" -ne 0 ]; then
    echo "fuzz: $failures target(s) crashed; inputs under fuzz/artifacts/ (add each to fuzz/regressions/<target>/ once fixed)" >&2
    exit 1
fi
log "fuzz: no crash in ${#targets[@]} target(s), ${FUZZ_SECONDS} s each"
