// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Predeploys} from "../contracts/common/libraries/Predeploys.sol";
import {PredeployCode} from "../contracts/l1/interfaces/IChainFactory.sol";
import {AssetRouter} from "../contracts/l2/AssetRouter.sol";
import {ETHLiquidity} from "../contracts/l2/ETHLiquidity.sol";
import {Inbox} from "../contracts/l2/Inbox.sol";
import {Outbox} from "../contracts/l2/Outbox.sol";
import {StateReader} from "../contracts/l2/StateReader.sol";

/// @notice The canonical runtime code of the hyperchain system contracts of an ecosystem: what
/// `GenesisL2` writes into every genesis and what `DeployL1` publishes (as code hashes) with
/// protocol version 1. The configuration (L1 chain id, L1 SharedBridge) is baked in as
/// immutables: each contract is deployed in the script's own EVM (never broadcast) and its runtime
/// code copied.
abstract contract L2Predeploys {
    /// @notice Runtime code of each of `Predeploys.systemContracts()`, in that order.
    function predeployRuntimeCodes(uint256 l1ChainId, address l1SharedBridge)
        public
        returns (bytes[5] memory codes)
    {
        codes[0] = address(new Outbox(l1ChainId)).code;
        codes[1] = address(new Inbox(l1ChainId)).code;
        codes[2] = address(new AssetRouter(l1ChainId, l1SharedBridge)).code;
        codes[3] = address(new ETHLiquidity()).code;
        codes[4] = address(new StateReader()).code;
    }

    /// @notice `predeployRuntimeCodes` as `IChainFactory.predeployCodes` lists them.
    function predeployCodes(uint256 l1ChainId, address l1SharedBridge)
        public
        returns (PredeployCode[5] memory predeploys)
    {
        bytes[5] memory codes = predeployRuntimeCodes(l1ChainId, l1SharedBridge);
        address[5] memory accounts = Predeploys.systemContracts();
        for (uint256 i; i < accounts.length; ++i) {
            predeploys[i] = PredeployCode(accounts[i], keccak256(codes[i]));
        }
    }
}
