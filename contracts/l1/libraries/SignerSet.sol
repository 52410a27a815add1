// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISignerSet} from "../interfaces/ISignerSet.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title SignerSet
/// @notice Storage and checks of a k-of-n ECDSA signer set (see `ISignerSet` for the format).
library SignerSet {
    struct Set {
        mapping(address account => bool) isSigner;
        uint128 count;
        uint128 threshold;
    }

    /// @notice Reverts unless `signatures` holds at least `threshold` valid signatures over `digest`
    /// by distinct members, in strictly ascending signer order.
    function verify(Set storage set, bytes32 digest, bytes calldata signatures) internal view {
        uint256 length = signatures.length;
        if (length % 65 != 0) revert ISignerSet.MalformedSignatures(length);
        uint256 count = length / 65;
        uint256 threshold = set.threshold;
        if (count < threshold || count == 0) revert ISignerSet.InsufficientSignatures(count, threshold);
        address previous;
        for (uint256 i; i < count; ++i) {
            (address signer, ECDSA.RecoverError err,) =
                ECDSA.tryRecoverCalldata(digest, signatures[i * 65:(i + 1) * 65]);
            if (err != ECDSA.RecoverError.NoError) revert ISignerSet.InvalidSignature(i);
            if (signer <= previous) revert ISignerSet.SignersNotAscending(i, signer);
            if (!set.isSigner[signer]) revert ISignerSet.UnknownSigner(signer);
            previous = signer;
        }
    }

    function add(Set storage set, address signer) internal {
        if (signer == address(0) || set.isSigner[signer]) revert ISignerSet.SignerAlreadyAdded(signer);
        set.isSigner[signer] = true;
        ++set.count;
        emit ISignerSet.SignerAdded(signer);
    }

    function setThreshold(Set storage set, uint256 threshold) internal {
        if (threshold == 0 || threshold > set.count) {
            revert ISignerSet.InvalidThreshold(threshold, set.count);
        }
        // threshold <= count, a uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        set.threshold = uint128(threshold);
        emit ISignerSet.ThresholdChanged(threshold);
    }
}
