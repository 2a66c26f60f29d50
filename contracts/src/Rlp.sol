// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title RLP read straight from calldata, without copying: item headers, list fields and
/// integers. Nothing reverts on malformed input: callers get `ok` false (or an item that
/// overruns its bounds) and name the error themselves.
library Rlp {
    /// One item of a list: its payload in calldata, and whether it is itself a list.
    struct Item {
        uint256 offset;
        uint256 length;
        bool isList;
    }

    /// The items of the RLP list spanning exactly calldata `[offset, offset + length)`.
    function items(uint256 offset, uint256 length) internal pure returns (bool ok, Item[] memory out) {
        bytes calldata data = _slice(offset, length);
        (bool isList, uint256 p, uint256 len) = item(data, 0, length);
        if (!isList || p + len != length) return (false, out);
        uint256 n;
        uint256 cursor = p;
        while (cursor < length) {
            cursor = skip(data, cursor, length);
            ++n;
        }
        if (cursor != length) return (false, out);
        out = new Item[](n);
        cursor = p;
        for (uint256 i; i < n; ++i) {
            out[i] = _itemAt(data, offset, cursor);
            cursor = out[i].offset - offset + out[i].length;
        }
        return (true, out);
    }

    function _itemAt(bytes calldata data, uint256 offset, uint256 pos) private pure returns (Item memory it) {
        (bool isList, uint256 p, uint256 len) = item(data, pos, data.length);
        return Item(offset + p, len, isList);
    }

    /// The `index`-th field of the RLP list spanning `data[offset:offset + length]`, as a
    /// string payload (offset and length inside calldata); `ok` false if it is not one.
    function field(uint256 offset, uint256 length, uint256 index)
        internal
        pure
        returns (bool ok, uint256 fieldOffset, uint256 fieldLength)
    {
        bytes calldata data = _slice(offset, length);
        (bool isList, uint256 p, uint256 len) = item(data, 0, length);
        if (!isList || p + len != length) return (false, 0, 0);
        uint256 cursor = p;
        for (uint256 i; i < index; ++i) {
            if (cursor >= length) return (false, 0, 0);
            cursor = skip(data, cursor, length);
        }
        if (cursor >= length) return (false, 0, 0);
        bool fieldIsList;
        (fieldIsList, fieldOffset, fieldLength) = item(data, cursor, length);
        if (fieldIsList || fieldOffset + fieldLength > length) return (false, 0, 0);
        return (true, offset + fieldOffset, fieldLength);
    }

    /// The RLP-encoded integer spanning `data[offset:offset + length]` (a storage value).
    function rlpUint(uint256 offset, uint256 length) internal pure returns (bool ok, uint256 v) {
        bytes calldata data = _slice(offset, length);
        (bool isList, uint256 p, uint256 len) = item(data, 0, length);
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
    function item(bytes calldata data, uint256 pos, uint256 end)
        internal
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
    function skip(bytes calldata data, uint256 pos, uint256 end) internal pure returns (uint256) {
        (, uint256 p, uint256 len) = item(data, pos, end);
        return p + len > end ? end + 1 : p + len;
    }

    function _slice(uint256 offset, uint256 length) private pure returns (bytes calldata data) {
        assembly ("memory-safe") {
            data.offset := offset
            data.length := length
        }
    }
}
