#!/usr/bin/env bash
# Benchmarks, run on demand (never in CI): `scripts/bench.sh ingest|analysis|api|dashboard`.
# Starts a private PostgreSQL (fsync on, like production), builds release, runs the bench.
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/scripts/lib/pg.sh"
cd "$ROOT"
which=${1:?usage: scripts/bench.sh ingest|analysis|api|dashboard}
if [ "$which" = analysis ]; then
    # Pure analytics against the spec's Python (numpy/pandas/scipy/networkx): no server, no
    # PostgreSQL. See analytics/benches/analysis.rs.
    if ! python3 -c 'import numpy, pandas, scipy, networkx' 2>/dev/null; then
        log "pip install numpy pandas scipy networkx"
        python3 -m pip install --quiet numpy pandas scipy networkx
    fi
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(date -u +%F)" >&2
    exec cargo bench -p analytics --bench analysis
fi
"$ROOT/scripts/install.sh"
if [ "$which" = api ] || [ "$which" = dashboard ]; then
    exec "$ROOT/scripts/bench/$which.sh"
fi
WORK=$(mktemp -d /tmp/tasklens-bench.XXXXXX)
chmod 755 "$WORK"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'pg_down "$WORK/pg"; rm -rf "$WORK"' EXIT
pg_up "$WORK/pg" "$PGPORT" durable
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
cargo build --release -p server
export TASKLENS_BIN="$CARGO_TARGET_DIR/release/tasklens"
nproc_note="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(date -u +%F)"
echo "machine: $nproc_note" >&2
cargo bench -p server --bench "$which"
