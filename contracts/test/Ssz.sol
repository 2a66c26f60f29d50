// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {L2Block} from "../src/ExecuteInput.sol";
import {MessageTree} from "../src/MessageTree.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";

/// EXECUTE inputs and outputs in their SSZ layout, for the stand-in EXECUTE of the logic tests
/// (the integration tests run the real EXECUTE on real L2 blocks).
library Ssz {
    function le(uint256 v, uint256 bytes_) internal pure returns (bytes memory out) {
        out = new bytes(bytes_);
        for (uint256 i; i < bytes_; ++i) {
            out[i] = bytes1(uint8(v >> (8 * i)));
        }
    }

    /// A `NewPayloadRequest` (Osaka-era layout) carrying `b`, with empty lists.
    function request(L2Block memory b) internal pure returns (bytes memory) {
        bytes memory payload = new bytes(528);
        _put(payload, 0, abi.encodePacked(b.parentHash));
        _put(payload, 52, abi.encodePacked(b.stateRoot));
        _put(payload, 404, le(b.number, 8));
        _put(payload, 412, le(b.gasLimit, 8));
        _put(payload, 420, le(b.gasUsed, 8));
        _put(payload, 428, le(b.timestamp, 8));
        _put(payload, 436, le(528, 4)); // extra_data
        _put(payload, 440, le(b.baseFee, 32));
        _put(payload, 472, abi.encodePacked(b.blockHash));
        _put(payload, 504, le(528, 4)); // transactions
        _put(payload, 508, le(528, 4)); // withdrawals
        bytes memory requests = abi.encodePacked(le(12, 4), le(12, 4), le(12, 4));
        return abi.encodePacked(le(44, 4), le(44 + 528, 4), b.anchor, le(44 + 528, 4), payload, requests);
    }

    /// `schema_id ++ SSZ StatelessInput` for one block.
    function single(uint16 schemaId, uint64 chainId, L2Block memory b) internal pure returns (bytes memory) {
        bytes memory r = request(b);
        return abi.encodePacked(schemaId, le(16, 4), le(16 + r.length, 4), le(chainId, 8), r, _witness());
    }

    /// `0xFF01 ++ schema_id ++ SSZ StatelessRangeInput`.
    function range(uint16 schemaId, uint64 chainId, L2Block[] memory bs) internal pure returns (bytes memory) {
        bytes memory offsets;
        bytes memory items;
        for (uint256 i; i < bs.length; ++i) {
            offsets = abi.encodePacked(offsets, le(4 * bs.length + items.length, 4));
            items = abi.encodePacked(items, request(bs[i]));
        }
        bytes memory list = abi.encodePacked(offsets, items);
        return abi.encodePacked(
            uint16(0xFF01), schemaId, le(16, 4), le(16 + list.length, 4), le(chainId, 8), list, _witness()
        );
    }

    /// EXECUTE's output for one block.
    function result(uint64 chainId, uint16 schemaId) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes32(uint256(0xabc)), uint8(1), le(chainId, 8), le(schemaId, 2));
    }

    /// EXECUTE's output for `n` blocks.
    function rangeResult(uint256 n, uint64 chainId, uint16 schemaId) internal pure returns (bytes memory out) {
        out = abi.encodePacked(le(15, 4), uint8(1), le(chainId, 8), le(schemaId, 2));
        for (uint256 i; i < n; ++i) {
            out = abi.encodePacked(out, bytes32(i + 1));
        }
    }

    function _witness() private pure returns (bytes memory) {
        return abi.encodePacked(le(12, 4), le(12, 4), le(12, 4));
    }

    function _put(bytes memory dst, uint256 at, bytes memory src) private pure {
        for (uint256 i; i < src.length; ++i) {
            dst[at + i] = src[i];
        }
    }
}

/// One-leaf Merkle-Patricia tries: the smallest real `eth_getProof` proofs.
library OneLeafTrie {
    using RLP for RLP.Encoder;

    /// The root and proof of a trie holding only `value` at `keccak256(key)`.
    function build(bytes32 hashedKey, bytes memory value) internal pure returns (bytes32 root, bytes[] memory proof) {
        bytes memory path = abi.encodePacked(uint8(0x20), hashedKey);
        bytes[] memory items = new bytes[](2);
        items[0] = RLP.encode(path);
        items[1] = RLP.encode(value);
        bytes memory node = RLP.encode(items);
        proof = new bytes[](1);
        proof[0] = node;
        root = keccak256(node);
    }

    /// RLP of an account.
    function account(uint256 nonce, uint256 balance, bytes32 storageRoot) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](4);
        items[0] = RLP.encode(nonce);
        items[1] = RLP.encode(balance);
        items[2] = RLP.encode(storageRoot);
        items[3] = RLP.encode(keccak256(""));
        return RLP.encode(items);
    }
}

/// Merkle paths of the message tree, built from all its leaves.
library TreePaths {
    function path(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory siblings) {
        siblings = new bytes32[](MessageTree.DEPTH);
        bytes32[] memory level = leaves;
        bytes32 zero;
        for (uint256 h; h < MessageTree.DEPTH; ++h) {
            uint256 sib = index ^ 1;
            siblings[h] = sib < level.length ? level[sib] : zero;
            bytes32[] memory up = new bytes32[]((level.length + 1) / 2);
            for (uint256 i; i < up.length; ++i) {
                bytes32 l = level[2 * i];
                bytes32 r = 2 * i + 1 < level.length ? level[2 * i + 1] : zero;
                up[i] = keccak256(abi.encode(l, r));
            }
            level = up;
            zero = keccak256(abi.encode(zero, zero));
            index >>= 1;
        }
    }
}
