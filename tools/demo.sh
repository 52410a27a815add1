#!/usr/bin/env bash
# The main job. Until the operator and CLI land, it builds what exists and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> building contracts"
forge build
echo "==> building the Rust workspace"
cargo build --workspace
echo "Hyperchains: contracts and crates built. 'hyperchain up' is not implemented yet, so no local"
echo "ecosystem was started and no hyperbridge transfer was shown."
