#!/usr/bin/env bash
# The main job (`make demo`): build the CLI and the relayer, bring up a local ecosystem (L1 + 2
# hyperchains, one operator each, the relayer), then move ETH through it the way a user does:
# deposit L1 → chain 901, hyperbridge 901 → 902 (every one of the 7 steps printed as it happens),
# withdraw 902 → L1, then the cross-chain swap (`hyperchain demo swap`) and a cross-chain
# view (`hyperchain demo view`). Everything runs on local anvil processes and stops when the
# script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/bin:$PATH"

echo "==> building contracts (forge) and the hyperchain + hyperchain-relayer binaries (cargo)"
# Linting is `make check`'s job (`forge lint -D warnings`); forge's lint pass on build printed
# notes about test files here.
FOUNDRY_LINT_ON_BUILD=false forge build >/dev/null
# --workspace: the same feature set as `make test`, so neither rebuilds the dependencies of the other.
# Not --quiet: a first build takes minutes, and cargo's line per compiled crate shows it progressing.
cargo build --workspace --bins
bin="$PWD/target/debug/hyperchain"

run_dir="$PWD/.hyperchain"
mkdir -p "$run_dir"
log="$run_dir/up.log"
devnet="$run_dir/devnet.json"
rm -f "$devnet"

echo "==> hyperchain up --chains 2   (log: $log)"
"$bin" up --chains 2 >"$run_dir/up.out" 2>"$log" &
up_pid=$!
cleanup() {
  if kill -0 "$up_pid" 2>/dev/null; then
    echo "==> shutting the ecosystem down"
    kill -INT "$up_pid" 2>/dev/null || true
    wait "$up_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 600); do
  if grep -q "ready in" "$run_dir/up.out" 2>/dev/null; then break; fi
  if ! kill -0 "$up_pid" 2>/dev/null; then
    echo "hyperchain up exited early; last log lines:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q "ready in" "$run_dir/up.out" || { echo "hyperchain up did not become ready in 60 s" >&2; exit 1; }
cat "$run_dir/up.out"

echo
echo "==> deposit 1 ETH from L1 to hyperchain 901 (shared bridge → priority queue → operator)"
"$bin" deposit --chain 901 --amount 1 --devnet "$devnet"

echo
echo "==> hyperbridge 0.25 ETH from 901 to 902 with a 0.001 ETH relayer fee"
"$bin" send --from-chain 901 --to-chain 902 --value 0.25 --fee 0.001 --wait --devnet "$devnet"

echo
echo "==> withdraw 0.1 ETH from 902 to L1 and finalize it on L1"
"$bin" withdraw --chain 902 --amount 0.1 --finalize --account 5 --devnet "$devnet"

echo
echo "==> a cross-chain swap: sell 1 X on 901 for Y on a pool that lives on 902, in one transaction"
"$bin" demo swap --from-chain 901 --pool-chain 902 --devnet "$devnet"

echo
echo "==> a cross-chain view: a gate on 902 admits a holder of a token on 901 by its balance proven against 901's settled state"
"$bin" demo view --token-chain 901 --reader-chain 902 --devnet "$devnet"

echo
echo "==> hyperchain status"
"$bin" status --messages 3 --devnet "$devnet"
