// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title An append-only keccak Merkle tree of depth 32 (deposit-contract style).
/// @notice Leaf `i` sits at position `i` of a full binary tree of 2^32 leaves, empty leaves
/// being zero. Only the left frontier is stored, so appending costs one storage write and
/// computing the root reads one stored node per set bit of the leaf count. A path is checked
/// with {rootOf}; leaves commit to their own index, so a leaf cannot be proven elsewhere.
library MessageTree {
    uint256 internal constant DEPTH = 32;

    /// The tree holds 2^32 - 1 leaves already.
    error TreeFull();

    struct Tree {
        /// `branch[h]`: the root of the last complete left subtree of height `h`.
        bytes32[DEPTH] branch;
        uint64 count;
    }

    /// Appends `leaf`; returns its index and the new root.
    function append(Tree storage tree, bytes32 leaf) internal returns (uint64 index, bytes32 root) {
        index = tree.count;
        // Counts + 1 must fit 32 bits (the anchors the rollup records).
        if (index == type(uint32).max - 1) revert TreeFull();
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

    /// `ZERO_HASHES[32 h : 32 h + 32]`: the root of an empty subtree of height `h`
    /// (`Z(0) = 0`, `Z(h + 1) = keccak256(Z(h), Z(h))`), precomputed for `rootAfter`.
    bytes internal constant ZERO_HASHES =
        hex"0000000000000000000000000000000000000000000000000000000000000000"
        hex"ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"
        hex"b4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d30"
        hex"21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85"
        hex"e58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344"
        hex"0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d"
        hex"887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968"
        hex"ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83"
        hex"9867cc5f7f196b93bae1e27e6320742445d290f2263827498b54fec539f756af"
        hex"cefad4e508c098b9a7e1d8feb19955fb02ba9675585078710969d3440f5054e0"
        hex"f9dc3e7fe016e050eff260334f18a5d4fe391d82092319f5964f2e2eb7c1c3a5"
        hex"f8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf892"
        hex"3490c6ceeb450aecdc82e28293031d10c7d73bf85e57bf041a97360aa2c5d99c"
        hex"c1df82d9c4b87413eae2ef048f94b4d3554cea73d92b0f7af96e0271c691e2bb"
        hex"5c67add7c6caf302256adedf7ab114da0acfe870d449a3a489f781d659e8becc"
        hex"da7bce9f4e8618b6bd2f4132ce798cdc7a60e7e1460a7299e3c6342a579626d2"
        hex"2733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981f"
        hex"e1d3b5c807b281e4683cc6d6315cf95b9ade8641defcb32372f1c126e398ef7a"
        hex"5a2dce0a8a7f68bb74560f8f71837c2c2ebbcbf7fffb42ae1896f13f7c7479a0"
        hex"b46a28b6f55540f89444f63de0378e3d121be09e06cc9ded1c20e65876d36aa0"
        hex"c65e9645644786b620e2dd2ad648ddfcbf4a7e5b1a3a4ecfe7f64667a3f0b7e2"
        hex"f4418588ed35a2458cffeb39b93d26f18d2ab13bdce6aee58e7b99359ec2dfd9"
        hex"5a9c16dc00d6ef18b7933a6f8dc65ccb55667138776f7dea101070dc8796e377"
        hex"4df84f40ae0c8229d0d6069e5c8f39a7c299677a09d367fc7b05e3bc380ee652"
        hex"cdc72595f74c7b1043d0e1ffbab734648c838dfb0527d971b602bc216c9619ef"
        hex"0abf5ac974a1ed57f4050aa510dd9c74f508277b39d7973bb2dfccc5eeb0618d"
        hex"b8cd74046ff337f0a7bf2c8e03e10f642c1886798d71806ab1e888d9e5ee87d0"
        hex"838c5655cb21c6cb83313b5a631175dff4963772cce9108188b34ac87c81c41e"
        hex"662ee4dd2dd7b2bc707961b1e646c4047669dcb6584f0d8d770daf5d7e7deb2e"
        hex"388ab20e2573d171a88108e79d820e98f26c0b84aa8b2f4aa4968dbb818ea322"
        hex"93237c50ba75ee485f4c22adf2f741400bdf8d6a9cc7df7ecae576221665d735"
        hex"8448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a9";

    /// The root of the tree as it stands with `size` (= its count) leaves.
    function rootAfter(Tree storage tree, uint256 size) internal view returns (bytes32 node) {
        bytes memory zeros = ZERO_HASHES;
        for (uint256 h; h < DEPTH; ++h) {
            bytes32 zero;
            assembly ("memory-safe") {
                zero := mload(add(zeros, add(32, shl(5, h))))
            }
            node = size & 1 == 1 ? _hash(tree.branch[h], node) : _hash(node, zero);
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
    function emptyRoot() internal pure returns (bytes32) {
        bytes32 top = bytes32(0x8448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a9);
        return _hash(top, top);
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
