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

    /// `hash_tree_root(NewPayloadRequest)` of `b`, for a payload of `fields` fields.
    function requestRoot(BlockLeaves calldata b, uint256 fields) internal view returns (bytes32) {
        if (b.payload.length != fields) revert WrongLeafCount(b.payload.length, fields);
        bytes32 payload = _h(_progressive(b.payload), bytes32(_activeFields(fields)));
        return _h(_h(payload, b.versionedHashes), _h(b.anchor, b.requests));
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

    /// `merkleize_progressive` of 6 to 21 leaves: hash(leaf 0, hash(merkleize(1..5),
    /// hash(merkleize(5..21), zero))).
    function _progressive(bytes32[] calldata leaves) private view returns (bytes32) {
        bytes32 third = _h(_merkleize(leaves, 5, 16), bytes32(0));
        return _h(leaves[0], _h(_merkleize(leaves, 1, 4), third));
    }

    /// Root of the `width`-leaf subtree over `leaves[from:]` (zero leaves past the end).
    function _merkleize(bytes32[] calldata leaves, uint256 from, uint256 width) private view returns (bytes32) {
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i; i < width && from + i < leaves.length; ++i) {
            level[i] = leaves[from + i];
        }
        for (uint256 n = width / 2; n > 0; n /= 2) {
            for (uint256 i; i < n; ++i) {
                level[i] = _h(level[2 * i], level[2 * i + 1]);
            }
        }
        return level[0];
    }

    /// The active-fields bitvector of `fields` fields, all active, packed into one chunk.
    function _activeFields(uint256 fields) private pure returns (uint256 chunk) {
        uint256 bits = (1 << fields) - 1;
        // Bit i of the vector is bit (i % 8) of byte (i / 8): little-endian bytes.
        for (uint256 i; i < 32; ++i) {
            chunk |= ((bits >> (8 * i)) & 0xff) << (248 - 8 * i);
        }
    }

    function _h(bytes32 a, bytes32 b) private view returns (bytes32 r) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            if iszero(staticcall(gas(), 0x02, 0x00, 0x40, 0x00, 0x20)) { revert(0, 0) }
            r := mload(0x00)
        }
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
