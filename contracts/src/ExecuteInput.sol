// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @notice The fields of an L2 block that the rollup contract acts on.
struct L2Block {
    bytes32 parentHash;
    bytes32 stateRoot;
    uint64 number;
    uint64 gasLimit;
    uint64 gasUsed;
    uint64 timestamp;
    uint256 baseFee;
    bytes32 blockHash;
    /// `parent_beacon_block_root`: on the L2, the L1 message root the block anchors.
    bytes32 anchor;
}

/// @title Reads L2 block fields out of an EXECUTE re-execution input.
/// @notice The rollup passes the caller's bytes to EXECUTE unchanged and reads the fields it
/// needs from those same bytes, at the SSZ positions EXECUTE decoded them from. EXECUTE
/// validated exactly these bytes, so each field read here is a field of a validated block:
/// no Merkle proof against `new_payload_request_root` is needed in this mode (see
/// docs/contracts.md, "How the contract learns the block").
///
/// Layouts (revision 1; the payload's first 17 fields sit at the same offsets in the Osaka-era
/// and Amsterdam layouts, so one reader serves both):
///   single: schema_id (u16 BE) ++ SSZ StatelessInput      { request (offset), witness (offset), chain_id u64 }
///   range:  0xFF01 ++ schema_id ++ SSZ StatelessRangeInput { requests: List[NewPayloadRequest] (offset), witness, chain_id }
///   NewPayloadRequest { payload (offset), versioned_hashes (offset), parent_beacon_block_root, requests (offset) }
library ExecuteInput {
    /// Prefix of a range input.
    uint16 internal constant RANGE = 0xFF01;
    /// Prefix of a proof-mode input (SNARKs in the call).
    uint16 internal constant PROOF = 0xFF02;
    /// Prefix of a proof-dependency input (proofs in the transaction's sidecar).
    uint16 internal constant DEPENDENCY = 0xFF03;
    /// Most blocks in one range (EXECUTE's own cap).
    uint256 internal constant MAX_RANGE = 256;

    /// The input is too short or an offset points outside it.
    error MalformedInput();

    /// Byte offsets inside `ExecutionPayload`'s fixed part.
    uint256 private constant PARENT_HASH = 0;
    uint256 private constant STATE_ROOT = 52;
    uint256 private constant NUMBER = 404;
    uint256 private constant GAS_LIMIT = 412;
    uint256 private constant GAS_USED = 420;
    uint256 private constant TIMESTAMP = 428;
    uint256 private constant BASE_FEE = 440;
    uint256 private constant BLOCK_HASH = 472;
    /// End of the fields read (block_hash's last byte).
    uint256 private constant PAYLOAD_READ_END = 504;

    /// The two-byte prefix: a schema id for a single block, `RANGE`, `PROOF` or `DEPENDENCY`
    /// otherwise.
    function prefix(bytes calldata input) internal pure returns (uint16) {
        if (input.length < 2) revert MalformedInput();
        return uint16(bytes2(input[0:2]));
    }

    /// Whether `p` names a proof input: SNARKs in the call, or proofs in the sidecar.
    function isProof(uint16 p) internal pure returns (bool) {
        return p == PROOF || p == DEPENDENCY;
    }

    /// The schema id and the start of each `NewPayloadRequest`, in order.
    function requests(bytes calldata input) internal pure returns (uint16 schemaId, uint256[] memory starts) {
        uint16 p = prefix(input);
        if (p != RANGE) {
            // StatelessInput at 2: its first field is the request's offset.
            starts = new uint256[](1);
            starts[0] = 2 + _u32(input, 2);
            return (p, starts);
        }
        if (input.length < 4) revert MalformedInput();
        schemaId = uint16(bytes2(input[2:4]));
        // StatelessRangeInput at 4: the list's offset, then the witness's (where the list ends).
        uint256 list = 4 + _u32(input, 4);
        uint256 end = 4 + _u32(input, 8);
        if (end <= list) revert MalformedInput();
        // A list of variable-size items starts with one 4-byte offset per item.
        uint256 n = _u32(input, list) / 4;
        if (n == 0 || n > MAX_RANGE) revert MalformedInput();
        starts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            starts[i] = list + _u32(input, list + 4 * i);
        }
    }

    /// Reads into `b` the block fields of the `NewPayloadRequest` starting at `start`.
    function readBlock(bytes calldata input, uint256 start, L2Block memory b) internal pure {
        uint256 payload = start + _u32(input, start);
        if (start + 40 > input.length || payload + PAYLOAD_READ_END > input.length) revert MalformedInput();
        assembly ("memory-safe") {
            // The little-endian u64 in the first 8 bytes of a word.
            function le64(w) -> v {
                v := shr(192, w)
                v := or(shr(8, and(v, 0xFF00FF00FF00FF00)), shl(8, and(v, 0x00FF00FF00FF00FF)))
                v := or(shr(16, and(v, 0xFFFF0000FFFF0000)), shl(16, and(v, 0x0000FFFF0000FFFF)))
                v := or(shr(32, v), and(shl(32, v), 0xFFFFFFFF00000000))
            }
            // A little-endian uint256 (the base fee).
            function le256(w) -> v {
                v := w
                v := or(shr(8, and(v, 0xFF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00)),
                        shl(8, and(v, 0x00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF)))
                v := or(shr(16, and(v, 0xFFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000)),
                        shl(16, and(v, 0x0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF)))
                v := or(shr(32, and(v, 0xFFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000)),
                        shl(32, and(v, 0x00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF)))
                v := or(shr(64, and(v, 0xFFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF0000000000000000)),
                        shl(64, and(v, 0x0000000000000000FFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF)))
                v := or(shr(128, v), shl(128, v))
            }
            let p := add(input.offset, payload)
            mstore(b, calldataload(add(p, PARENT_HASH)))
            mstore(add(b, 0x20), calldataload(add(p, STATE_ROOT)))
            mstore(add(b, 0x40), le64(calldataload(add(p, NUMBER))))
            mstore(add(b, 0x60), le64(calldataload(add(p, GAS_LIMIT))))
            mstore(add(b, 0x80), le64(calldataload(add(p, GAS_USED))))
            mstore(add(b, 0xa0), le64(calldataload(add(p, TIMESTAMP))))
            mstore(add(b, 0xc0), le256(calldataload(add(p, BASE_FEE))))
            mstore(add(b, 0xe0), calldataload(add(p, BLOCK_HASH)))
            mstore(add(b, 0x100), calldataload(add(add(input.offset, start), 8)))
        }
    }

    /// A little-endian u32 at `pos`.
    function _u32(bytes calldata input, uint256 pos) private pure returns (uint256 v) {
        if (pos + 4 > input.length) revert MalformedInput();
        assembly ("memory-safe") {
            let w := calldataload(add(input.offset, pos))
            v := or(or(byte(0, w), shl(8, byte(1, w))), or(shl(16, byte(2, w)), shl(24, byte(3, w))))
        }
    }

}

/// @title Reads EXECUTE's output.
/// @notice single: SSZ { new_payload_request_root: Bytes32, successful_validation: bool, chain_id: u64, schema_id: u16 } (43 bytes)
///         range:  SSZ { new_payload_request_roots: List[Bytes32, 256] (offset), successful_validation, chain_id, schema_id }
library ExecuteOutput {
    /// The output does not have the shape of a result for `blocks` blocks.
    error MalformedOutput();

    /// The `new_payload_request_root` of block `i` in a result.
    function root(bytes memory out, uint256 i, bool range) internal pure returns (bytes32 r) {
        uint256 pos = range ? 15 + 32 * i : 0;
        if (pos + 32 > out.length) revert MalformedOutput();
        assembly ("memory-safe") {
            r := mload(add(add(out, 32), pos))
        }
    }

    /// `successful_validation`, `chain_id` and `schema_id` of a result for `blocks` blocks.
    function read(bytes memory out, uint256 blocks, bool range)
        internal
        pure
        returns (bool ok, uint64 chainId, uint16 schemaId)
    {
        uint256 pos = range ? 4 : 32;
        uint256 expected = range ? 15 + 32 * blocks : 43;
        if (out.length != expected) revert MalformedOutput();
        ok = out[pos] == 0x01;
        for (uint256 i; i < 8; ++i) {
            chainId |= uint64(uint8(out[pos + 1 + i])) << uint64(8 * i);
        }
        schemaId = uint16(uint8(out[pos + 9])) | (uint16(uint8(out[pos + 10])) << 8);
    }
}
