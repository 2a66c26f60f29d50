// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {L2Block} from "../src/ExecuteOutput.sol";
import {MessageTree} from "../src/MessageTree.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";

/// EXECUTE's outputs in their SSZ layout, for the stand-in EXECUTE of the logic tests
/// (the integration tests run the real EXECUTE on real L2 blocks).
library Ssz {
    function le(uint256 v, uint256 bytes_) internal pure returns (bytes memory out) {
        out = new bytes(bytes_);
        for (uint256 i; i < bytes_; ++i) {
            out[i] = bytes1(uint8(v >> (8 * i)));
        }
    }

    /// A block summary of EXECUTE's output (176 bytes).
    function summary(L2Block memory b) internal pure returns (bytes memory) {
        return abi.encodePacked(
            abi.encodePacked(b.parentHash, b.blockHash, b.stateRoot, b.anchor),
            abi.encodePacked(le(b.number, 8), le(b.timestamp, 8), le(b.gasLimit, 8), le(b.baseFee, 8)),
            le(b.burned, 16)
        );
    }

    /// EXECUTE's output for one block: its result, then its summary.
    function output(uint64 chainId, uint16 schemaId, L2Block memory b) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes32(uint256(0xabc)), uint8(1), le(chainId, 8), le(schemaId, 2), summary(b));
    }

    /// EXECUTE's output for a range: the result with one root per block, then the summaries.
    function rangeOutput(uint64 chainId, uint16 schemaId, L2Block[] memory bs)
        internal
        pure
        returns (bytes memory out)
    {
        out = abi.encodePacked(le(15, 4), uint8(1), le(chainId, 8), le(schemaId, 2));
        for (uint256 i; i < bs.length; ++i) {
            out = abi.encodePacked(out, bytes32(i + 1));
        }
        for (uint256 i; i < bs.length; ++i) {
            out = abi.encodePacked(out, summary(bs[i]));
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
