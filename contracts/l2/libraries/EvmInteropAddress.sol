// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title EvmInteropAddress
/// @notice Gas-lean ERC-7930 formatting of an EVM (eip155) address, byte-for-byte equal to
/// OpenZeppelin's `InteroperableAddress.formatEvmV1(chainId, addr)` (a fuzz test checks it):
/// version 0x0001 ‖ chain type 0x0000 ‖ uint8 len ‖ chain id as `len` big-endian bytes (minimal,
/// at least one) ‖ 0x14 ‖ address. The gateway formats the sender of every message with it.
library EvmInteropAddress {
    function format(uint256 chainId, address addr) internal pure returns (bytes memory out) {
        uint256 length = 1;
        for (uint256 rest = chainId >> 8; rest != 0; rest >>= 8) {
            ++length;
        }
        out = new bytes(26 + length);
        assembly ("memory-safe") {
            let p := add(out, 0x20)
            mstore(p, shl(224, 0x00010000))
            mstore8(add(p, 4), length)
            // The 32-byte stores below may write past `out` (zeros, beyond the free memory
            // pointer's allocation rounding at most 32 bytes): scratch use, allowed.
            mstore(add(p, 5), shl(mul(8, sub(32, length)), chainId))
            mstore8(add(p, add(5, length)), 0x14)
            mstore(add(p, add(6, length)), shl(96, addr))
        }
    }
}
