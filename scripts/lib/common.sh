# Shared settings for the scripts (sourced). One cargo target dir outside the clone, so every
# clone and CI run on this machine builds incrementally.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tasklens/target}
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
