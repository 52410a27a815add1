#!/usr/bin/env bash
# `make bench`: one table measured in one run, also written as JSON to .hyperchain/bench.json.
#  1. `hyperchain up --chains 2` (time to ready is recorded by `up`), then `hyperchain bench`
#     against it: latency send→delivered, L1 gas per batch, relay gas, send gas, relayer
#     throughput, and `readStorage` gas of a cross-chain view (`hyperchain demo view`'s
#     transactions) — all from this run's wall clock and receipts.
#  2. The relayer's own throughput bench (2,000 settled messages, release build).
#  3. The zkevm criterion bench: validation and plain revm execution of the same blocks.
# The chain figures use the debug build (dependencies at opt-level 2, see Cargo.toml); the zkevm
# figures come from criterion (release).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/bin:$PATH"
MESSAGES="${BENCH_MESSAGES:-200}"
BURST="${BENCH_BURST:-1000}"

echo "==> building the hyperchain and hyperchain-relayer binaries"
forge build >/dev/null
# --workspace: the same feature set as `make test`, so neither rebuilds the dependencies of the other.
cargo build --quiet --workspace --bins
bin="$PWD/target/debug/hyperchain"
run_dir="$PWD/.hyperchain"
mkdir -p "$run_dir"
devnet="$run_dir/bench-devnet.json"
rm -f "$devnet"

echo "==> hyperchain up --chains 2"
"$bin" up --chains 2 --out "$devnet" >"$run_dir/bench-up.out" 2>"$run_dir/bench-up.log" &
up_pid=$!
trap 'kill -INT $up_pid 2>/dev/null; wait $up_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 600); do
  grep -q "ready in" "$run_dir/bench-up.out" 2>/dev/null && break
  kill -0 "$up_pid" 2>/dev/null || { tail -n 30 "$run_dir/bench-up.log" >&2; exit 1; }
  sleep 0.1
done
head -n 2 "$run_dir/bench-up.out"

echo "==> hyperchain bench --messages $MESSAGES --burst $BURST"
"$bin" bench --json --messages "$MESSAGES" --burst "$BURST" --devnet "$devnet" >"$run_dir/bench-chain.json"

echo "==> relayer: 2,000 settled messages delivered from an empty database (release build)"
cargo test --release --quiet -p hyperchain-relayer --test it bench -- --ignored --nocapture \
  2>"$run_dir/bench-relayer.log" | tee "$run_dir/bench-relayer.out" \
  | grep -o '{[^{}]*"relayer_msgs_per_s"[^{}]*}' | tail -n 1 >"$run_dir/bench-relayer.json"
[ -s "$run_dir/bench-relayer.json" ] || {
  echo "make bench: the relayer bench printed no relayer_msgs_per_s (see $run_dir/bench-relayer.log)" >&2
  exit 1
}

echo "==> zkevm: validation vs plain revm on the same blocks (criterion)"
cargo bench --quiet -p hyperchain-zkevm --bench validate -- --noplot 2>"$run_dir/bench-zkevm.log" | tee "$run_dir/bench-zkevm.txt" | grep -E "^batch|time:|thrpt:"

python3 - "$run_dir" <<'PY'
import json, re, sys, datetime, os
run = sys.argv[1]
chain = json.load(open(f"{run}/bench-chain.json"))
text = open(f"{run}/bench-zkevm.txt").read()
# criterion: "<group>/validate_batch ... thrpt: [lo mid hi] Melem/s" — elements are gas units.
def mgas(name):
    m = re.search(name + r".*?thrpt:\s*\[\S+ \S+ (\S+) (\S)elem/s", text, re.S)
    if not m:
        return None
    scale = {"K": 1e-3, "M": 1.0, "G": 1e3}.get(m.group(2), None)
    return None if scale is None else float(m.group(1)) * scale
chain["relayer_msgs_per_s"] = json.load(open(f"{run}/bench-relayer.json"))["relayer_msgs_per_s"]
chain["zkevm_mgas_per_s"] = mgas("validate_batch")
chain["revm_mgas_per_s"] = mgas("plain_revm_execution")
chain["measured_at"] = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
chain["machine"] = f"{os.cpu_count()} cores"
json.dump(chain, open(f"{run}/bench.json", "w"), indent=2)
# A figure the bench could not produce is a failure, never a silent "n/a" in the table.
missing = [k for k in ("latency_ms_p50", "l1_gas_per_batch", "relay_gas_per_message", "send_gas",
                       "relayer_msgs_per_s", "burst_msgs_per_s", "up_seconds", "zkevm_mgas_per_s",
                       "revm_mgas_per_s", "attest_ms_p50", "view_gas_1_slot", "view_gas_8_slots")
           if chain.get(k) is None]
if missing:
    sys.exit(f"make bench: no figure for {', '.join(missing)} (see the logs in {run})")
goals = {"latency_ms_p50": ("<=", 1000), "latency_ms_p99": None, "l1_gas_per_batch": ("<=", 150000),
         "relay_gas_per_message": ("<=", 60000), "send_gas": ("<=", 40000),
         "relayer_msgs_per_s": (">=", 500), "burst_msgs_per_s": None, "up_seconds": ("<=", 5),
         "zkevm_mgas_per_s": None, "revm_mgas_per_s": None, "attest_ms_p50": None,
         "attest_ms_p99": None, "view_gas_1_slot": ("<=", 60000), "view_gas_8_slots": ("<=", 150000),
         "view_tx_gas_1_slot": None, "view_tx_gas_8_slots": None}
print("\n| metric | measured | goal |\n|---|---|---|")
for key, goal in goals.items():
    v = chain.get(key)
    shown = "n/a" if v is None else (f"{v:.2f}" if isinstance(v, float) and v < 10 else f"{v:.0f}")
    g = "" if goal is None else f"{goal[0]} {goal[1]}"
    print(f"| `{key}` | {shown} | {g} |")
if chain["zkevm_mgas_per_s"] and chain["revm_mgas_per_s"]:
    print(f"\nzkevm / revm = {chain['zkevm_mgas_per_s'] / chain['revm_mgas_per_s']:.2f} (goal >= 0.5)")
print(f"\nwritten to {run}/bench.json")
PY
