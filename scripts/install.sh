#!/usr/bin/env bash
# Installs what building, running and testing Tasklens need, skipping what is present.
# Idempotent; run as root on Debian (apt). `--with-browser` adds Chromium for the browser tests.
source "$(dirname "$0")/lib/common.sh"

want_browser=0
[ "${1:-}" = "--with-browser" ] && want_browser=1

apt_pkgs=()
command -v psql >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_pkgs+=(postgresql)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_pkgs+=(fonts-dejavu-core)
command -v gzip >/dev/null || apt_pkgs+=(gzip)
if [ $want_browser = 1 ] && ! command -v chromium >/dev/null; then apt_pkgs+=(chromium); fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
    log "apt-get install ${apt_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (found '${have:-none}')"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# cargo fuzz for scripts/fuzz.sh (pinned; runs on stable with --sanitizer none).
[ "$(cargo fuzz --version 2>/dev/null)" = "cargo-fuzz 0.13.2" ] || { log "cargo install cargo-fuzz 0.13.2"; cargo install cargo-fuzz --version 0.13.2 --locked --force; }

# npm tools: binaryen's wasm-opt (never Debian's: its wasm-opt breaks hydration) and Playwright
# (driving the system Chromium; no browser download).
if ! cmp -s "$ROOT/end2end/package-lock.json" "$ROOT/end2end/node_modules/.tasklens-installed" 2>/dev/null; then
    log "npm ci (end2end)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error \
        && cp package-lock.json node_modules/.tasklens-installed)
fi
