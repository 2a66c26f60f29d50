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
    /// Prefix of a proof-mode input.
    uint16 internal constant PROOF = 0xFF02;
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

    /// The two-byte prefix: a schema id for a single block, `RANGE` or `PROOF` otherwise.
    function prefix(bytes calldata input) internal pure returns (uint16) {
        if (input.length < 2) revert MalformedInput();
        return uint16(bytes2(input[0:2]));
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

    /// The block fields of the `NewPayloadRequest` starting at `start`.
    function blockAt(bytes calldata input, uint256 start) internal pure returns (L2Block memory b) {
        uint256 payload = start + _u32(input, start);
        if (start + 40 > input.length || payload + PAYLOAD_READ_END > input.length) revert MalformedInput();
        b.anchor = bytes32(input[start + 8:start + 40]);
        b.parentHash = bytes32(input[payload + PARENT_HASH:payload + PARENT_HASH + 32]);
        b.stateRoot = bytes32(input[payload + STATE_ROOT:payload + STATE_ROOT + 32]);
        b.number = _u64(input, payload + NUMBER);
        b.gasLimit = _u64(input, payload + GAS_LIMIT);
        b.gasUsed = _u64(input, payload + GAS_USED);
        b.timestamp = _u64(input, payload + TIMESTAMP);
        b.baseFee = _reverse256(uint256(bytes32(input[payload + BASE_FEE:payload + BASE_FEE + 32])));
        b.blockHash = bytes32(input[payload + BLOCK_HASH:payload + BLOCK_HASH + 32]);
    }

    /// A little-endian u32 at `pos`.
    function _u32(bytes calldata input, uint256 pos) private pure returns (uint256) {
        if (pos + 4 > input.length) revert MalformedInput();
        uint32 v = uint32(bytes4(input[pos:pos + 4]));
        v = ((v & 0xFF00FF00) >> 8) | ((v & 0x00FF00FF) << 8);
        return (v >> 16) | (v << 16);
    }

    /// A little-endian u64 at `pos`.
    function _u64(bytes calldata input, uint256 pos) private pure returns (uint64 v) {
        v = uint64(bytes8(input[pos:pos + 8]));
        v = ((v & 0xFF00FF00FF00FF00) >> 8) | ((v & 0x00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000) >> 16) | ((v & 0x0000FFFF0000FFFF) << 16);
        v = (v >> 32) | (v << 32);
    }

    /// Byte order of a 256-bit word reversed (SSZ uint256 is little-endian).
    function _reverse256(uint256 v) private pure returns (uint256) {
        v = ((v & 0xFF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00) >> 8)
            | ((v & 0x00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000) >> 16)
            | ((v & 0x0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF) << 16);
        v = ((v & 0xFFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000) >> 32)
            | ((v & 0x00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF) << 32);
        v = ((v & 0xFFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF0000000000000000) >> 64)
            | ((v & 0x0000000000000000FFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF) << 64);
        return (v >> 128) | (v << 128);
    }
}

/// @title Reads EXECUTE's output.
/// @notice single: SSZ { new_payload_request_root: Bytes32, successful_validation: bool, chain_id: u64, schema_id: u16 } (43 bytes)
///         range:  SSZ { new_payload_request_roots: List[Bytes32, 256] (offset), successful_validation, chain_id, schema_id }
library ExecuteOutput {
    /// The output does not have the shape of a result for `blocks` blocks.
    error MalformedOutput();

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
