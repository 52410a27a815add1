#!/usr/bin/env bash
# Whole-transaction gas of Outbox.sendMessage and Inbox.relay on a real hyperchain node: generates a genesis with
# script/GenesisL2.s.sol, starts anvil from it, sends messages from a dev account and prints each
# receipt's gasUsed (intrinsic 21000 + calldata + execution, cold storage as in production).
# Usage: test/l2/measure-gas-anvil.sh [port]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/tools/bin:$PATH"
PORT="${1:-18651}"
R="http://127.0.0.1:$PORT"
GENESIS=out/genesis-gas-measure.json
rm -f $GENESIS
HYPERCHAIN_DEV_MODE=1 L1_CHAIN_ID=31337 L2_CHAIN_ID=271 L1_SHARED_BRIDGE=0x00000000000000000000000000000000000000b1 \
  GENESIS_OUT=$GENESIS forge script script/GenesisL2.s.sol >/dev/null
[ -s $GENESIS ] || { echo "genesis generation failed" >&2; exit 1; }
anvil --init $GENESIS --port "$PORT" >/dev/null 2>&1 &
ANVIL=$!
trap 'kill $ANVIL' EXIT
sleep 2
PK=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 # anvil dev account 0
OUTBOX=0x4800000000000000000000000000000000000001
REC=$(cast concat-hex 0x00010000 0x02 0x0110 0x14 0x00000000000000000000000000000000000000aa) # chain 272
WORD=0x0000000000000000000000000000000000000000000000000000000000000001
FEE=$(cast calldata "relayerFee(uint256)" 100000000000000000)
send() {
  cast send $OUTBOX "sendMessage(bytes,bytes,bytes[])" "$@" --private-key $PK --rpc-url $R --json |
    python3 -c "import json,sys; r=json.load(sys.stdin); print(int(r['gasUsed'],16))"
}
echo "first message (nonce slot 0 -> 1): $(send $REC $WORD '[]')"
echo "bare, 32-byte payload:             $(send $REC $WORD '[]')"
echo "bare, empty payload:               $(send $REC 0x '[]')"
echo "value 0.9 ETH + fee 0.1 ETH:       $(send $REC $WORD "[$FEE]" --value 1ether)"

# Relay: a message from chain 272 (fee 0.01 ETH, no value, 32-byte payload) to a recipient that
# does nothing, proved in a 2-message batch inside a 2-leaf Transaction Root (1 + 1 siblings).
INBOX=0x4800000000000000000000000000000000000002
SYSTEM=0x4800000000000000000000000000000000000000
NOOP_CODE=$(python3 -c "import json; print(json.load(open('${FOUNDRY_OUT:-out}/Mocks.sol/NoopRecipient.json'))['bytecode']['object'])")
NOOP=$(cast send --private-key $PK --rpc-url $R --json --create "$NOOP_CODE" |
  python3 -c "import json,sys; print(json.load(sys.stdin)['contractAddress'])")
SENDER=0x0000000000000000000000000000000000000b0b
MSG="(272,271,0,$SENDER,$NOOP,0,10000000000000000,$WORD)"
MSG_HASH=$(cast keccak "$(cast abi-encode 'f((uint256,uint256,uint256,address,address,uint256,uint256,bytes))' "$MSG")")
OTHER_MSG=$(cast keccak 0x01)
MESSAGES_ROOT=$(cast keccak "$(cast concat-hex "$MSG_HASH" "$OTHER_MSG")")
STATE_ROOT=$(cast keccak 0x02)
LEAF=$(cast keccak "$(cast abi-encode 'f(uint256,uint64,bytes32,bytes32)' 272 1 "$MESSAGES_ROOT" "$STATE_ROOT")")
OTHER_LEAF=$(cast keccak 0x03)
ROOT=$(cast keccak "$(cast concat-hex "$LEAF" "$OTHER_LEAF")")
cast rpc anvil_impersonateAccount $SYSTEM --rpc-url $R >/dev/null
cast send $INBOX "importTransactionRoot(bytes32)" "$ROOT" --from $SYSTEM --unlocked --rpc-url $R >/dev/null
PROOF="(1,$STATE_ROOT,(0,2,[$OTHER_MSG]),(0,2,[$OTHER_LEAF]))"
RELAY_SIG="relay((uint256,uint256,uint256,address,address,uint256,uint256,bytes),(uint64,bytes32,(uint256,uint256,bytes32[]),(uint256,uint256,bytes32[])))"
GAS=$(cast send $INBOX "$RELAY_SIG" "$MSG" "$PROOF" --private-key $PK --rpc-url $R --json |
  python3 -c "import json,sys; r=json.load(sys.stdin); assert r['status']=='0x1', r; print(int(r['gasUsed'],16))")
echo "relay, fee, no value, 1+1 siblings: $GAS"
