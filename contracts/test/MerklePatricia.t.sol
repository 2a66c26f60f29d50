// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {Test} from "./Vm.sol";
import {MerklePatricia} from "../src/MerklePatricia.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";

/// Calls the library with calldata proofs, as the rollup does.
contract Prover {
    function get(bytes32 root, bytes32 key, bytes[] calldata proof)
        external
        pure
        returns (MerklePatricia.Verdict verdict, bytes memory value)
    {
        (MerklePatricia.Verdict v, uint256 offset, uint256 len) = MerklePatricia.get(root, key, proof);
        value = new bytes(len);
        assembly ("memory-safe") {
            calldatacopy(add(value, 32), offset, len)
        }
        return (v, value);
    }
}

/// A two-leaf trie under one branch, built here node by node: keys 0x1aa.. and 0x2bb..
contract MerklePatriciaTest is Test {
    Prover prover = new Prover();
    bytes32 constant K1 = bytes32(uint256(0x1aaa) << 240);
    bytes32 constant K2 = bytes32(uint256(0x2bbb) << 240);

    /// A leaf holding `value` for the key's nibbles after the first (63: odd hex-prefix).
    function leaf(bytes32 key, bytes memory value) internal pure returns (bytes memory) {
        bytes memory path = new bytes(32);
        path[0] = bytes1(0x30 | (uint8(key[0]) & 0x0f));
        for (uint256 i = 1; i < 32; ++i) {
            path[i] = key[i];
        }
        bytes[] memory items = new bytes[](2);
        items[0] = RLP.encode(path);
        items[1] = RLP.encode(value);
        return RLP.encode(items);
    }

    function trie() internal pure returns (bytes32 root, bytes memory branch, bytes memory l1, bytes memory l2) {
        l1 = leaf(K1, hex"c0ffee");
        l2 = leaf(K2, hex"0bad");
        bytes[] memory items = new bytes[](17);
        for (uint256 i; i < 17; ++i) {
            items[i] = hex"80";
        }
        items[1] = RLP.encode(keccak256(l1));
        items[2] = RLP.encode(keccak256(l2));
        branch = RLP.encode(items);
        root = keccak256(branch);
    }

    function proof(bytes memory a, bytes memory b) internal pure returns (bytes[] memory p) {
        p = new bytes[](b.length == 0 ? 1 : 2);
        p[0] = a;
        if (b.length != 0) p[1] = b;
    }

    function test_present_keys_give_their_values() public view {
        (bytes32 root, bytes memory branch, bytes memory l1, bytes memory l2) = trie();
        (MerklePatricia.Verdict v, bytes memory value) = prover.get(root, K1, proof(branch, l1));
        assertTrue(v == MerklePatricia.Verdict.Present, "K1 present");
        assertEq(keccak256(value), keccak256(hex"c0ffee"), "K1 value");
        (v, value) = prover.get(root, K2, proof(branch, l2));
        assertTrue(v == MerklePatricia.Verdict.Present, "K2 present");
        assertEq(keccak256(value), keccak256(hex"0bad"), "K2 value");
    }

    function test_absent_keys_are_proven_absent() public view {
        (bytes32 root, bytes memory branch, bytes memory l1,) = trie();
        // An empty branch slot.
        (MerklePatricia.Verdict v,) = prover.get(root, bytes32(uint256(0x3) << 252), proof(branch, ""));
        assertTrue(v == MerklePatricia.Verdict.Absent, "empty slot");
        // A leaf on the key's path holding another key.
        (v,) = prover.get(root, bytes32(uint256(0x1aab) << 240), proof(branch, l1));
        assertTrue(v == MerklePatricia.Verdict.Absent, "diverging leaf");
    }

    function test_bad_proofs_are_invalid() public view {
        (bytes32 root, bytes memory branch, bytes memory l1, bytes memory l2) = trie();
        // Stops before the deciding node.
        (MerklePatricia.Verdict v,) = prover.get(root, K1, proof(branch, ""));
        assertTrue(v == MerklePatricia.Verdict.Invalid, "truncated");
        // Another key's leaf under the slot's hash.
        (v,) = prover.get(root, K1, proof(branch, l2));
        assertTrue(v == MerklePatricia.Verdict.Invalid, "wrong node");
        // Another root.
        (v,) = prover.get(keccak256("other"), K1, proof(branch, l1));
        assertTrue(v == MerklePatricia.Verdict.Invalid, "wrong root");
        // Nodes past the one that decides.
        bytes[] memory long = new bytes[](3);
        (long[0], long[1], long[2]) = (branch, l1, l1);
        (v,) = prover.get(root, K1, long);
        assertTrue(v == MerklePatricia.Verdict.Invalid, "extra node");
        // A proven absence with nodes after it.
        (v,) = prover.get(root, bytes32(uint256(0x3) << 252), proof(branch, l1));
        assertTrue(v == MerklePatricia.Verdict.Invalid, "absence then more");
        // Garbage that hashes to nothing, and an empty proof.
        (v,) = prover.get(root, K1, proof(hex"deadbeef", ""));
        assertTrue(v == MerklePatricia.Verdict.Invalid, "garbage");
        (v,) = prover.get(root, K1, new bytes[](0));
        assertTrue(v == MerklePatricia.Verdict.Invalid, "empty");
    }
}
