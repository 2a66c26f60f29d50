// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {L2Block} from "./ExecuteInput.sol";

/// @notice One L2 block as the leaves of its `NewPayloadRequest`'s SSZ tree: the
/// `hash_tree_root` of every payload field, in order (17 fields in the Osaka-era layout, 19
/// in Amsterdam's), and of the request's other three fields.
struct BlockLeaves {
    bytes32[] payload;
    bytes32 versionedHashes;
    /// `parent_beacon_block_root`: a 32-byte value, its own leaf.
    bytes32 anchor;
    bytes32 requests;
}

/// @title Rebuilds `new_payload_request_root` from a block's leaves (SHA-256 precompile).
/// @notice In proof mode EXECUTE's result carries only `new_payload_request_root`; the block
/// itself travels in blobs. The settler gives the leaves, this recomputes the root, and the
/// contract accepts the fields only if it equals the root EXECUTE proved. Merkleization as
/// EIP-7495/7916 define it: the payload is a progressive container (subtrees of 1, 4 and 16
/// leaves, then the active-fields bitvector mixed in), the request a plain 4-field container.
library PayloadRoot {
    /// The leaves do not have the layout's number of payload fields.
    error WrongLeafCount(uint256 got, uint256 expected);

    /// `hash_tree_root(NewPayloadRequest)` of `b`, for a payload of `fields` (17 or 19) fields.
    function requestRoot(BlockLeaves calldata b, uint256 fields) internal view returns (bytes32 root) {
        bytes32[] calldata p = b.payload;
        if (p.length != fields) revert WrongLeafCount(p.length, fields);
        // The active-fields bitvector (all active), little-endian bits in one chunk.
        bytes32 active = fields == 19 ? bytes32(uint256(0xffff07) << 232) : bytes32(uint256(0xffff01) << 232);
        bytes32 versioned = b.versionedHashes;
        bytes32 anchor = b.anchor;
        bytes32 requests = b.requests;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            // SHA-256 of the 64 bytes at `from` into the 32 bytes at `to`.
            function h(from, to) {
                if iszero(staticcall(gas(), 0x02, from, 0x40, to, 0x20)) { revert(0, 0) }
            }
            // Halves `n` words at `at` down to one, pairwise, in place.
            function reduce(at, n) {
                for {} gt(n, 1) { n := shr(1, n) } {
                    for { let i := 0 } lt(i, shr(1, n)) { i := add(i, 1) } {
                        h(add(at, shl(6, i)), add(at, shl(5, i)))
                    }
                }
            }
            // The 16-leaf subtree over leaves 5.., zero-padded, then paired with the empty rest.
            calldatacopy(buf, add(p.offset, 0xa0), shl(5, sub(p.length, 5)))
            for { let i := sub(p.length, 5) } lt(i, 16) { i := add(i, 1) } { mstore(add(buf, shl(5, i)), 0) }
            reduce(buf, 16)
            mstore(add(buf, 0x20), 0)
            h(buf, add(buf, 0xa0))
            // The 4-leaf subtree over leaves 1..5, beside it.
            calldatacopy(add(buf, 0x20), add(p.offset, 0x20), 0x80)
            reduce(add(buf, 0x20), 4)
            mstore(add(buf, 0x40), mload(add(buf, 0xa0)))
            h(add(buf, 0x20), add(buf, 0x20))
            // Leaf 0 beside them, then the active fields mixed in: the payload's root.
            mstore(buf, calldataload(p.offset))
            h(buf, buf)
            mstore(add(buf, 0x20), active)
            h(buf, buf)
            // The request: hash(hash(payload, versioned hashes), hash(anchor, requests)).
            mstore(add(buf, 0x20), versioned)
            h(buf, buf)
            mstore(add(buf, 0x40), anchor)
            mstore(add(buf, 0x60), requests)
            h(add(buf, 0x40), add(buf, 0x20))
            h(buf, buf)
            root := mload(buf)
        }
    }

    /// The fields the rollup acts on, read from the leaves (basic values are packed
    /// little-endian into their leaf).
    function toBlock(BlockLeaves calldata b) internal pure returns (L2Block memory out) {
        bytes32[] calldata p = b.payload;
        out.parentHash = p[0];
        out.stateRoot = p[2];
        out.number = _le64(p[6]);
        out.gasLimit = _le64(p[7]);
        out.gasUsed = _le64(p[8]);
        out.timestamp = _le64(p[9]);
        out.baseFee = _le256(p[11]);
        out.blockHash = p[12];
        out.anchor = b.anchor;
    }





    function _le64(bytes32 w) private pure returns (uint64 v) {
        uint256 x = uint256(w) >> 192;
        x = ((x & 0xFF00FF00FF00FF00) >> 8) | ((x & 0x00FF00FF00FF00FF) << 8);
        x = ((x & 0xFFFF0000FFFF0000) >> 16) | ((x & 0x0000FFFF0000FFFF) << 16);
        v = uint64((x >> 32) | ((x << 32) & 0xFFFFFFFF00000000));
    }

    function _le256(bytes32 w) private pure returns (uint256 v) {
        v = uint256(w);
        v = ((v & 0xFF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00) >> 8)
            | ((v & 0x00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000) >> 16)
            | ((v & 0x0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF) << 16);
        v = ((v & 0xFFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000) >> 32)
            | ((v & 0x00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF) << 32);
        v = ((v & 0xFFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF0000000000000000) >> 64)
            | ((v & 0x0000000000000000FFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF) << 64);
        v = (v >> 128) | (v << 128);
    }
}
