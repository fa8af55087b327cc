#!/usr/bin/env bash
# Builds the browser bundle into site/pkg: wasm (wasm-release profile) → wasm-bindgen →
# wasm-opt -Oz → CSS, plus .gz siblings the server sends to browsers that accept gzip.
source "$(dirname "$0")/lib/common.sh"

have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
    echo "wasm-bindgen CLI is '${have:-missing}', Cargo.lock needs $WASM_BINDGEN_VERSION; run scripts/install.sh" >&2
    exit 1
fi
command -v wasm-opt >/dev/null || { echo "wasm-opt missing; run scripts/install.sh" >&2; exit 1; }

SITE=${TASKLENS_SITE_ROOT:-$ROOT/site}
PKG=$SITE/pkg
log "cargo build -p frontend (wasm32, wasm-release)"
(cd "$ROOT" && cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "wasm-bindgen + wasm-opt"
wasm-bindgen --target web --no-typescript --out-name tasklens --out-dir "$tmp" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$tmp/tasklens_bg.wasm" -o "$tmp/tasklens_bg.opt.wasm"
mv "$tmp/tasklens_bg.opt.wasm" "$tmp/tasklens_bg.wasm"
cp "$ROOT/style/main.css" "$tmp/tasklens.css"
for f in "$tmp"/tasklens.js "$tmp"/tasklens_bg.wasm "$tmp"/tasklens.css; do gzip -9 -k -f "$f"; done
mkdir -p "$PKG"
rm -rf "$PKG.new" && mv "$tmp" "$PKG.new" && rm -rf "$PKG" && mv "$PKG.new" "$PKG"
trap - EXIT
chmod 755 "$PKG"
total=0
for f in tasklens_bg.wasm tasklens.js; do
    printf '    %-18s %8d bytes raw, %8d gzipped\n' "$f" "$(stat -c %s "$PKG/$f")" "$(stat -c %s "$PKG/$f.gz")" >&2
    total=$((total + $(stat -c %s "$PKG/$f.gz")))
done
# The budget of issue #6: what a browser downloads to make a page interactive.
BUDGET=400000
printf '    %-18s %8d bytes gzipped (budget %d)\n' "wasm + JS" "$total" "$BUDGET" >&2
if [ "$total" -gt "$BUDGET" ]; then
    echo "the browser bundle is over its budget; see app/src/components/sync_hydrate.rs and app/src/api/mod.rs for what kept it small" >&2
    exit 1
fi
