// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title An append-only keccak Merkle tree of depth 32 (deposit-contract style).
/// @notice Leaf `i` sits at position `i` of a full binary tree of 2^32 leaves, empty leaves
/// being zero. Only the left frontier is stored, so appending costs one storage write and
/// computing the root reads one stored node per set bit of the leaf count. A path is checked
/// with {rootOf}; leaves commit to their own index, so a leaf cannot be proven elsewhere.
library MessageTree {
    uint256 internal constant DEPTH = 32;

    /// The tree holds 2^32 leaves already.
    error TreeFull();

    struct Tree {
        /// `branch[h]`: the root of the last complete left subtree of height `h`.
        bytes32[DEPTH] branch;
        uint64 count;
    }

    /// Appends `leaf`; returns its index and the new root.
    function append(Tree storage tree, bytes32 leaf) internal returns (uint64 index, bytes32 root) {
        index = tree.count;
        if (index == type(uint32).max) revert TreeFull();
        uint256 size = uint256(index) + 1;
        tree.count = uint64(size);
        bytes32 node = leaf;
        for (uint256 h; h < DEPTH; ++h) {
            if (size & 1 == 1) {
                tree.branch[h] = node;
                break;
            }
            node = _hash(tree.branch[h], node);
            size >>= 1;
        }
        root = rootAfter(tree, uint256(index) + 1);
    }

    /// The root of the tree as it stands with `size` (= its count) leaves.
    function rootAfter(Tree storage tree, uint256 size) internal view returns (bytes32 node) {
        bytes32 zero;
        for (uint256 h; h < DEPTH; ++h) {
            node = size & 1 == 1 ? _hash(tree.branch[h], node) : _hash(node, zero);
            zero = _hash(zero, zero);
            size >>= 1;
        }
    }

    /// The root reached from `leaf` at `index` through `path` (siblings, leaf level first).
    function rootOf(bytes32 leaf, uint256 index, bytes32[] calldata path) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 h; h < path.length; ++h) {
            node = (index >> h) & 1 == 1 ? _hash(path[h], node) : _hash(node, path[h]);
        }
    }

    /// The root of the empty tree.
    function emptyRoot() internal pure returns (bytes32 zero) {
        for (uint256 h; h < DEPTH; ++h) {
            zero = _hash(zero, zero);
        }
    }

    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32 r) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            r := keccak256(0x00, 0x40)
        }
    }
}

/// @notice One L1 -> L2 message: `value` for `to` (called with `data` and at most `gasLimit`
/// gas, all gas when 0), `fee` for whoever claims it on the L2.
struct Message {
    uint64 index;
    address sender;
    address to;
    uint256 value;
    uint256 fee;
    uint64 gasLimit;
    bytes data;
}

/// @title The one definition of a message's leaf, shared by the L1 rollup and the L2 bridge.
library Messages {
    function leaf(Message calldata m) internal pure returns (bytes32) {
        return keccak256(abi.encode(m.index, m.sender, m.to, m.value, m.fee, m.gasLimit, keccak256(m.data)));
    }

    function leafOf(
        uint64 index,
        address sender,
        address to,
        uint256 value,
        uint256 fee,
        uint64 gasLimit,
        bytes calldata data
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(index, sender, to, value, fee, gasLimit, keccak256(data)));
    }
}

/// @notice One L2 -> L1 withdrawal: `value` from `from` on the L2 to `to` on the L1.
struct Withdrawal {
    uint256 nonce;
    address from;
    address to;
    uint256 value;
}

/// @title The one definition of a withdrawal's hash and where the L2 bridge stores it.
library Withdrawals {
    /// Storage slot of the L2 bridge's `withdrawals` mapping (bytes32 hash => bool).
    uint256 internal constant MAPPING_SLOT = 2;

    function hash(Withdrawal calldata w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.nonce, w.from, w.to, w.value));
    }

    /// The storage slot holding `withdrawals[h]` in the L2 bridge.
    function slotOf(bytes32 h) internal pure returns (bytes32) {
        return keccak256(abi.encode(h, MAPPING_SLOT));
    }
}
