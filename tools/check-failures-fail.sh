#!/usr/bin/env bash
# Self-test of the checks themselves, run by `make test`: in a throwaway copy of the Solidity
# project, a failing forge test, an unformatted file and a compile error must each make the
# project's forge invocation exit non-zero, and a reverting `cast send` must too; in a throwaway
# Rust crate built as `make test` builds the workspace, a clippy finding and a failing test must.
# A check that exits 0 on any of them could never catch a real failure, so this script fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
forge="$root/tools/bin/forge"
cast="$root/tools/bin/cast"
anvil="$root/tools/bin/anvil"

work="$(mktemp -d)"
anvil_pid=""
cleanup() {
  [ -n "$anvil_pid" ] && kill "$anvil_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A minimal project with the repository's own foundry.toml, solc wrapper and libraries.
mkdir -p "$work/contracts" "$work/test" "$work/tools"
cp foundry.toml "$work/"
cp tools/solc "$work/tools/solc"
ln -s "$root/node_modules" "$work/node_modules"
cat >"$work/contracts/Ok.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Ok {
    function one() external pure returns (uint256) {
        return 1;
    }
}
SOL

failures=0
expect_failure() {
  local what="$1"
  shift
  if (cd "$work" && "$@") >"$work/out.log" 2>&1; then
    echo "self-test FAILED: $what exited 0 (it must fail); output:" >&2
    tail -n 20 "$work/out.log" >&2
    failures=$((failures + 1))
  else
    echo "self-test ok: $what exits non-zero"
  fi
}
expect_success() {
  local what="$1"
  shift
  if ! (cd "$work" && "$@") >"$work/out.log" 2>&1; then
    echo "self-test FAILED: $what should pass on the clean project; output:" >&2
    tail -n 20 "$work/out.log" >&2
    failures=$((failures + 1))
  fi
}

# The clean project passes (so the failures below are caused by what each case adds).
cat >"$work/test/Pass.t.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

contract PassTest is Test {
    function test_pass() public pure {
        assertTrue(true);
    }
}
SOL
expect_success "forge test on a passing project" "$forge" test
expect_success "forge fmt --check on a formatted project" "$forge" fmt --check

# 1. A failing test.
cat >"$work/test/Fail.t.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

contract FailTest is Test {
    function test_fails() public pure {
        assertTrue(false);
    }
}
SOL
expect_failure "forge test with a failing test" "$forge" test
rm "$work/test/Fail.t.sol"

# 2. An unformatted file.
printf '// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\ncontract   Ugly { function f( ) external {} }\n' \
  >"$work/contracts/Ugly.sol"
expect_failure "forge fmt --check with an unformatted file" "$forge" fmt --check
rm "$work/contracts/Ugly.sol"

# 3. A compile error.
printf '// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n\ncontract Broken {\n    uint256 x = ;\n}\n' \
  >"$work/contracts/Broken.sol"
expect_failure "forge build with a compile error" "$forge" build
rm "$work/contracts/Broken.sol"

# 4. A lint finding in a contract (tests are excluded by foundry.toml's [lint] ignore).
printf '// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n\ncontract Late {\n    function late(uint64 deadline) external view returns (bool) {\n        return block.timestamp > deadline;\n    }\n}\n' \
  >"$work/contracts/Late.sol"
expect_success "forge lint -D warnings on a clean project" "$forge" lint -D warnings contracts/Ok.sol
expect_failure "forge lint -D warnings with a finding" "$forge" lint -D warnings
rm "$work/contracts/Late.sol"

# 5. A gas regression: under the ci profile (gas_snapshot_check) a gas snapshot that differs from
#    the committed snapshots/ file fails the run.
cat >"$work/test/Gas.t.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ok} from "../contracts/Ok.sol";
import {Test} from "forge-std/Test.sol";

contract GasTest is Test {
    function test_gas() public {
        Ok ok = new Ok();
        ok.one();
        vm.snapshotGasLastCall("selftest", "one");
    }
}
SOL
expect_success "forge test (default profile) recording a gas snapshot" env FOUNDRY_PROFILE=default "$forge" test
expect_success "forge test (ci profile) with an unchanged gas snapshot" env FOUNDRY_PROFILE=ci "$forge" test
sed -i 's/"one": "[0-9]*"/"one": "1"/' "$work/snapshots/selftest.json"
expect_failure "forge test (ci profile) with a changed gas snapshot" env FOUNDRY_PROFILE=ci "$forge" test
rm -r "$work/test/Gas.t.sol" "$work/snapshots"

# 6. A reverting transaction sent with cast (cast estimates gas first, and the revert is an error;
#    with an explicit --gas-limit cast mines it and exits 0 on a failed receipt, as upstream does).
port=$(( (RANDOM % 20000) + 30000 ))
"$anvil" --port "$port" --silent >/dev/null 2>&1 &
anvil_pid=$!
for _ in $(seq 1 100); do
  "$cast" block-number --rpc-url "http://127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.1
done
# Runtime code 0x5f5ffd (PUSH0 PUSH0 REVERT) at an address: every call to it reverts.
"$cast" rpc --rpc-url "http://127.0.0.1:$port" anvil_setCode 0x00000000000000000000000000000000000000aa 0x5f5ffd >/dev/null
expect_failure "cast send to a reverting contract" "$cast" send --rpc-url "http://127.0.0.1:$port" \
  --private-key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 \
  0x00000000000000000000000000000000000000aa

# 7. Rust: `make test` compiles the workspace's crates with clippy-driver as their compiler
#    (RUSTC_WORKSPACE_WRAPPER and CLIPPY_ARGS, which the Makefile sets for the tests and for this
#    script). In a throwaway crate built the same way, a clippy finding must fail the build and a
#    failing #[test] the run, and the clean crate must pass.
if [ -z "${RUSTC_WORKSPACE_WRAPPER:-}" ] || [ -z "${CLIPPY_ARGS:-}" ]; then
  echo "self-test FAILED: RUSTC_WORKSPACE_WRAPPER/CLIPPY_ARGS unset: run it as \`make test-self\`" >&2
  failures=$((failures + 1))
else
  mkdir -p "$work/rs/src"
  printf '[package]\nname = "selftest"\nversion = "0.0.0"\nedition = "2024"\n\n[workspace]\n' >"$work/rs/Cargo.toml"
  rust_test() { cargo test --quiet --manifest-path rs/Cargo.toml --target-dir rs/target; }
  printf 'pub fn one() -> u32 {\n    1\n}\n\n#[test]\nfn one_is_one() {\n    assert_eq!(one(), 1);\n}\n' >"$work/rs/src/lib.rs"
  expect_success "cargo test, clippy-driver compiling, on a clean crate" rust_test
  printf 'pub fn one() -> u32 {\n    let x = 1u32;\n    x.clone()\n}\n' >"$work/rs/src/lib.rs"
  expect_failure "cargo test, clippy-driver compiling, with a clippy finding (clone_on_copy)" rust_test
  printf 'pub fn one() -> u32 {\n    1\n}\n\n#[test]\nfn one_is_two() {\n    assert_eq!(one(), 2);\n}\n' >"$work/rs/src/lib.rs"
  expect_failure "cargo test with a failing test" rust_test
fi

if [ "$failures" -ne 0 ]; then
  echo "self-test: $failures check(s) cannot fail; fix the toolchain resolution (tools/foundry)" >&2
  exit 1
fi
echo "self-test: every check fails when it should"
