// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChainBatch} from "../../contracts/common/types/Aggregate.sol";
import {CommitBatchInfo} from "../../contracts/common/types/Batch.sol";
import {ChainSettlement} from "../../contracts/l1/ChainSettlement.sol";
import {AggregationFixture} from "../utils/AggregationFixture.sol";

/// @dev L1 gas per chain-batch, direct vs simple aggregation of N chains, written to
/// snapshots/aggregation.json. Every chain-batch is alike: the chain in steady state (an earlier
/// batch executed), a non-zero messages root (withdrawals become usable), no priority request, no
/// transfer, rollup DA with 28 bytes of pubdata in calldata, 1-of-1 attestation. Each figure is the
/// whole transaction (21,000 + calldata + execution, isolated so storage is cold) minus the
/// calldata cost of the pubdata bytes themselves, divided by the chain-batches it settles.
contract AggregationGasTest is AggregationFixture {
    function _chains(uint256 n) internal returns (ChainSettlement[] memory chains) {
        chains = new ChainSettlement[](n);
        for (uint256 i; i < n; ++i) {
            chains[i] = _createChain(1000 + i, 0);
            _join(chains[i]);
        }
        // Steady state: every chain has settled once, the Transaction Root holds leaves.
        _settleAggregate(_chainBatches(chains));
    }

    function _pubdataCost(ChainBatch[] memory batches) internal pure returns (uint256 gas) {
        for (uint256 i; i < batches.length; ++i) {
            bytes memory data = batches[i].daInput;
            for (uint256 k; k < data.length; ++k) {
                gas += data[k] == 0 ? 4 : 16;
            }
        }
    }

    function _measureSimple(uint256 n, string memory key) internal {
        ChainSettlement[] memory chains = _chains(n);
        ChainBatch[] memory batches = _chainBatches(chains);
        uint64 number = aggregator.lastAggregate() + 1;
        bytes memory proof = _attest(number, batches);
        aggregator.settleAggregate(number, address(verifier), batches, proof);
        uint256 gas = vm.snapshotGasLastCall("aggregation", string.concat(key, "_transaction"));
        vm.snapshotValue(
            "aggregation", string.concat(key, "_perChainBatch"), (gas - _pubdataCost(batches)) / n
        );
        for (uint256 i; i < n; ++i) {
            assertEq(chains[i].lastExecutedBatch(), 2);
        }
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_direct_succeeds() public {
        _settle(chainA, _nextBatch(chainA));
        ChainSettlement[] memory one = new ChainSettlement[](1);
        one[0] = chainA;
        ChainBatch[] memory batches = _chainBatches(one);
        CommitBatchInfo memory batch = batches[0].batch;
        bytes memory proof = _signSorted(attesterKeys, verifier.digest(this.publicInputOf(chainA, 1, batch)));
        vm.prank(operator);
        chainA.settleBatch(batch, batches[0].daInput, proof);
        uint256 gas = vm.snapshotGasLastCall("aggregation", "direct_transaction");
        vm.snapshotValue("aggregation", "direct_perChainBatch", gas - _pubdataCost(batches));
        assertEq(chainA.lastExecutedBatch(), 2);
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_simple_n1_succeeds() public {
        _measureSimple(1, "simple_n1");
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_simple_n4_succeeds() public {
        _measureSimple(4, "simple_n4");
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_simple_n16_succeeds() public {
        _measureSimple(16, "simple_n16");
    }

    /// forge-config: default.isolate = true
    /// forge-config: ci.isolate = true
    function test_gas_simple_n64_succeeds() public {
        _measureSimple(64, "simple_n64");
    }
}
