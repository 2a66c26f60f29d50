// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {ExecuteInput, ExecuteOutput, L2Block} from "./ExecuteInput.sol";
import {MessageTree, Message, Messages, Withdrawal, Withdrawals} from "./MessageTree.sol";
import {MerklePatricia} from "./MerklePatricia.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title A native rollup's L1 contract: settlement through EXECUTE, L1 -> L2 messages and
/// deposits, L2 -> L1 withdrawals, and the credit of burned L2 base fees.
/// @notice One instance per L2 chain. Validity is EXECUTE's verdict, so settlement is
/// permissionless: anyone may settle the next valid L2 block(s). Every L2 field the contract
/// acts on is read from the bytes EXECUTE validated, never taken from the caller.
contract NativeRollup {
    /// The EXECUTE precompile.
    address public constant EXECUTE = address(0x0101);
    /// Settled state roots kept for withdrawal claims (the L2BEAT reference rollup's size).
    uint256 public constant STATE_ROOT_RING = 8191;
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

    /// Hash of the last settled L2 block.
    bytes32 public headHash;
    // One storage slot, written once per settlement:
    /// Number of the last settled L2 block.
    uint64 public headNumber;
    /// Message count (+1) of the last settled block's anchor: anchors never move back.
    uint64 public anchoredCount;
    /// Settlements so far: the ring slot of the newest settled state root is `settlements % STATE_ROOT_RING`.
    uint32 public settlements;
    /// Base fees credited to `FEE_RECIPIENT` and not yet paid out (2^96 wei: 79 billion ETH).
    uint96 public feesOwed;
    /// The L1 -> L2 message tree.
    MessageTree.Tree internal messages;
    /// Message count + 1 of every root the tree has had (0: never a root of this tree).
    mapping(bytes32 root => uint64) public anchors;
    /// Settled L2 state roots, newest at `settlements % STATE_ROOT_RING`.
    bytes32[STATE_ROOT_RING] public stateRoots;
    /// Withdrawals already paid on L1, one bit per withdrawal nonce (the L2 bridge numbers
    /// its withdrawals, and the proven hash commits to the nonce).
    mapping(uint256 word => uint256 bits) internal claimedWithdrawals;

    /// L2 blocks up to `number` are settled; `stateRoot` is claimable against at `ring`; the
    /// blocks burned `fees` in base fees, credited to the fee recipient.
    event Settled(
        uint64 indexed number,
        bytes32 blockHash,
        bytes32 stateRoot,
        bytes32 anchor,
        uint64 blocks,
        uint256 ring,
        uint256 fees
    );
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

    /// A proof-mode input was given to the re-execution entry point.
    error ProofModeInput();
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

    /// @param chainId the L2 chain id.
    /// @param schemaId the EXECUTE schema id of its blocks.
    /// @param genesisHash, genesisStateRoot the L2 genesis block.
    /// @param l2GasLimit the L2 block gas limit.
    /// @param feeRecipient who burned L2 base fees are credited to.
    /// The value sent backs the ETH the L2 genesis gives to accounts other than the bridge.
    constructor(
        uint64 chainId,
        uint16 schemaId,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        uint64 l2GasLimit,
        address feeRecipient
    ) payable {
        CHAIN_ID = chainId;
        SCHEMA_ID = schemaId;
        L2_GAS_LIMIT = l2GasLimit;
        FEE_RECIPIENT = feeRecipient;
        headHash = genesisHash;
        stateRoots[0] = genesisStateRoot;
        bytes32 empty = MessageTree.emptyRoot();
        anchors[empty] = 1;
        anchoredCount = 1;
        emit Settled(0, genesisHash, genesisStateRoot, empty, 0, 0, 0);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Settles the next L2 block, or a contiguous range, by re-execution: `input` is
    /// EXECUTE's re-execution input (one block, or `0xFF01` and a range), passed unchanged.
    function settle(bytes calldata input) external {
        if (ExecuteInput.prefix(input) == ExecuteInput.PROOF) revert ProofModeInput();
        (bool ok, bytes memory out) = EXECUTE.staticcall(input);
        if (!ok || out.length == 0) revert ExecuteRejected();
        (uint16 schemaId, uint256[] memory starts) = ExecuteInput.requests(input);
        bool range = ExecuteInput.prefix(input) == ExecuteInput.RANGE;
        (bool success, uint64 chainId, uint16 outSchema) = ExecuteOutput.read(out, starts.length, range);
        if (!success) revert ValidationUnsuccessful();
        if (chainId != CHAIN_ID) revert WrongChainId(CHAIN_ID, chainId);
        if (outSchema != SCHEMA_ID || schemaId != SCHEMA_ID) revert WrongSchema(SCHEMA_ID, outSchema);

        (L2Block memory last, uint64 anchored, uint256 fees) = _follow(input, starts);

        uint32 n = settlements + 1;
        uint256 ring = n % STATE_ROOT_RING;
        headHash = last.blockHash;
        (headNumber, anchoredCount, settlements, feesOwed) = (last.number, anchored, n, SafeCast.toUint96(feesOwed + fees));
        stateRoots[ring] = last.stateRoot;
        emit Settled(last.number, last.blockHash, last.stateRoot, last.anchor, uint64(starts.length), ring, fees);
    }

    /// Checks that the validated blocks at `starts` extend the settled head, one rule each;
    /// returns the last block, its anchor's message count and the base fees the blocks burned.
    function _follow(bytes calldata input, uint256[] memory starts)
        private
        view
        returns (L2Block memory b, uint64 anchored, uint256 fees)
    {
        bytes32 hash = headHash;
        uint64 number = headNumber;
        anchored = anchoredCount;
        bytes32 anchor;
        for (uint256 i; i < starts.length; ++i) {
            ExecuteInput.readBlock(input, starts[i], b);
            if (b.parentHash != hash) revert WrongParent(hash, b.parentHash);
            if (b.number != number + 1) revert WrongBlockNumber(number + 1, b.number);
            if (b.timestamp > block.timestamp) revert TimestampInFuture(b.timestamp, block.timestamp);
            if (b.gasLimit != L2_GAS_LIMIT) revert WrongGasLimit(L2_GAS_LIMIT, b.gasLimit);
            if (i == 0 || b.anchor != anchor) {
                // Blocks of a range mostly share an anchor: look each one up once.
                anchor = b.anchor;
                uint64 count = anchors[anchor];
                if (count == 0) revert UnknownAnchor(anchor);
                if (count < anchored) revert AnchorMovedBack(anchored, count);
                anchored = count;
            }
            fees += b.baseFee * b.gasUsed;
            hash = b.blockHash;
            number = b.number;
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
        return stateRoots[settlements % STATE_ROOT_RING];
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
        bytes32 leaf = Messages.leafOf(index, msg.sender, to, value, fee, gasLimit, data);
        (, bytes32 root) = MessageTree.append(messages, leaf);
        anchors[root] = index + 2;
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
        (bool ok, uint256 value) = MerklePatricia.rlpUint(offset, len);
        if (!ok) revert InvalidStorageProof();
        return value;
    }

    /// The storage root of `account` under state root `root`, by its account proof.
    function _storageRootOf(bytes32 root, address account, bytes[] calldata proof) private pure returns (bytes32) {
        (MerklePatricia.Verdict verdict, uint256 offset, uint256 len) =
            MerklePatricia.get(root, keccak256(abi.encodePacked(account)), proof);
        if (verdict != MerklePatricia.Verdict.Present) revert InvalidAccountProof();
        (bool ok, uint256 field, uint256 fieldLen) = MerklePatricia.field(offset, len, 2);
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
