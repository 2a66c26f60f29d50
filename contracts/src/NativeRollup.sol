// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {ExecuteOutput, L2Block} from "./ExecuteOutput.sol";
import {MessageTree, Message, Messages, Withdrawal, Withdrawals} from "./MessageTree.sol";
import {MerklePatricia} from "./MerklePatricia.sol";
import {Rlp} from "./Rlp.sol";
import {ForcedTransaction, ForcedTx} from "./ForcedTransaction.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @notice A message root the tree has had (one storage slot).
struct Anchor {
    /// Message count + 1 (0: never a root of this tree).
    uint32 count;
    /// L1 time the next message superseded it (0: still the newest root).
    uint64 supersededAt;
}

/// @notice How a settlement resolves one queued forced transaction.
struct Resolution {
    /// `INCLUDED`, `INVALID_AFTER`, `NONCE_SPENT` or `FEE_BELOW_BASE_FEE`.
    uint8 kind;
    /// INCLUDED: the RLP header of a block this settlement settles.
    bytes header;
    /// INCLUDED: the transaction's index in that block.
    uint256 txIndex;
    /// INCLUDED: the transaction-trie proof; INVALID_AFTER, NONCE_SPENT: the sender's
    /// account proof against the state after this settlement.
    bytes[] proof;
}

/// @title A native rollup's L1 contract: settlement through EXECUTE, L1 -> L2 messages and
/// deposits, L2 -> L1 withdrawals, forced inclusion, and the credit of burned L2 base fees.
/// @notice One instance per L2 chain. Validity is EXECUTE's verdict, so settlement is
/// permissionless: anyone may settle the next valid L2 block(s). Every L2 field the contract
/// acts on is read from EXECUTE's output, never taken from the caller.
contract NativeRollup {
    /// The EXECUTE precompile.
    address public constant EXECUTE = address(0x0101);
    /// Settled state roots kept for withdrawal claims (the L2BEAT reference rollup's size).
    uint256 public constant STATE_ROOT_RING = 8191;
    /// Resolutions of a forced transaction. At any time: included in a block of this
    /// settlement (INCLUDED), or its nonce spent by the state after it (NONCE_SPENT). Only once
    /// due (this settlement reaches its deadline in L2 time): not executable against the state
    /// after this settlement, with every earlier queued transaction resolved (INVALID_AFTER:
    /// another nonce, or a balance short of its maximum cost), or its max fee below the base
    /// fee of every L2 block settled since it was queued (FEE_BELOW_BASE_FEE).
    uint8 public constant INCLUDED = 0;
    uint8 public constant INVALID_AFTER = 1;
    uint8 public constant NONCE_SPENT = 2;
    uint8 public constant FEE_BELOW_BASE_FEE = 3;
    /// The L2 bridge predeploy (in the L2 genesis, pre-funded).
    address public constant L2_BRIDGE = 0x000000000000000000000000000000000000b21D;

    /// The L2's chain id.
    uint64 public immutable CHAIN_ID;
    /// The EXECUTE schema id (fork and layout) of the L2's blocks.
    uint16 public immutable SCHEMA_ID;
    /// The L2 block gas limit every settled block must carry.
    uint64 public immutable L2_GAS_LIMIT;
    /// Who the burned L2 base fees are credited to.
    address public immutable FEE_RECIPIENT;
    /// Seconds a forced transaction waits before settlements must resolve it.
    uint64 public immutable FORCED_INCLUSION_DELAY;
    /// Seconds (L2 time) an L2 block may still anchor a message root after a newer one exists:
    /// the sequencer cannot leave L1 messages unanchored, and so unclaimable, for longer.
    uint64 public immutable MAX_ANCHOR_AGE;

    /// Hash of the last settled L2 block.
    bytes32 public headHash;
    // One storage slot, written once per settlement:
    /// Number of the last settled L2 block; its state root is at `headNumber % STATE_ROOT_RING`.
    uint64 public headNumber;
    /// Message count (+1) of the last settled block's anchor: anchors never move back.
    uint32 public anchoredCount;
    /// Base fees credited to `FEE_RECIPIENT` and not yet paid out (2^96 wei: 79 billion ETH).
    uint96 public feesOwed;
    /// The forced-transaction queue: the next to resolve, and the next free index.
    uint32 public forcedHead;
    uint32 public forcedTail;
    /// The L1 -> L2 message tree.
    MessageTree.Tree internal messages;
    /// Every root the tree has had: its message count + 1 (0: never a root of this tree), and
    /// the L1 time the next message superseded it (0: still the newest).
    mapping(bytes32 root => Anchor) public anchors;
    /// Settled L2 state roots: the root of the last block of each settlement at its number
    /// modulo the ring's size (a range writes one slot).
    bytes32[STATE_ROOT_RING] public stateRoots;
    /// Withdrawals already paid on L1, one bit per withdrawal nonce (the L2 bridge numbers
    /// its withdrawals, and the proven hash commits to the nonce).
    mapping(uint256 word => uint256 bits) internal claimedWithdrawals;
    /// Forced transactions by queue index.
    mapping(uint256 index => ForcedTx) public forcedQueue;
    /// The lowest base fee of every L2 block settled since the forced-transaction queue was
    /// last empty: a lower bound of the base fee over each queued transaction's window, which
    /// FEE_BELOW_BASE_FEE must stay under.
    uint128 public minBaseFeeWhileForced;

    /// L2 blocks up to `number` are settled (`stateRoot` is claimable against at ring index
    /// `number % STATE_ROOT_RING`); the blocks burned `fees` in base fees, credited to the fee
    /// recipient.
    event Settled(
        uint64 indexed number, bytes32 blockHash, bytes32 stateRoot, bytes32 anchor, uint64 blocks, uint256 fees
    );
    /// A signed L2 transaction entered the forced-inclusion queue.
    event ForcedTransactionQueued(
        uint32 indexed index, bytes32 txHash, address indexed sender, uint64 nonce, uint64 deadline, bytes transaction
    );
    /// A settlement resolved a forced transaction (`kind`: how).
    event ForcedTransactionResolved(uint32 indexed index, uint8 kind);
    /// A message entered the tree; `root` is the tree's new root (a valid anchor).
    event MessageSent(
        uint64 indexed index,
        address indexed sender,
        address indexed to,
        uint256 value,
        uint256 fee,
        uint64 gasLimit,
        bytes data,
        bytes32 root
    );
    /// Credited fees paid out.
    event FeesPaid(address indexed recipient, uint256 amount);
    /// A withdrawal paid on L1.
    event WithdrawalClaimed(bytes32 indexed withdrawalHash, address indexed to, uint256 value);

    /// EXECUTE halted: the input is malformed or a block is invalid.
    error ExecuteRejected();
    /// EXECUTE returned a result that is not a success (never expected: it halts instead).
    error ValidationUnsuccessful();
    /// The blocks are of another L2 chain.
    error WrongChainId(uint64 expected, uint64 got);
    /// The blocks are under another schema id than the rollup's.
    error WrongSchema(uint16 expected, uint16 got);
    /// The first block's parent is not the settled head.
    error WrongParent(bytes32 expected, bytes32 got);
    /// The block does not follow the settled head.
    error WrongBlockNumber(uint64 expected, uint64 got);
    /// The block's timestamp is after the L1 block's.
    error TimestampInFuture(uint64 timestamp, uint256 now);
    /// The block's gas limit is not the rollup's.
    error WrongGasLimit(uint64 expected, uint64 got);
    /// The block anchors a root this contract never produced.
    error UnknownAnchor(bytes32 anchor);
    /// The block anchors an older message root than its predecessor.
    error AnchorMovedBack(uint64 settledCount, uint64 anchorCount);
    /// The block anchors a message root superseded more than `MAX_ANCHOR_AGE` before its time.
    error AnchorTooOld(bytes32 anchor, uint64 supersededAt, uint64 timestamp);
    /// A message's value exceeds what was paid.
    error ValueExceedsPayment(uint256 value, uint256 paid);
    /// A message's gas limit exceeds the L2 block gas limit.
    error GasLimitTooHigh(uint64 gasLimit, uint64 max);
    /// No settled state root at that ring index.
    error UnknownStateRoot(uint256 ring);
    /// The account proof of the L2 bridge does not verify against the state root.
    error InvalidAccountProof();
    /// The storage proof does not show the withdrawal recorded by the L2 bridge.
    error InvalidStorageProof();
    /// The withdrawal was paid already.
    error WithdrawalAlreadyClaimed(uint256 nonce);
    /// No fees are owed.
    error NoFeesOwed();
    /// Sending ETH failed.
    error TransferFailed(address to, uint256 value);
    /// A resolution was given but no forced transaction is queued.
    error NoForcedTransaction();
    /// A forced transaction whose deadline this settlement reaches was left unresolved.
    error ForcedTransactionDue(uint32 index, uint64 deadline);
    /// A non-inclusion resolution for a forced transaction this settlement does not make due.
    error ForcedTransactionNotDue(uint32 index, uint64 deadline);
    /// The inclusion proof names a block this settlement does not settle.
    error InclusionBlockNotSettled(bytes32 blockHash);
    /// The block header does not hold a transactions root.
    error MalformedHeader();
    /// The transaction-trie proof does not show the forced transaction at that index.
    error ForcedTransactionNotIncluded(uint32 index);
    /// The sender's nonce and balance make the forced transaction valid after the settlement.
    error ForcedTransactionValid(uint32 index);
    /// The sender's nonce after the settlement does not pass the forced transaction's.
    error ForcedTransactionNonceNotSpent(uint32 index);
    /// The forced transaction's max fee covers the base fee of a block settled since it was queued.
    error ForcedTransactionFeeCovers(uint32 index);
    /// No such resolution kind.
    error UnknownResolution(uint8 kind);
    /// A schema id whose fork the contract does not model (its forced-transaction rules): the
    /// forks Paris to Osaka and Amsterdam, revision 1.
    error UnsupportedSchema(uint16 schemaId);

    /// @param chainId the L2 chain id.
    /// @param schemaId the EXECUTE schema id of its blocks.
    /// @param genesisHash, genesisStateRoot the L2 genesis block.
    /// @param l2GasLimit the L2 block gas limit.
    /// @param feeRecipient who burned L2 base fees are credited to.
    /// @param forcedInclusionDelay seconds before a forced transaction must be resolved.
    /// @param maxAnchorAge seconds an L2 block may anchor a superseded message root.
    /// The value sent backs the ETH the L2 genesis gives to accounts other than the bridge.
    constructor(
        uint64 chainId,
        uint16 schemaId,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        uint64 l2GasLimit,
        address feeRecipient,
        uint64 forcedInclusionDelay,
        uint64 maxAnchorAge
    ) payable {
        if (schemaId & 0xff != 1 || !ForcedTransaction.modelsFork(uint8(schemaId >> 8))) {
            revert UnsupportedSchema(schemaId);
        }
        FORCED_INCLUSION_DELAY = forcedInclusionDelay;
        MAX_ANCHOR_AGE = maxAnchorAge;
        CHAIN_ID = chainId;
        SCHEMA_ID = schemaId;
        L2_GAS_LIMIT = l2GasLimit;
        FEE_RECIPIENT = feeRecipient;
        headHash = genesisHash;
        stateRoots[0] = genesisStateRoot;
        bytes32 empty = MessageTree.emptyRoot();
        anchors[empty].count = 1;
        // Never zero, so a reset is a rewrite rather than a fresh slot.
        minBaseFeeWhileForced = type(uint128).max;
        anchoredCount = 1;
        emit Settled(0, genesisHash, genesisStateRoot, empty, 0, 0);
    }

    // ---------------------------------------------------------------- settlement

    /// What a settlement learned from the blocks it settles, and where it stands.
    struct Progress {
        L2Block last;
        bytes32 hash;
        uint64 number;
        uint32 anchored;
        bytes32 anchor;
        /// When `anchor` was superseded (0: it is the newest root).
        uint64 anchorSupersededAt;
        uint256 fees;
        uint256 minBaseFee;
        /// `minBaseFeeWhileForced` with this settlement's blocks folded in.
        uint256 forcedMinBaseFee;
        bytes32[] hashes;
    }

    /// @notice Settles the next L2 block, or a contiguous range: `input` is EXECUTE's input in
    /// any mode, passed unchanged. Re-execution: one block, or `0xFF01` and a range. Proofs:
    /// `0xFF02 ++ SSZ ProofInput` (the statement, its proofs, and the KZG openings binding it
    /// to this transaction's blobs, which carry the blocks) or `0xFF03 ++ SSZ DependencyInput`
    /// (the same without the proofs, which travel in the transaction's sidecar and were
    /// verified by the node). Every mode returns the same output, a summary of each validated
    /// block, and every block field used here is read from it. `resolutions` resolve forced
    /// transactions in queue order: every one past its deadline must be resolved, later ones
    /// may be.
    function settle(bytes calldata input, Resolution[] calldata resolutions) external {
        bytes memory out = _execute(input);
        (uint256 blocks, uint256 summaries, bool ok, uint64 chainId, uint16 schemaId) = ExecuteOutput.read(out);
        if (!ok) revert ValidationUnsuccessful();
        if (chainId != CHAIN_ID) revert WrongChainId(CHAIN_ID, chainId);
        if (schemaId != SCHEMA_ID) revert WrongSchema(SCHEMA_ID, schemaId);
        Progress memory s = _start(blocks);
        L2Block memory b = s.last;
        for (uint256 i; i < blocks; ++i) {
            ExecuteOutput.readBlock(out, summaries, i, b);
            _follow(s, b, i);
        }
        _finish(s, resolutions);
    }

    /// Runs EXECUTE on `input`; its output, or a revert if it halted.
    function _execute(bytes calldata input) private view returns (bytes memory out) {
        bool ok;
        (ok, out) = EXECUTE.staticcall(input);
        if (!ok || out.length == 0) revert ExecuteRejected();
    }

    function _start(uint256 blocks) private view returns (Progress memory s) {
        (s.hash, s.number, s.anchored) = (headHash, headNumber, anchoredCount);
        s.hashes = new bytes32[](blocks);
        s.minBaseFee = type(uint256).max;
    }

    /// The rules a validated block `b`, the `i`-th of this settlement, must meet to extend
    /// the settled head: one definition for both modes.
    function _follow(Progress memory s, L2Block memory b, uint256 i) private view {
        if (b.parentHash != s.hash) revert WrongParent(s.hash, b.parentHash);
        if (b.number != s.number + 1) revert WrongBlockNumber(s.number + 1, b.number);
        if (b.timestamp > block.timestamp) revert TimestampInFuture(b.timestamp, block.timestamp);
        if (b.gasLimit != L2_GAS_LIMIT) revert WrongGasLimit(L2_GAS_LIMIT, b.gasLimit);
        if (i == 0 || b.anchor != s.anchor) {
            // Blocks of a range mostly share an anchor: look each one up once.
            s.anchor = b.anchor;
            Anchor memory a = anchors[b.anchor];
            if (a.count == 0) revert UnknownAnchor(b.anchor);
            if (a.count < s.anchored) revert AnchorMovedBack(s.anchored, a.count);
            (s.anchored, s.anchorSupersededAt) = (a.count, a.supersededAt);
        }
        uint64 superseded = s.anchorSupersededAt;
        if (superseded != 0 && b.timestamp > superseded + MAX_ANCHOR_AGE) {
            revert AnchorTooOld(b.anchor, superseded, b.timestamp);
        }
        s.fees += b.burned;
        if (b.baseFee < s.minBaseFee) s.minBaseFee = b.baseFee;
        s.hashes[i] = b.blockHash;
        (s.hash, s.number) = (b.blockHash, b.number);
    }

    /// Resolves forced transactions, then moves the head (one slot for the head hash, one
    /// for number, anchor, fees and queue head; one ring slot for the state root).
    function _finish(Progress memory s, Resolution[] calldata resolutions) private {
        L2Block memory last = s.last;
        (uint32 head, uint32 tail) = (forcedHead, forcedTail);
        if (head < tail) {
            // Every queued transaction's window holds this settlement's blocks.
            uint256 m = minBaseFeeWhileForced;
            if (s.minBaseFee < m) {
                m = s.minBaseFee;
                minBaseFeeWhileForced = uint128(m);
            }
            s.forcedMinBaseFee = m;
            head = _resolveForced(s, resolutions, head, tail);
            // Due in L2 time: a settler lagging behind the L2 settles older blocks freely, and
            // the L2's clock never runs ahead of the L1's (`TimestampInFuture`).
            if (head < tail) {
                uint64 deadline = forcedQueue[head].deadline;
                if (deadline <= last.timestamp) revert ForcedTransactionDue(head, deadline);
            }
        } else if (resolutions.length != 0) {
            revert NoForcedTransaction();
        }
        headHash = last.blockHash;
        (headNumber, anchoredCount, feesOwed, forcedHead) =
            (last.number, s.anchored, SafeCast.toUint96(feesOwed + s.fees), head);
        stateRoots[last.number % STATE_ROOT_RING] = last.stateRoot;
        emit Settled(last.number, last.blockHash, last.stateRoot, last.anchor, uint64(s.hashes.length), s.fees);
    }

    // ---------------------------------------------------------------- forced inclusion

    /// @notice Queues a signed L2 transaction (its network encoding) that every settlement
    /// after `FORCED_INCLUSION_DELAY` seconds must include or prove invalid: the sequencer
    /// cannot censor it, and an invalid one cannot halt the rollup.
    function forceTransaction(bytes calldata transaction) external returns (uint32 index) {
        ForcedTx memory t = ForcedTransaction.decode(transaction, CHAIN_ID, L2_GAS_LIMIT, uint8(SCHEMA_ID >> 8));
        t.deadline = uint64(block.timestamp) + FORCED_INCLUSION_DELAY;
        index = forcedTail;
        // A new window: blocks settled before now are not in it.
        if (forcedHead == index && minBaseFeeWhileForced != type(uint128).max) {
            minBaseFeeWhileForced = type(uint128).max;
        }
        forcedQueue[index] = t;
        forcedTail = index + 1;
        emit ForcedTransactionQueued(index, t.txHash, t.sender, t.nonce, t.deadline, transaction);
    }

    /// Resolves queued forced transactions from the head, one per resolution; returns the new head.
    function _resolveForced(Progress memory s, Resolution[] calldata resolutions, uint32 head, uint32 tail)
        private
        returns (uint32)
    {
        for (uint256 r; r < resolutions.length; ++r) {
            if (head >= tail) revert NoForcedTransaction();
            _resolve(head, forcedQueue[head], resolutions[r], s);
            emit ForcedTransactionResolved(head, resolutions[r].kind);
            ++head;
        }
        return head;
    }

    function _resolve(uint32 index, ForcedTx storage t, Resolution calldata r, Progress memory s) private view {
        if (r.kind == INCLUDED) {
            if (!_included(t.txHash, r, s.hashes)) revert ForcedTransactionNotIncluded(index);
        } else if (r.kind == NONCE_SPENT) {
            (uint256 nonce,) = _account(s.last.stateRoot, t.sender, r.proof);
            if (nonce <= t.nonce) revert ForcedTransactionNonceNotSpent(index);
        } else if (r.kind == INVALID_AFTER || r.kind == FEE_BELOW_BASE_FEE) {
            // Not included is a verdict only at the deadline: before it the sender may still
            // fix its nonce or balance, and the base fee may still fall.
            uint64 deadline = t.deadline;
            if (deadline > s.last.timestamp) revert ForcedTransactionNotDue(index, deadline);
            if (r.kind == INVALID_AFTER) {
                // After this settlement's blocks, which hold the earlier queued transactions
                // that were included: a chain of forced nonces is judged in order.
                (uint256 nonce, uint256 balance) = _account(s.last.stateRoot, t.sender, r.proof);
                if (nonce == t.nonce && balance >= t.maxCost) revert ForcedTransactionValid(index);
            } else if (t.maxFeePerGas >= s.forcedMinBaseFee) {
                revert ForcedTransactionFeeCovers(index);
            }
        } else {
            revert UnknownResolution(r.kind);
        }
    }

    /// Whether `r` proves the transaction of hash `txHash` at `r.txIndex` in the block of
    /// header `r.header`, one of `settled`.
    function _included(bytes32 txHash, Resolution calldata r, bytes32[] memory settled) private pure returns (bool) {
        bytes32 root = _transactionsRoot(r.header, settled);
        (bytes32 key, uint256 nibbles) = _indexKey(r.txIndex);
        (MerklePatricia.Verdict verdict, uint256 value, uint256 size) = MerklePatricia.get(root, key, nibbles, r.proof);
        return verdict == MerklePatricia.Verdict.Present && _hashCalldata(value, size) == txHash;
    }

    /// The transactions root of `header`, which must hash to one of `settled`.
    function _transactionsRoot(bytes calldata header, bytes32[] memory settled) private pure returns (bytes32) {
        bytes32 blockHash = keccak256(header);
        bool found;
        for (uint256 i; i < settled.length && !found; ++i) {
            found = settled[i] == blockHash;
        }
        if (!found) revert InclusionBlockNotSettled(blockHash);
        uint256 offset;
        assembly ("memory-safe") {
            offset := header.offset
        }
        (bool ok, uint256 root, uint256 len) = Rlp.field(offset, header.length, 4);
        if (!ok || len != 32) revert MalformedHeader();
        return bytes32(_load(root));
    }

    /// `rlp(index)`, the transaction trie's key, left-aligned, and its length in nibbles.
    function _indexKey(uint256 index) private pure returns (bytes32, uint256) {
        if (index == 0) return (bytes32(uint256(0x80) << 248), 2);
        if (index < 0x80) return (bytes32(index << 248), 2);
        if (index < 0x100) return (bytes32(((0x81 << 8) | index) << 240), 4);
        if (index < 0x10000) return (bytes32(((0x82 << 16) | index) << 232), 6);
        return (bytes32(0), 0);
    }

    /// Nonce and balance of `account` under `root` (zero when proven absent).
    function _account(bytes32 root, address account, bytes[] calldata proof)
        private
        pure
        returns (uint256 nonce, uint256 balance)
    {
        (MerklePatricia.Verdict verdict, uint256 offset, uint256 len) =
            MerklePatricia.get(root, keccak256(abi.encodePacked(account)), proof);
        if (verdict == MerklePatricia.Verdict.Absent) return (0, 0);
        if (verdict != MerklePatricia.Verdict.Present) revert InvalidAccountProof();
        bool ok;
        uint256 field;
        uint256 size;
        (ok, field, size) = Rlp.field(offset, len, 0);
        if (ok) (ok, nonce) = Rlp.uintAt(field, size);
        if (!ok) revert InvalidAccountProof();
        (ok, field, size) = Rlp.field(offset, len, 1);
        if (ok) (ok, balance) = Rlp.uintAt(field, size);
        if (!ok) revert InvalidAccountProof();
    }

    function _load(uint256 offset) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(offset)
        }
    }

    function _hashCalldata(uint256 offset, uint256 length) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, offset, length)
            h := keccak256(ptr, length)
        }
    }

    /// @notice Pays the credited base fees to `FEE_RECIPIENT` (anyone may trigger it).
    function payFees() external {
        uint256 owed = feesOwed;
        if (owed == 0) revert NoFeesOwed();
        feesOwed = 0;
        emit FeesPaid(FEE_RECIPIENT, owed);
        _pay(FEE_RECIPIENT, owed);
    }

    /// The newest settled state root.
    function headStateRoot() external view returns (bytes32) {
        return stateRoots[headNumber % STATE_ROOT_RING];
    }

    // ---------------------------------------------------------------- L1 -> L2

    /// @notice Deposits the ETH sent to `to` on the L2 (claimed there without a fee).
    function depositETH(address to) external payable returns (uint64) {
        return _enqueue(to, msg.value, 0, 0, msg.data[0:0]);
    }

    /// @notice Sends `value` and a call with `data` (at most `gasLimit` gas, all when 0) to
    /// `to` on the L2; what is paid above `value` is the fee of whoever claims it there.
    function sendMessage(address to, uint256 value, bytes calldata data, uint64 gasLimit)
        external
        payable
        returns (uint64)
    {
        if (value > msg.value) revert ValueExceedsPayment(value, msg.value);
        if (gasLimit > L2_GAS_LIMIT) revert GasLimitTooHigh(gasLimit, L2_GAS_LIMIT);
        return _enqueue(to, value, msg.value - value, gasLimit, data);
    }

    function _enqueue(address to, uint256 value, uint256 fee, uint64 gasLimit, bytes calldata data)
        private
        returns (uint64 index)
    {
        index = messages.count;
        // The root it supersedes starts its age (`MAX_ANCHOR_AGE`).
        anchors[MessageTree.rootAfter(messages, index)].supersededAt = uint64(block.timestamp);
        bytes32 leaf = Messages.leafOf(index, msg.sender, to, value, fee, gasLimit, data);
        (, bytes32 root) = MessageTree.append(messages, leaf);
        anchors[root].count = uint32(index) + 2;
        emit MessageSent(index, msg.sender, to, value, fee, gasLimit, data, root);
    }

    /// Messages sent so far.
    function messageCount() external view returns (uint64) {
        return messages.count;
    }

    /// The message tree's current root.
    function messageRoot() external view returns (bytes32) {
        return MessageTree.rootAfter(messages, messages.count);
    }

    // ---------------------------------------------------------------- L2 -> L1

    /// @notice Pays a withdrawal the L2 bridge recorded, proven against the settled state
    /// root at `ring` by the bridge's account proof and the storage proof of its record
    /// (`eth_getProof` format). Settlement was validity-checked, so no challenge period.
    function claimWithdrawal(
        Withdrawal calldata w,
        uint256 ring,
        bytes[] calldata accountProof,
        bytes[] calldata storageProof
    ) external {
        bytes32 root = ring < STATE_ROOT_RING ? stateRoots[ring] : bytes32(0);
        if (root == 0) revert UnknownStateRoot(ring);
        bytes32 h = Withdrawals.hash(w);
        uint256 word = w.nonce >> 8;
        uint256 bit = 1 << (w.nonce & 0xff);
        uint256 bits = claimedWithdrawals[word];
        if (bits & bit != 0) revert WithdrawalAlreadyClaimed(w.nonce);

        bytes32 storageRoot = _storageRootOf(root, L2_BRIDGE, accountProof);
        if (_storageValue(storageRoot, Withdrawals.slotOf(h), storageProof) != 1) revert InvalidStorageProof();

        claimedWithdrawals[word] = bits | bit;
        emit WithdrawalClaimed(h, w.to, w.value);
        _pay(w.to, w.value);
    }

    /// Whether the withdrawal of `nonce` was paid.
    function withdrawalClaimed(uint256 nonce) external view returns (bool) {
        return claimedWithdrawals[nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// The value of `slot` under `storageRoot`, by its storage proof (0 when proven absent).
    function _storageValue(bytes32 storageRoot, bytes32 slot, bytes[] calldata proof) private pure returns (uint256) {
        (MerklePatricia.Verdict verdict, uint256 offset, uint256 len) =
            MerklePatricia.get(storageRoot, keccak256(abi.encode(slot)), proof);
        if (verdict == MerklePatricia.Verdict.Absent) return 0;
        if (verdict != MerklePatricia.Verdict.Present) revert InvalidStorageProof();
        (bool ok, uint256 value) = Rlp.rlpUint(offset, len);
        if (!ok) revert InvalidStorageProof();
        return value;
    }

    /// The storage root of `account` under state root `root`, by its account proof.
    function _storageRootOf(bytes32 root, address account, bytes[] calldata proof) private pure returns (bytes32) {
        (MerklePatricia.Verdict verdict, uint256 offset, uint256 len) =
            MerklePatricia.get(root, keccak256(abi.encodePacked(account)), proof);
        if (verdict != MerklePatricia.Verdict.Present) revert InvalidAccountProof();
        (bool ok, uint256 field, uint256 fieldLen) = Rlp.field(offset, len, 2);
        if (!ok || fieldLen != 32) revert InvalidAccountProof();
        bytes32 storageRoot;
        assembly ("memory-safe") {
            storageRoot := calldataload(field)
        }
        return storageRoot;
    }

    function _pay(address to, uint256 value) private {
        (bool ok,) = to.call{value: value}("");
        if (!ok) revert TransferFailed(to, value);
    }
}
