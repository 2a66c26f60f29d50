// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {Rlp} from "./Rlp.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";

/// @notice What the rollup keeps of a forced L2 transaction (four storage slots).
struct ForcedTx {
    /// keccak256 of its network encoding: its L2 transaction hash.
    bytes32 txHash;
    address sender;
    uint64 nonce;
    /// L1 time of queueing plus the delay: a settlement whose last L2 block is at or past it
    /// (L2 time) must resolve it.
    uint64 deadline;
    uint128 maxFeePerGas;
    /// gas limit × max fee + value: what the sender's balance must cover.
    uint256 maxCost;
}

/// @title Decoding and checking a signed L2 transaction forced through the L1 inbox.
/// @notice The inbox accepts only a transaction the L2 would accept on its own merits at the
/// right nonce and balance: an EIP-1559 transaction of the rollup's chain id, a call (no
/// create), no access list, canonical RLP (so the L2 decodes the same bytes), a low-s
/// signature, enough gas for its intrinsic cost and no more than an L2 block holds. What can
/// still make it invalid on the L2 (nonce, balance, max fee under the base fee) is what a
/// settlement may prove instead of including it.
library ForcedTransaction {
    /// Largest forced transaction (its data is scanned byte by byte for the intrinsic gas).
    uint256 internal constant MAX_BYTES = 16_384;
    uint256 private constant SECP256K1N_HALF = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// EIP-7825's per-transaction gas cap (Osaka).
    uint256 private constant TX_GAS_CAP = 1 << 24;

    error ForcedTxNotEip1559();
    error ForcedTxTooLarge(uint256 length, uint256 max);
    /// Not the canonical RLP of a 12-field EIP-1559 transaction with a call target and no access list.
    error ForcedTxMalformed();
    error ForcedTxWrongChain(uint256 chainId);
    error ForcedTxGasAboveLimit(uint256 gasLimit, uint256 max);
    error ForcedTxGasBelowIntrinsic(uint256 gasLimit, uint256 intrinsic);
    error ForcedTxBadSignature();

    /// Decodes and checks `raw` (the network encoding `0x02 || rlp(fields)`) for a chain whose
    /// blocks run the rules of execution-specs fork index `fork` (the high byte of the
    /// rollup's schema id: 0x0e Paris ... 0x12 Osaka, 0x15 Amsterdam).
    function decode(bytes calldata raw, uint64 chainId, uint64 blockGasLimit, uint8 fork)
        internal
        pure
        returns (ForcedTx memory t)
    {
        if (raw.length == 0 || raw[0] != 0x02) revert ForcedTxNotEip1559();
        if (raw.length > MAX_BYTES) revert ForcedTxTooLarge(raw.length, MAX_BYTES);
        uint256 base;
        assembly ("memory-safe") {
            base := raw.offset
        }
        (bool ok, Rlp.Item[] memory f) = Rlp.items(base + 1, raw.length - 1);
        if (!ok || f.length != 12 || !f[8].isList || f[8].length != 0) revert ForcedTxMalformed();
        uint256[12] memory v;
        for (uint256 i; i < 12; ++i) {
            if (i == 5 || i == 7 || i == 8) continue;
            if (f[i].isList) revert ForcedTxMalformed();
            (ok, v[i]) = Rlp.uintAt(f[i].offset, f[i].length);
            if (!ok) revert ForcedTxMalformed();
        }
        if (f[5].isList || f[5].length != 20 || f[7].isList) revert ForcedTxMalformed();
        if (v[0] != chainId) revert ForcedTxWrongChain(v[0]);
        // nonce below 2^64 - 1 (EIP-2681); tip not above the max fee; max fee fits 128 bits.
        if (v[1] >= type(uint64).max || v[2] > v[3] || v[3] > type(uint128).max) revert ForcedTxMalformed();
        uint256 cap = blockGasLimit < TX_GAS_CAP ? blockGasLimit : TX_GAS_CAP;
        if (v[4] > cap) revert ForcedTxGasAboveLimit(v[4], cap);

        bytes memory data = raw[f[7].offset - base:f[7].offset - base + f[7].length];
        address to = address(bytes20(raw[f[5].offset - base:f[5].offset - base + 20]));
        bytes32 signingHash = _signingHash(v, to, data);
        // The bytes must be the canonical encoding, or the L2 would not decode them alike.
        if (keccak256(_encode(v, to, data, false)) != keccak256(raw)) revert ForcedTxMalformed();
        if (v[9] > 1 || v[10] == 0 || v[11] == 0 || v[11] > SECP256K1N_HALF) revert ForcedTxBadSignature();
        address sender = ecrecover(signingHash, uint8(27 + v[9]), bytes32(v[10]), bytes32(v[11]));
        if (sender == address(0)) revert ForcedTxBadSignature();
        uint256 intrinsic = intrinsicGas(fork, f[7].offset, f[7].length, v[6] != 0, to == sender);
        if (v[4] < intrinsic) revert ForcedTxGasBelowIntrinsic(v[4], intrinsic);

        t.txHash = keccak256(raw);
        t.sender = sender;
        t.nonce = uint64(v[1]);
        t.maxFeePerGas = uint128(v[3]);
        t.maxCost = v[4] * v[3] + v[6];
    }

    /// keccak256(0x02 || rlp([chain_id, nonce, tip, max_fee, gas, to, value, data, []])).
    function _signingHash(uint256[12] memory v, address to, bytes memory data) private pure returns (bytes32) {
        return keccak256(_encode(v, to, data, true));
    }

    /// The network encoding (`unsigned`: the signing payload, without yParity, r, s).
    function _encode(uint256[12] memory v, address to, bytes memory data, bool unsigned)
        private
        pure
        returns (bytes memory)
    {
        bytes[] memory items = new bytes[](unsigned ? 9 : 12);
        for (uint256 i; i < items.length; ++i) {
            if (i == 5) items[i] = RLP.encode(to);
            else if (i == 7) items[i] = RLP.encode(data);
            else if (i == 8) items[i] = hex"c0";
            else items[i] = RLP.encode(v[i]);
        }
        return bytes.concat(hex"02", RLP.encode(items));
    }

    /// Whether the inbox models fork index `fork`'s intrinsic gas: Paris to Osaka, and Amsterdam.
    function modelsFork(uint8 fork) internal pure returns (bool) {
        return (fork >= 0x0e && fork <= 0x12) || fork == 0x15;
    }

    /// Intrinsic gas of a call (no access list, no authorizations) with this calldata under
    /// fork index `fork`, as the L2's EVM (revm 42, with execution-specs' Amsterdam values)
    /// charges it before execution:
    /// - Paris to Cancun: 21,000 + 4 per zero byte + 16 per other byte;
    /// - Prague, Osaka: at least the EIP-7623 floor, 21,000 + 10 per token (a zero byte one
    ///   token, another byte four);
    /// - Amsterdam: EIP-2780's base (12,000, + 3,000 for a recipient other than the sender,
    ///   + 6,000 more when such a call carries value: its transfer log and value cost) + 4 per
    ///   token, and at least EIP-7976's floor, that base + 64 per calldata byte.
    /// State gas (a new account, EIP-8037) is charged during execution, not here: a forced
    /// transaction short of it is included and fails, which resolves it all the same.
    function intrinsicGas(uint8 fork, uint256 offset, uint256 length, bool value, bool toSelf)
        internal
        pure
        returns (uint256)
    {
        uint256 zeros;
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, length) { i := add(i, 1) } {
                zeros := add(zeros, iszero(byte(0, calldataload(add(offset, i)))))
            }
        }
        uint256 tokens = zeros + 4 * (length - zeros);
        if (fork >= 0x15) {
            uint256 base = 12_000;
            if (!toSelf) base += value ? 3_000 + 1_756 + 4_244 : 3_000;
            uint256 amsterdamStandard = base + 4 * tokens;
            uint256 amsterdamFloor = base + 64 * length;
            return amsterdamStandard > amsterdamFloor ? amsterdamStandard : amsterdamFloor;
        }
        uint256 standard = 21_000 + 4 * tokens;
        if (fork < 0x11) return standard;
        uint256 floor = 21_000 + 10 * tokens;
        return standard > floor ? standard : floor;
    }
}
