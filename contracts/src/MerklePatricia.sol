// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title Merkle-Patricia proofs (`eth_getProof` format) read straight from calldata.
/// @notice Proves a key present with its value, or absent, under a state or storage root.
/// Keys are the 32-byte hashed keys of Ethereum's secure tries. Nothing is copied to memory
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
        bytes32 expected = root;
        uint256 nibble; // nibbles of `key` consumed
        for (uint256 i; i < proof.length; ++i) {
            if (keccak256(proof[i]) != expected) return (Verdict.Invalid, 0, 0);
            (uint256 outcome, bytes32 word) = _walk(proof[i], key, nibble, i + 1 == proof.length);
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

    /// `_pair` and `_follow`: go on walking inside the same proof node.
    uint256 private constant CONTINUE = type(uint256).max;

    /// Walks one proof node (and the nodes inlined in it). Either it decides (outcome: a
    /// `Verdict`; for `Present`, `word` packs the value's calldata offset and length) or it
    /// names the next node's hash (outcome `NEXT` + nibbles consumed).
    function _walk(bytes calldata node, bytes32 key, uint256 nibble, bool last)
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
            if (_skip(node, _skip(node, p, end), end) != end) {
                if (nibble == 64) return (INVALID, 0);
                child = _branchChild(node, p, end, _nibble(key, nibble));
                nibble += 1;
            } else {
                (outcome, word, child, nibble) = _pair(node, p, end, key, nibble, last);
                if (outcome != CONTINUE) return (outcome, word);
            }
            (outcome, word, start, end) = _follow(node, child, end, nibble, last);
            if (outcome != CONTINUE) return (outcome, word);
        }
    }

    /// The payload start of the list spanning exactly `node[start:end]` (max if it is not one).
    function _listPayload(bytes calldata node, uint256 start, uint256 end) private pure returns (uint256) {
        (bool isList, uint256 p, uint256 len) = _item(node, start, end);
        return isList && p + len == end ? p : type(uint256).max;
    }

    /// The item start of a branch's child `n`.
    function _branchChild(bytes calldata node, uint256 p, uint256 end, uint256 n) private pure returns (uint256 child) {
        child = p;
        for (; n > 0; --n) {
            child = _skip(node, child, end);
        }
    }

    /// A leaf or extension whose items start at `p`: decides (a mismatch, or a leaf's value)
    /// or returns `CONTINUE` with the child's item start and the nibbles consumed.
    function _pair(bytes calldata node, uint256 p, uint256 end, bytes32 key, uint256 nibble, bool last)
        private
        pure
        returns (uint256 outcome, bytes32 word, uint256 child, uint256 consumed)
    {
        (bool matches, uint256 pathNibbles, bool leaf) = _path(node, p, end, key, nibble);
        if (!matches) return (last ? ABSENT : INVALID, 0, 0, 0);
        consumed = nibble + pathNibbles;
        child = _skip(node, p, end);
        if (!leaf) return (CONTINUE, 0, child, consumed);
        // A leaf: the key must end here.
        if (consumed != 64 || !last) return (INVALID, 0, 0, 0);
        (outcome, word) = _leafValue(node, child, end);
    }

    /// A leaf's value item at `child`: `Present` with its payload's offset and length.
    function _leafValue(bytes calldata node, uint256 child, uint256 end) private pure returns (uint256, bytes32) {
        (bool isList, uint256 vp, uint256 vl) = _item(node, child, end);
        if (isList || vl == 0 || vp + vl > end) return (INVALID, 0);
        return (PRESENT, bytes32((_abs(node, vp) << 128) | vl));
    }

    /// Follows the child item at `child`: empty (absent), a hash (the next proof node), or a
    /// node inlined here (`CONTINUE` with its span).
    function _follow(bytes calldata node, uint256 child, uint256 end, uint256 nibble, bool last)
        private
        pure
        returns (uint256 outcome, bytes32 word, uint256 start, uint256 stop)
    {
        (bool isList, uint256 cp, uint256 cl) = _item(node, child, end);
        if (isList) return (CONTINUE, 0, child, cp + cl);
        if (cl == 0) return (last ? ABSENT : INVALID, 0, 0, 0);
        if (cl != 32 || last || cp + 32 > node.length) return (INVALID, 0, 0, 0);
        return (NEXT + nibble, bytes32(node[cp:cp + 32]), 0, 0);
    }

    /// Whether the hex-prefix path of the leaf or extension whose items start at `p` matches
    /// `key` from nibble `nibble`; its length in nibbles; whether it is a leaf.
    function _path(bytes calldata node, uint256 p, uint256 end, bytes32 key, uint256 nibble)
        private
        pure
        returns (bool matches, uint256 pathNibbles, bool leaf)
    {
        (bool pathIsList, uint256 pp, uint256 pl) = _item(node, p, end);
        if (pathIsList || pl == 0 || pp + pl > end) return (false, 0, false);
        uint8 flag = uint8(node[pp]) >> 4;
        if (flag > 3) return (false, 0, false);
        leaf = flag >= 2;
        // Odd paths keep their first nibble in the prefix byte.
        uint256 odd = flag & 1;
        pathNibbles = 2 * (pl - 1) + odd;
        matches = nibble + pathNibbles <= 64 && _nibblesMatch(node[pp:pp + pl], odd, pathNibbles, key, nibble);
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

    /// The `index`-th field of the RLP list spanning `data[offset:offset + length]`, as a
    /// string payload (offset and length inside calldata); `ok` false if it is not one.
    function field(uint256 offset, uint256 length, uint256 index)
        internal
        pure
        returns (bool ok, uint256 fieldOffset, uint256 fieldLength)
    {
        bytes calldata data;
        assembly ("memory-safe") {
            data.offset := offset
            data.length := length
        }
        (bool isList, uint256 p, uint256 len) = _item(data, 0, length);
        if (!isList || p + len != length) return (false, 0, 0);
        uint256 cursor = p;
        for (uint256 i; i < index; ++i) {
            if (cursor >= length) return (false, 0, 0);
            cursor = _skip(data, cursor, length);
        }
        if (cursor >= length) return (false, 0, 0);
        bool fieldIsList;
        (fieldIsList, fieldOffset, fieldLength) = _item(data, cursor, length);
        if (fieldIsList) return (false, 0, 0);
        return (true, offset + fieldOffset, fieldLength);
    }

    /// The RLP-encoded integer spanning `data[offset:offset + length]` (a storage value).
    function rlpUint(uint256 offset, uint256 length) internal pure returns (bool ok, uint256 v) {
        bytes calldata data;
        assembly ("memory-safe") {
            data.offset := offset
            data.length := length
        }
        (bool isList, uint256 p, uint256 len) = _item(data, 0, length);
        if (isList || p + len != length) return (false, 0);
        return uintAt(offset + p, len);
    }

    /// The string payload at `data[offset:offset + length]` read as a big-endian integer.
    function uintAt(uint256 offset, uint256 length) internal pure returns (bool ok, uint256 v) {
        if (length > 32) return (false, 0);
        if (length == 0) return (true, 0);
        assembly ("memory-safe") {
            v := shr(mul(8, sub(32, length)), calldataload(offset))
        }
        return (true, v);
    }

    /// The RLP item at `data[pos:]` (not past `end`): whether it is a list, and its payload
    /// (an overrunning item gets a length past `end`).
    function _item(bytes calldata data, uint256 pos, uint256 end)
        private
        pure
        returns (bool isList, uint256 payload, uint256 length)
    {
        if (pos >= end || end > data.length) return (false, end, type(uint128).max);
        assembly ("memory-safe") {
            let w := calldataload(add(data.offset, pos))
            let b := byte(0, w)
            switch lt(b, 0x80)
            case 1 {
                payload := pos
                length := 1
            }
            default {
                isList := iszero(lt(b, 0xc0))
                let base := 0x80
                if isList { base := 0xc0 }
                let short := sub(b, base)
                switch lt(short, 56)
                case 1 {
                    payload := add(pos, 1)
                    length := short
                }
                default {
                    // Long form: the length's own length, at most 4 bytes here.
                    let lenOfLen := sub(short, 55)
                    switch gt(lenOfLen, 4)
                    case 1 {
                        payload := end
                        length := 0xffffffffffffffffffffffffffffffff
                    }
                    default {
                        length := shr(sub(256, mul(8, lenOfLen)), shl(8, w))
                        payload := add(add(pos, 1), lenOfLen)
                    }
                }
            }
        }
    }

    /// The position after the item at `pos` (past `end` if it overruns).
    function _skip(bytes calldata data, uint256 pos, uint256 end) private pure returns (uint256) {
        (, uint256 p, uint256 len) = _item(data, pos, end);
        return p + len > end ? end + 1 : p + len;
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
