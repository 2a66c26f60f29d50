// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {Rlp} from "./Rlp.sol";

/// @title Merkle-Patricia proofs (`eth_getProof` format) read straight from calldata.
/// @notice Proves a key present with its value, or absent, under a state or storage root.
/// Keys are left-aligned nibble strings of up to 64 nibbles: the 32-byte hashed keys of the
/// state and storage tries, or `rlp(index)` of a transaction trie. Nothing is copied to memory
/// and nothing reverts on a bad proof: the verdict comes back for the caller to name.
/// Inline children (nodes under 32 bytes, embedded in their parent) are followed in place.
library MerklePatricia {
    enum Verdict {
        Invalid,
        Absent,
        Present
    }

    /// Where a key leads under `root`: `Present` with the value's bytes (the leaf's RLP string
    /// payload, as a calldata offset and length), `Absent`, or `Invalid` for any proof that
    /// does not hash up to `root`, is malformed, or carries nodes beyond the one that decides.
    function get(bytes32 root, bytes32 key, bytes[] calldata proof)
        internal
        pure
        returns (Verdict, uint256, uint256)
    {
        return get(root, key, 64, proof);
    }

    /// {get} for a key of `keyEnd` nibbles (`key` left-aligned).
    function get(bytes32 root, bytes32 key, uint256 keyEnd, bytes[] calldata proof)
        internal
        pure
        returns (Verdict, uint256, uint256)
    {
        bytes32 expected = root;
        uint256 nibble; // nibbles of `key` consumed
        for (uint256 i; i < proof.length; ++i) {
            if (keccak256(proof[i]) != expected) return (Verdict.Invalid, 0, 0);
            uint256 cursor = nibble | (keyEnd << 8) | (i + 1 == proof.length ? LAST : 0);
            (uint256 outcome, bytes32 word) = _walk(proof[i], key, cursor);
            if (outcome < NEXT) return (Verdict(outcome), uint256(word) >> 128, uint256(uint128(uint256(word))));
            (expected, nibble) = (word, outcome - NEXT);
        }
        return (Verdict.Invalid, 0, 0);
    }

    /// `_walk` outcomes from here on mean "go on to the node of hash `word`", with the
    /// nibbles consumed added.
    uint256 private constant NEXT = 3;
    uint256 private constant INVALID = uint256(Verdict.Invalid);
    uint256 private constant ABSENT = uint256(Verdict.Absent);
    uint256 private constant PRESENT = uint256(Verdict.Present);

    /// A walk's cursor packs the nibbles consumed (bits 0-7), the key's length in nibbles
    /// (bits 8-15) and whether the node is the proof's last (`LAST`).
    uint256 private constant LAST = 1 << 16;

    /// `_pair` and `_follow`: go on walking inside the same proof node.
    uint256 private constant CONTINUE = type(uint256).max;

    /// Walks one proof node (and the nodes inlined in it). Either it decides (outcome: a
    /// `Verdict`; for `Present`, `word` packs the value's calldata offset and length) or it
    /// names the next node's hash (outcome `NEXT` + nibbles consumed).
    function _walk(bytes calldata node, bytes32 key, uint256 cursor)
        private
        pure
        returns (uint256 outcome, bytes32 word)
    {
        uint256 start; // the node being walked, as a whole RLP item inside `node`
        uint256 end = node.length;
        while (true) {
            uint256 p = _listPayload(node, start, end);
            if (p == type(uint256).max) return (INVALID, 0);
            uint256 child; // item start of the child to follow
            // A node that hashes into the trie is well formed: two items make a leaf or an
            // extension, anything else is a branch (17 items).
            if (Rlp.skip(node, Rlp.skip(node, p, end), end) != end) {
                (outcome, word, child, cursor) = _branch(node, p, end, key, cursor);
            } else {
                (outcome, word, child, cursor) = _pair(node, p, end, key, cursor);
            }
            if (outcome != CONTINUE) return (outcome, word);
            (outcome, word, start, end) = _follow(node, child, end, cursor);
            if (outcome != CONTINUE) return (outcome, word);
        }
    }

    /// A branch whose items start at `p`: decides (the key ends here: the 17th item is its
    /// value) or returns `CONTINUE` with the child for the key's next nibble.
    function _branch(bytes calldata node, uint256 p, uint256 end, bytes32 key, uint256 cursor)
        private
        pure
        returns (uint256 outcome, bytes32 word, uint256 child, uint256 next)
    {
        uint256 nibble = cursor & 0xff;
        if (nibble < (cursor >> 8) & 0xff) {
            return (CONTINUE, 0, _branchChild(node, p, end, _nibble(key, nibble)), cursor + 1);
        }
        if (cursor & LAST == 0) return (INVALID, 0, 0, 0);
        (outcome, word) = _leafValue(node, _branchChild(node, p, end, 16), end);
        if (outcome != PRESENT) outcome = ABSENT;
    }

    /// The payload start of the list spanning exactly `node[start:end]` (max if it is not one).
    function _listPayload(bytes calldata node, uint256 start, uint256 end) private pure returns (uint256) {
        (bool isList, uint256 p, uint256 len) = Rlp.item(node, start, end);
        return isList && p + len == end ? p : type(uint256).max;
    }

    /// The item start of a branch's child `n`.
    function _branchChild(bytes calldata node, uint256 p, uint256 end, uint256 n) private pure returns (uint256 child) {
        child = p;
        for (; n > 0; --n) {
            child = Rlp.skip(node, child, end);
        }
    }

    /// A leaf or extension whose items start at `p`: decides (a mismatch, or a leaf's value)
    /// or returns `CONTINUE` with the child's item start and the nibbles consumed.
    function _pair(bytes calldata node, uint256 p, uint256 end, bytes32 key, uint256 cursor)
        private
        pure
        returns (uint256 outcome, bytes32 word, uint256 child, uint256 next)
    {
        (bool matches, uint256 pathNibbles, bool leaf) = _path(node, p, end, key, cursor);
        if (!matches) return (cursor & LAST != 0 ? ABSENT : INVALID, 0, 0, 0);
        next = cursor + pathNibbles;
        child = Rlp.skip(node, p, end);
        if (!leaf) return (CONTINUE, 0, child, next);
        // A leaf: the key must end here.
        if (next & 0xff != (next >> 8) & 0xff || next & LAST == 0) return (INVALID, 0, 0, 0);
        (outcome, word) = _leafValue(node, child, end);
    }

    /// A leaf's value item at `child`: `Present` with its payload's offset and length.
    function _leafValue(bytes calldata node, uint256 child, uint256 end) private pure returns (uint256, bytes32) {
        (bool isList, uint256 vp, uint256 vl) = Rlp.item(node, child, end);
        if (isList || vl == 0 || vp + vl > end) return (INVALID, 0);
        return (PRESENT, bytes32((_abs(node, vp) << 128) | vl));
    }

    /// Follows the child item at `child`: empty (absent), a hash (the next proof node), or a
    /// node inlined here (`CONTINUE` with its span).
    function _follow(bytes calldata node, uint256 child, uint256 end, uint256 cursor)
        private
        pure
        returns (uint256 outcome, bytes32 word, uint256 start, uint256 stop)
    {
        (bool isList, uint256 cp, uint256 cl) = Rlp.item(node, child, end);
        if (isList) return (CONTINUE, 0, child, cp + cl);
        bool last = cursor & LAST != 0;
        if (cl == 0) return (last ? ABSENT : INVALID, 0, 0, 0);
        if (cl != 32 || last || cp + 32 > node.length) return (INVALID, 0, 0, 0);
        return (NEXT + (cursor & 0xff), bytes32(node[cp:cp + 32]), 0, 0);
    }

    /// Whether the hex-prefix path of the leaf or extension whose items start at `p` matches
    /// `key` from nibble `nibble`; its length in nibbles; whether it is a leaf.
    function _path(bytes calldata node, uint256 p, uint256 end, bytes32 key, uint256 cursor)
        private
        pure
        returns (bool matches, uint256 pathNibbles, bool leaf)
    {
        (bool pathIsList, uint256 pp, uint256 pl) = Rlp.item(node, p, end);
        if (pathIsList || pl == 0 || pp + pl > end) return (false, 0, false);
        uint8 flag = uint8(node[pp]) >> 4;
        if (flag > 3) return (false, 0, false);
        leaf = flag >= 2;
        // Odd paths keep their first nibble in the prefix byte.
        uint256 odd = flag & 1;
        pathNibbles = 2 * (pl - 1) + odd;
        uint256 nibble = cursor & 0xff;
        matches = nibble + pathNibbles <= (cursor >> 8) & 0xff
            && _nibblesMatch(node[pp:pp + pl], odd, pathNibbles, key, nibble);
    }

    /// Whether the `count` path nibbles of hex-prefix `path` (after the prefix nibble and, for
    /// even paths, its pad) equal `key`'s from nibble `from` (`from + count <= 64`).
    function _nibblesMatch(bytes calldata path, uint256 odd, uint256 count, bytes32 key, uint256 from)
        private
        pure
        returns (bool)
    {
        if (count == 0) return true;
        uint256 tail = path.length - 1; // bytes after the prefix byte (at most 32)
        if (tail > 32) return false;
        uint256 nibbles;
        assembly ("memory-safe") {
            if tail { nibbles := shr(sub(256, mul(8, tail)), calldataload(add(path.offset, 1))) }
            if odd { nibbles := or(nibbles, shl(mul(8, tail), and(byte(0, calldataload(path.offset)), 0x0f))) }
        }
        uint256 window = (uint256(key) << (4 * from)) >> (256 - 4 * count);
        return nibbles == window;
    }

    function _nibble(bytes32 key, uint256 i) private pure returns (uint256) {
        return (uint256(key) >> (252 - 4 * i)) & 0x0f;
    }

    /// The calldata offset of `data[pos]`.
    function _abs(bytes calldata data, uint256 pos) private pure returns (uint256 o) {
        assembly ("memory-safe") {
            o := add(data.offset, pos)
        }
    }
}
