// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @notice The fields of a validated L2 block that the rollup contract acts on: one block
/// summary of EXECUTE's output.
struct L2Block {
    bytes32 parentHash;
    bytes32 blockHash;
    bytes32 stateRoot;
    /// `parent_beacon_block_root`: on the L2, the L1 message root the block anchors.
    bytes32 anchor;
    uint64 number;
    uint64 timestamp;
    uint64 gasLimit;
    uint64 baseFee;
    /// The base fee times the gas the block's transactions paid for: what it burned.
    uint128 burned;
}

/// @title Reads EXECUTE's output.
/// @notice The same bytes in every mode (re-execution, proof, proof dependency): the
/// validation result, then one 176-byte SSZ summary per block (nr_statement::output).
///   output  = result ++ summary_0 ++ ... ++ summary_{n-1}
///   result  = single: { new_payload_request_root: Bytes32, successful_validation: bool, chain_id: u64, schema_id: u16 } (43 bytes)
///             range:  { new_payload_request_roots: List[Bytes32, 256] (offset), successful_validation, chain_id, schema_id } (15 + 32 n)
///   summary = { parent_hash, block_hash, state_root, parent_beacon_block_root: Bytes32,
///               number, timestamp, gas_limit, base_fee_per_gas: u64, base_fee_burned: u128 }
/// A single block's output is 219 bytes and a range's 15 + 208 n, never 219: the length tells
/// the shape. Every field a settlement acts on comes from here, so from EXECUTE.
library ExecuteOutput {
    /// Bytes of one block summary.
    uint256 internal constant SUMMARY = 176;
    /// Bytes of a single block's output.
    uint256 internal constant SINGLE = 43 + SUMMARY;
    /// Most blocks in one range (EXECUTE's own cap).
    uint256 internal constant MAX_RANGE = 256;

    /// The output does not have the shape of a successful result and its summaries.
    error MalformedOutput(uint256 length);

    /// The shape of `out`: how many blocks, where their summaries start, and the result's
    /// `successful_validation`, `chain_id` and `schema_id`.
    function read(bytes memory out)
        internal
        pure
        returns (uint256 blocks, uint256 summaries, bool ok, uint64 chainId, uint16 schemaId)
    {
        uint256 len = out.length;
        uint256 pos;
        if (len == SINGLE) {
            (blocks, summaries, pos) = (1, 43, 32);
        } else {
            // A range: its list of roots starts at 15 and ends where the summaries start.
            if (len < 15 + 32 + SUMMARY || (len - 15) % (32 + SUMMARY) != 0) revert MalformedOutput(len);
            blocks = (len - 15) / (32 + SUMMARY);
            if (blocks > MAX_RANGE || _le(out, 0, 4) != 15) revert MalformedOutput(len);
            (summaries, pos) = (15 + 32 * blocks, 4);
        }
        ok = _le(out, pos, 1) == 1;
        chainId = uint64(_le(out, pos + 1, 8));
        schemaId = uint16(_le(out, pos + 9, 2));
    }

    /// Reads the summary of block `i` into `b`.
    function readBlock(bytes memory out, uint256 summaries, uint256 i, L2Block memory b) internal pure {
        uint256 start = summaries + SUMMARY * i;
        if (start + SUMMARY > out.length) revert MalformedOutput(out.length);
        assembly ("memory-safe") {
            // Byte-reverses the 16 bytes in the low half of `v` (little- to big-endian).
            function swap128(v) -> r {
                r := or(shr(8, and(v, 0xFF00FF00FF00FF00FF00FF00FF00FF00)), shl(8, and(v, 0x00FF00FF00FF00FF00FF00FF00FF00FF)))
                r := or(shr(16, and(r, 0xFFFF0000FFFF0000FFFF0000FFFF0000)), shl(16, and(r, 0x0000FFFF0000FFFF0000FFFF0000FFFF)))
                r := or(shr(32, and(r, 0xFFFFFFFF00000000FFFFFFFF00000000)), shl(32, and(r, 0x00000000FFFFFFFF00000000FFFFFFFF)))
                r := or(shr(64, r), and(shl(64, r), 0xFFFFFFFFFFFFFFFF0000000000000000))
            }
            let p := add(add(out, 0x20), start)
            mstore(b, mload(p))
            mstore(add(b, 0x20), mload(add(p, 0x20)))
            mstore(add(b, 0x40), mload(add(p, 0x40)))
            mstore(add(b, 0x60), mload(add(p, 0x60)))
            // number and timestamp, then gas limit and base fee: two u64 per 16 bytes.
            let w := swap128(shr(128, mload(add(p, 0x80))))
            mstore(add(b, 0x80), and(w, 0xFFFFFFFFFFFFFFFF))
            mstore(add(b, 0xa0), shr(64, w))
            w := swap128(shr(128, mload(add(p, 0x90))))
            mstore(add(b, 0xc0), and(w, 0xFFFFFFFFFFFFFFFF))
            mstore(add(b, 0xe0), shr(64, w))
            mstore(add(b, 0x100), swap128(shr(128, mload(add(p, 0xa0)))))
        }
    }

    /// The little-endian integer of `n` (at most 32) bytes at `pos`.
    function _le(bytes memory out, uint256 pos, uint256 n) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            let w := mload(add(add(out, 0x20), pos))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } { v := or(v, shl(mul(8, i), byte(i, w))) }
        }
    }
}
