// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {Test} from "./Vm.sol";
import {Ssz, OneLeafTrie, TreePaths} from "./Ssz.sol";
import {NativeRollup, Resolution} from "../src/NativeRollup.sol";
import {L2Bridge} from "../src/L2Bridge.sol";
import {L2Block, ExecuteOutput} from "../src/ExecuteOutput.sol";
import {MessageTree, Message, Withdrawal, Withdrawals} from "../src/MessageTree.sol";

/// Stands in for EXECUTE at 0x0101 (forge's EVM has none): returns the configured output, or
/// halts (fails with no data) as EXECUTE does on an invalid block.
contract StandInExecute {
    bytes internal out;
    bool internal halt;

    function configure(bytes calldata out_, bool halt_) external {
        out = out_;
        halt = halt_;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        if (halt) revert();
        return out;
    }
}

/// Stands in for EIP-4788's contract on the L2: one root per timestamp.
contract StandInBeaconRoots {
    mapping(uint256 => bytes32) internal roots;

    function put(uint256 timestamp, bytes32 root) external {
        roots[timestamp] = root;
    }

    fallback(bytes calldata input) external returns (bytes memory) {
        bytes32 root = roots[abi.decode(input, (uint256))];
        if (root == 0) revert();
        return abi.encode(root);
    }
}

contract Reverter {
    receive() external payable {
        revert();
    }
}

/// A rollup of chain 901 (Osaka blocks) after its genesis, EXECUTE stood in, at L1 time 1000.
abstract contract RollupFixture is Test {
    uint64 constant CHAIN = 901;
    uint16 constant SCHEMA = 0x1201;
    uint64 constant GAS_LIMIT = 15_000_000;
    address constant FEES = address(0xFEE5);
    bytes32 constant GENESIS = bytes32(uint256(0x6e));
    /// EXECUTE's input: opaque to the contract, which reads only the output.
    bytes constant INPUT = hex"1201";

    NativeRollup rollup;
    Resolution[] none;
    StandInExecute execute = StandInExecute(address(0x0101));

    function setUp() public {
        vm.etch(address(0x0101), address(new StandInExecute()).code);
        vm.warp(1000);
        rollup = new NativeRollup(CHAIN, SCHEMA, GENESIS, bytes32(uint256(0x5707)), GAS_LIMIT, FEES, 3600, 1800);
    }
}

contract NativeRollupTest is RollupFixture {
    function blockAfter(bytes32 parent, uint64 number) internal view returns (L2Block memory b) {
        b.parentHash = parent;
        b.stateRoot = keccak256(abi.encode("state", number));
        b.number = number;
        b.gasLimit = GAS_LIMIT;
        b.burned = 7 * 21_000;
        b.timestamp = 100 + number;
        b.baseFee = 7;
        b.blockHash = keccak256(abi.encode("block", number));
        b.anchor = rollup.messageRoot();
    }

    function settleOne(L2Block memory b) internal {
        execute.configure(Ssz.output(CHAIN, SCHEMA, b), false);
        rollup.settle(INPUT, none);
    }

    function expectSettleRevert(L2Block memory b, bytes memory err) internal {
        execute.configure(Ssz.output(CHAIN, SCHEMA, b), false);
        bytes memory input = INPUT;
        vm.expectRevert(err);
        rollup.settle(input, none);
    }

    // ------------------------------------------------------------ settlement

    function test_settle_one_block_moves_the_head() public {
        L2Block memory b = blockAfter(GENESIS, 1);
        settleOne(b);
        assertEq(rollup.headHash(), b.blockHash, "head hash");
        assertEq(rollup.headNumber(), 1, "head number");
        assertEq(rollup.headStateRoot(), b.stateRoot, "state root in the ring");
        assertEq(rollup.stateRoots(1), b.stateRoot, "ring slot of block 1");
        assertEq(rollup.feesOwed(), 7 * 21_000, "burned base fee credited");
    }

    function test_settle_a_range() public {
        L2Block[] memory bs = new L2Block[](3);
        bytes32 parent = GENESIS;
        for (uint64 i; i < 3; ++i) {
            bs[i] = blockAfter(parent, i + 1);
            parent = bs[i].blockHash;
        }
        execute.configure(Ssz.rangeOutput(CHAIN, SCHEMA, bs), false);
        rollup.settle(INPUT, none);
        assertEq(rollup.headHash(), bs[2].blockHash, "head is the last block");
        assertEq(rollup.headNumber(), 3, "head number");
        assertEq(rollup.stateRoots(2), bytes32(0), "one ring slot per settlement");
        assertEq(rollup.headStateRoot(), bs[2].stateRoot, "last state root");
        assertEq(rollup.feesOwed(), 3 * 7 * 21_000, "fees of all three");
    }

    function test_range_with_a_gap_in_numbers_reverts() public {
        L2Block[] memory bs = new L2Block[](2);
        bs[0] = blockAfter(GENESIS, 1);
        bs[1] = blockAfter(bs[0].blockHash, 3);
        execute.configure(Ssz.rangeOutput(CHAIN, SCHEMA, bs), false);
        bytes memory input = INPUT;
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.WrongBlockNumber.selector, 2, 3));
        rollup.settle(input, none);
    }

    function test_halted_execute_reverts_in_every_mode() public {
        execute.configure("", true);
        vm.expectRevert(NativeRollup.ExecuteRejected.selector);
        rollup.settle(INPUT, none);
        vm.expectRevert(NativeRollup.ExecuteRejected.selector);
        rollup.settle(hex"ff02", none);
        vm.expectRevert(NativeRollup.ExecuteRejected.selector);
        rollup.settle(hex"ff03", none);
    }

    function test_unsuccessful_result_reverts() public {
        bytes memory out = Ssz.output(CHAIN, SCHEMA, blockAfter(GENESIS, 1));
        out[32] = 0x00;
        execute.configure(out, false);
        vm.expectRevert(NativeRollup.ValidationUnsuccessful.selector);
        rollup.settle(INPUT, none);
    }

    function test_output_of_the_wrong_shape_reverts() public {
        L2Block[] memory bs = new L2Block[](1);
        bs[0] = blockAfter(GENESIS, 1);
        bytes memory out = Ssz.rangeOutput(CHAIN, SCHEMA, bs);
        // A result without its summary, a summary cut short, a range of no block.
        bytes memory bare = Ssz.output(CHAIN, SCHEMA, bs[0]);
        assembly {
            mstore(bare, 43)
        }
        execute.configure(bare, false);
        vm.expectRevert(abi.encodeWithSelector(ExecuteOutput.MalformedOutput.selector, 43));
        rollup.settle(INPUT, none);
        assembly {
            mstore(out, sub(mload(out), 1))
        }
        execute.configure(out, false);
        vm.expectRevert(abi.encodeWithSelector(ExecuteOutput.MalformedOutput.selector, 222));
        rollup.settle(INPUT, none);
        execute.configure(Ssz.rangeOutput(CHAIN, SCHEMA, new L2Block[](0)), false);
        vm.expectRevert(abi.encodeWithSelector(ExecuteOutput.MalformedOutput.selector, 15));
        rollup.settle(INPUT, none);
        // A range whose list offset is not 15.
        out = Ssz.rangeOutput(CHAIN, SCHEMA, bs);
        out[0] = 0x10;
        execute.configure(out, false);
        vm.expectRevert(abi.encodeWithSelector(ExecuteOutput.MalformedOutput.selector, 223));
        rollup.settle(INPUT, none);
    }

    function test_a_range_of_one_settles_like_one_block() public {
        L2Block[] memory bs = new L2Block[](1);
        bs[0] = blockAfter(GENESIS, 1);
        execute.configure(Ssz.rangeOutput(CHAIN, SCHEMA, bs), false);
        rollup.settle(hex"ff01", none);
        assertEq(rollup.headHash(), bs[0].blockHash, "head");
        assertEq(rollup.feesOwed(), bs[0].burned, "fees");
    }

    function test_fees_credited_are_the_burn_the_output_reports() public {
        // From Amsterdam on the header's gas used is not what the base fee burned: the
        // contract credits EXECUTE's figure, whatever the gas used.
        L2Block memory b = blockAfter(GENESIS, 1);
        b.burned = 123_456_789;
        settleOne(b);
        assertEq(rollup.feesOwed(), 123_456_789, "the burn, exactly");
    }

    function test_other_chain_id_reverts() public {
        execute.configure(Ssz.output(902, SCHEMA, blockAfter(GENESIS, 1)), false);
        bytes memory input = INPUT;
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.WrongChainId.selector, CHAIN, 902));
        rollup.settle(input, none);
    }

    function test_other_schema_reverts() public {
        execute.configure(Ssz.output(CHAIN, 0x1101, blockAfter(GENESIS, 1)), false);
        bytes memory input = INPUT;
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.WrongSchema.selector, SCHEMA, 0x1101));
        rollup.settle(input, none);
    }

    function test_every_mode_settles_through_the_same_output() public {
        L2Block memory b = blockAfter(GENESIS, 1);
        execute.configure(Ssz.output(CHAIN, SCHEMA, b), false);
        rollup.settle(hex"ff02", none);
        assertEq(rollup.headHash(), b.blockHash, "proof mode");
        L2Block memory c = blockAfter(b.blockHash, 2);
        execute.configure(Ssz.output(CHAIN, SCHEMA, c), false);
        rollup.settle(hex"ff03", none);
        assertEq(rollup.headHash(), c.blockHash, "dependency mode");
        assertEq(rollup.headStateRoot(), c.stateRoot, "state root from the output");
    }

    function test_wrong_parent_reverts() public {
        L2Block memory b = blockAfter(bytes32(uint256(1)), 1);
        expectSettleRevert(b, abi.encodeWithSelector(NativeRollup.WrongParent.selector, GENESIS, bytes32(uint256(1))));
    }

    function test_replayed_block_reverts() public {
        L2Block memory b = blockAfter(GENESIS, 1);
        settleOne(b);
        expectSettleRevert(b, abi.encodeWithSelector(NativeRollup.WrongParent.selector, b.blockHash, GENESIS));
    }

    function test_skipped_block_reverts() public {
        L2Block memory b = blockAfter(GENESIS, 2);
        expectSettleRevert(b, abi.encodeWithSelector(NativeRollup.WrongBlockNumber.selector, 1, 2));
    }

    function test_future_timestamp_reverts() public {
        L2Block memory b = blockAfter(GENESIS, 1);
        b.timestamp = 1001;
        expectSettleRevert(b, abi.encodeWithSelector(NativeRollup.TimestampInFuture.selector, 1001, 1000));
    }

    function test_wrong_gas_limit_reverts() public {
        L2Block memory b = blockAfter(GENESIS, 1);
        b.gasLimit = GAS_LIMIT + 1;
        expectSettleRevert(b, abi.encodeWithSelector(NativeRollup.WrongGasLimit.selector, GAS_LIMIT, GAS_LIMIT + 1));
    }

    function test_unknown_anchor_reverts() public {
        L2Block memory b = blockAfter(GENESIS, 1);
        b.anchor = bytes32(uint256(42));
        expectSettleRevert(b, abi.encodeWithSelector(NativeRollup.UnknownAnchor.selector, b.anchor));
    }

    function test_anchor_moving_back_reverts() public {
        bytes32 empty = rollup.messageRoot();
        rollup.depositETH{value: 1}(address(this));
        L2Block memory b1 = blockAfter(GENESIS, 1);
        assertTrue(b1.anchor != empty, "a deposit makes a new root");
        settleOne(b1);
        L2Block memory b2 = blockAfter(b1.blockHash, 2);
        b2.anchor = empty;
        expectSettleRevert(b2, abi.encodeWithSelector(NativeRollup.AnchorMovedBack.selector, 2, 1));
    }

    /// Scenario "anchor freeze": a sequencer cannot leave a message unanchored (and so
    /// unclaimable on the L2) for longer than `MAX_ANCHOR_AGE` of L2 time.
    function test_a_block_anchoring_a_root_superseded_too_long_ago_reverts() public {
        bytes32 empty = rollup.messageRoot();
        rollup.depositETH{value: 1}(address(this)); // at L1 time 1000: the empty root is superseded
        vm.warp(5000);
        L2Block memory b = blockAfter(GENESIS, 1);
        b.anchor = empty;
        b.timestamp = 1000 + 1800 + 1;
        expectSettleRevert(
            b, abi.encodeWithSelector(NativeRollup.AnchorTooOld.selector, empty, uint64(1000), b.timestamp)
        );
        // Within the age it settles, and the next block may keep the same anchor only as long.
        b.timestamp = 1000 + 1800;
        settleOne(b);
        L2Block memory b2 = blockAfter(b.blockHash, 2);
        b2.anchor = empty;
        b2.timestamp = b.timestamp + 1;
        expectSettleRevert(
            b2, abi.encodeWithSelector(NativeRollup.AnchorTooOld.selector, empty, uint64(1000), b2.timestamp)
        );
        // Anchoring the newest root (never superseded) has no age.
        b2.anchor = rollup.messageRoot();
        b2.timestamp = 4999;
        settleOne(b2);
        assertEq(rollup.headNumber(), 2, "settled with the newest anchor");
    }

    function test_a_range_with_a_stale_anchor_in_its_middle_reverts() public {
        bytes32 empty = rollup.messageRoot();
        rollup.depositETH{value: 1}(address(this));
        vm.warp(5000);
        L2Block[] memory bs = new L2Block[](3);
        bytes32 parent = GENESIS;
        for (uint64 i; i < 3; ++i) {
            bs[i] = blockAfter(parent, i + 1);
            bs[i].anchor = empty;
            bs[i].timestamp = 2799 + i; // the third is one second past the age
            parent = bs[i].blockHash;
        }
        execute.configure(Ssz.rangeOutput(CHAIN, SCHEMA, bs), false);
        bytes memory input = INPUT;
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.AnchorTooOld.selector, empty, uint64(1000), uint64(2801)));
        rollup.settle(input, none);
    }

    // ------------------------------------------------------------ messages

    function test_messages_make_anchors_in_order() public {
        bytes32 r0 = rollup.messageRoot();
        (uint32 count, uint64 superseded) = rollup.anchors(r0);
        assertEq(count, 1, "empty root is anchor 0");
        assertEq(superseded, 0, "the newest root is not superseded");
        rollup.depositETH{value: 5}(address(0xAAA1));
        bytes32 r1 = rollup.messageRoot();
        vm.warp(1010);
        rollup.sendMessage{value: 10}(address(0xAAA2), 8, hex"1234", 100_000);
        bytes32 r2 = rollup.messageRoot();
        (count, superseded) = rollup.anchors(r0);
        assertEq(superseded, 1000, "the empty root superseded by the deposit");
        (count, superseded) = rollup.anchors(r1);
        assertEq(count, 2, "root after one message");
        assertEq(superseded, 1010, "superseded by the message");
        (count, superseded) = rollup.anchors(r2);
        assertEq(count, 3, "root after two messages");
        assertEq(superseded, 0, "the newest root");
        assertEq(rollup.messageCount(), 2, "count");
        assertEq(address(rollup).balance, 15, "escrowed");
    }

    function test_message_root_matches_an_independent_tree() public {
        bytes32[] memory leaves = new bytes32[](5);
        for (uint64 i; i < 5; ++i) {
            rollup.depositETH{value: i + 1}(address(uint160(0x100 + i)));
            leaves[i] = keccak256(
                abi.encode(i, address(this), address(uint160(0x100 + i)), uint256(i + 1), 0, uint64(0), keccak256(""))
            );
        }
        bytes32[] memory path = TreePaths.path(leaves, 3);
        bytes32 node = leaves[3];
        for (uint256 h; h < path.length; ++h) {
            node = (3 >> h) & 1 == 1 ? keccak256(abi.encode(path[h], node)) : keccak256(abi.encode(node, path[h]));
        }
        assertEq(node, rollup.messageRoot(), "incremental root = full tree root");
    }

    function test_message_value_above_payment_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.ValueExceedsPayment.selector, 11, 10));
        rollup.sendMessage{value: 10}(address(0xAAA2), 11, "", 0);
    }

    function test_message_gas_limit_above_the_block_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.GasLimitTooHigh.selector, GAS_LIMIT + 1, GAS_LIMIT));
        rollup.sendMessage{value: 1}(address(0xAAA2), 1, "", GAS_LIMIT + 1);
    }

    function test_a_full_message_tree_reverts() public {
        // `messages.count` sits after the 32 frontier slots (storage slot 34).
        vm.store(address(rollup), bytes32(uint256(34)), bytes32(uint256(type(uint32).max - 1)));
        vm.expectRevert(MessageTree.TreeFull.selector);
        rollup.depositETH{value: 1}(address(this));
    }

    function test_an_inclusion_proof_with_a_header_that_is_not_one_reverts() public {
        // A queued forced transaction (written straight into storage: queue tail 1, keeping
        // the anchored count of 1), due now.
        vm.store(address(rollup), bytes32(uint256(1)), bytes32((uint256(1) << 64) | (uint256(1) << 224)));
        bytes32 entry = keccak256(abi.encode(uint256(0), uint256(8228)));
        vm.store(address(rollup), bytes32(uint256(entry) + 2), bytes32(uint256(1)));
        // A settled "block" whose hash is that of bytes that are no header.
        L2Block memory b = blockAfter(GENESIS, 1);
        b.blockHash = keccak256(hex"c0");
        execute.configure(Ssz.output(CHAIN, SCHEMA, b), false);
        Resolution[] memory rs = new Resolution[](1);
        rs[0].kind = 0;
        rs[0].header = hex"c0";
        bytes memory input = INPUT;
        vm.expectRevert(NativeRollup.MalformedHeader.selector);
        rollup.settle(input, rs);
    }

    // ------------------------------------------------------------ fees

    function test_fees_are_paid_to_the_recipient_once() public {
        vm.deal(address(rollup), 1 ether);
        settleOne(blockAfter(GENESIS, 1));
        rollup.payFees();
        assertEq(FEES.balance, 7 * 21_000, "recipient paid");
        assertEq(rollup.feesOwed(), 0, "nothing left owed");
        vm.expectRevert(NativeRollup.NoFeesOwed.selector);
        rollup.payFees();
    }

    // ------------------------------------------------------------ withdrawals

    function withdrawalProofs(Withdrawal memory w)
        internal
        pure
        returns (bytes32 stateRoot, bytes[] memory accountProof, bytes[] memory storageProof)
    {
        bytes32 h = keccak256(abi.encode(w.nonce, w.from, w.to, w.value));
        bytes32 slot = keccak256(abi.encode(h, Withdrawals.MAPPING_SLOT));
        bytes32 storageRoot;
        (storageRoot, storageProof) = OneLeafTrie.build(keccak256(abi.encode(slot)), hex"01");
        (stateRoot, accountProof) = OneLeafTrie.build(
            keccak256(abi.encodePacked(rollup_L2_BRIDGE)), OneLeafTrie.account(1, 1 ether, storageRoot)
        );
    }

    address constant rollup_L2_BRIDGE = 0x000000000000000000000000000000000000b21D;

    function settleStateRoot(bytes32 stateRoot) internal {
        L2Block memory b = blockAfter(GENESIS, 1);
        b.stateRoot = stateRoot;
        settleOne(b);
    }

    function test_withdrawal_is_paid_once() public {
        Withdrawal memory w = Withdrawal(0, address(0xA11CE), address(0xB0B), 3 ether);
        (bytes32 root, bytes[] memory ap, bytes[] memory sp) = withdrawalProofs(w);
        settleStateRoot(root);
        vm.deal(address(rollup), 10 ether);
        rollup.claimWithdrawal(w, 1, ap, sp);
        assertEq(address(0xB0B).balance, 3 ether, "paid");
        bytes32 h = keccak256(abi.encode(w.nonce, w.from, w.to, w.value));
        assertTrue(rollup.withdrawalClaimed(0), "marked");
        h;
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.WithdrawalAlreadyClaimed.selector, 0));
        rollup.claimWithdrawal(w, 1, ap, sp);
    }

    function test_forged_withdrawal_reverts() public {
        Withdrawal memory w = Withdrawal(0, address(0xA11CE), address(0xB0B), 3 ether);
        (bytes32 root, bytes[] memory ap, bytes[] memory sp) = withdrawalProofs(w);
        settleStateRoot(root);
        vm.deal(address(rollup), 10 ether);
        w.value = 4 ether; // proofs of another withdrawal
        vm.expectRevert(NativeRollup.InvalidStorageProof.selector);
        rollup.claimWithdrawal(w, 1, ap, sp);
    }

    function test_withdrawal_against_an_unsettled_root_reverts() public {
        Withdrawal memory w = Withdrawal(0, address(0xA11CE), address(0xB0B), 3 ether);
        (, bytes[] memory ap, bytes[] memory sp) = withdrawalProofs(w);
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.UnknownStateRoot.selector, 5));
        rollup.claimWithdrawal(w, 5, ap, sp);
        vm.expectRevert(NativeRollup.InvalidAccountProof.selector);
        rollup.claimWithdrawal(w, 0, ap, sp); // genesis root: the proof is not against it
    }

    function test_withdrawal_to_a_refusing_account_reverts() public {
        address refusing = address(new Reverter());
        Withdrawal memory w = Withdrawal(0, address(0xA11CE), refusing, 1 ether);
        (bytes32 root, bytes[] memory ap, bytes[] memory sp) = withdrawalProofs(w);
        settleStateRoot(root);
        vm.deal(address(rollup), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(NativeRollup.TransferFailed.selector, refusing, 1 ether));
        rollup.claimWithdrawal(w, 1, ap, sp);
    }

    receive() external payable {}
}

contract L2BridgeTest is Test {
    L2Bridge bridge;
    StandInBeaconRoots roots = StandInBeaconRoots(0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02);

    function setUp() public {
        vm.etch(address(roots), address(new StandInBeaconRoots()).code);
        bridge = new L2Bridge();
        vm.deal(address(bridge), 1000 ether);
    }

    function message(uint64 index, address to, uint256 value, uint256 fee) internal view returns (Message memory) {
        return Message(index, address(this), to, value, fee, 0, "");
    }

    function leafOf(Message memory m) internal pure returns (bytes32) {
        return keccak256(abi.encode(m.index, m.sender, m.to, m.value, m.fee, m.gasLimit, keccak256(m.data)));
    }

    /// Anchors a tree of `ms` at timestamp 7 and returns the path of `ms[i]`.
    function anchor(Message[] memory ms, uint256 i) internal returns (bytes32[] memory) {
        bytes32[] memory leaves = new bytes32[](ms.length);
        for (uint256 j; j < ms.length; ++j) {
            leaves[j] = leafOf(ms[j]);
        }
        bytes32[] memory path = TreePaths.path(leaves, i);
        bytes32 node = leaves[i];
        for (uint256 h; h < path.length; ++h) {
            node = (i >> h) & 1 == 1 ? keccak256(abi.encode(path[h], node)) : keccak256(abi.encode(node, path[h]));
        }
        roots.put(7, node);
        return path;
    }

    function test_claim_pays_value_and_fee_once() public {
        Message[] memory ms = new Message[](3);
        ms[0] = message(0, address(0xAAA1), 1 ether, 0);
        ms[1] = message(1, address(0xAAA2), 2 ether, 0.1 ether);
        ms[2] = message(2, address(0xAAA3), 3 ether, 0);
        bytes32[] memory path = anchor(ms, 1);
        vm.prank(address(0x5E0));
        bridge.claimMessage(ms[1], 7, path);
        assertEq(address(0xAAA2).balance, 2 ether, "value paid");
        assertEq(address(0x5E0).balance, 0.1 ether, "relayer paid");
        assertTrue(bridge.isClaimed(1), "marked");
        vm.expectRevert(abi.encodeWithSelector(L2Bridge.MessageAlreadyClaimed.selector, 1));
        bridge.claimMessage(ms[1], 7, path);
    }

    function test_claim_with_a_wrong_path_or_message_reverts() public {
        Message[] memory ms = new Message[](2);
        ms[0] = message(0, address(0xAAA1), 1 ether, 0);
        ms[1] = message(1, address(0xAAA2), 2 ether, 0);
        bytes32[] memory path = anchor(ms, 0);
        ms[0].value = 5 ether;
        vm.expectRevert(L2Bridge.InvalidMessageProof.selector);
        bridge.claimMessage(ms[0], 7, path);
        ms[0].value = 1 ether;
        ms[0].index = 1; // the same leaf claimed at another position
        vm.expectRevert(L2Bridge.InvalidMessageProof.selector);
        bridge.claimMessage(ms[0], 7, path);
    }

    function test_claim_without_an_anchor_reverts() public {
        Message[] memory ms = new Message[](1);
        ms[0] = message(0, address(0xAAA1), 1 ether, 0);
        bytes32[] memory path = anchor(ms, 0);
        vm.expectRevert(abi.encodeWithSelector(L2Bridge.NoAnchorAt.selector, 8));
        bridge.claimMessage(ms[0], 8, path);
    }

    function test_a_relayer_refusing_its_fee_reverts() public {
        Message[] memory ms = new Message[](1);
        ms[0] = message(0, address(0xAAA1), 1 ether, 0.1 ether);
        bytes32[] memory path = anchor(ms, 0);
        address refusing = address(new Reverter());
        vm.prank(refusing);
        vm.expectRevert(abi.encodeWithSelector(L2Bridge.FeeTransferFailed.selector, refusing));
        bridge.claimMessage(ms[0], 7, path);
    }

    function test_failing_message_call_stays_claimable() public {
        Message[] memory ms = new Message[](1);
        ms[0] = message(0, address(new Reverter()), 1 ether, 0);
        bytes32[] memory path = anchor(ms, 0);
        vm.expectRevert(abi.encodeWithSelector(L2Bridge.MessageCallFailed.selector, 0));
        bridge.claimMessage(ms[0], 7, path);
        assertTrue(!bridge.isClaimed(0), "still claimable");
    }

    function test_withdraw_records_the_hash_in_its_slot() public {
        bytes32 h = bridge.withdraw{value: 2 ether}(address(0xB0B));
        assertEq(h, keccak256(abi.encode(uint256(0), address(this), address(0xB0B), uint256(2 ether))), "hash");
        assertTrue(bridge.withdrawals(h), "recorded");
        bytes32 slot = keccak256(abi.encode(h, Withdrawals.MAPPING_SLOT));
        assertEq(vm.load(address(bridge), slot), bytes32(uint256(1)), "at the slot L1 proves");
        assertEq(bridge.withdrawalCount(), 1, "nonce moved");
        vm.expectRevert(L2Bridge.ZeroWithdrawal.selector);
        bridge.withdraw(address(0xB0B));
    }
}
