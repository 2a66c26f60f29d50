// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {Test} from "./Vm.sol";
import {Ssz, OneLeafTrie} from "./Ssz.sol";
import {StandInExecute} from "./NativeRollup.t.sol";
import {NativeRollup, Resolution} from "../src/NativeRollup.sol";
import {L2Block} from "../src/ExecuteOutput.sol";
import {Withdrawal, Withdrawals} from "../src/MessageTree.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";

/// Drives a rollup (EXECUTE stood in) the way its users and settlers do, at random: deposits,
/// L2 blocks that withdraw and burn fees, settlements, withdrawal claims, fee payouts, forced
/// transactions (resolved once due), and the moves an attacker tries (a rival block off the
/// settled chain, a claim paid twice). It keeps the L2's books: what the escrow owes.
contract RollupHandler is Test {
    uint64 constant CHAIN = 901;
    uint16 constant SCHEMA = 0x1201;
    uint64 constant GAS_LIMIT = 15_000_000;
    uint64 constant DELAY = 3600;
    address constant L2_BRIDGE = 0x000000000000000000000000000000000000b21D;
    uint256 constant FORCER_KEY = 0xA11CE;

    NativeRollup public immutable rollup;
    StandInExecute internal constant execute = StandInExecute(address(0x0101));

    /// ETH outside the bridge on the L2 (what its users may still withdraw).
    uint256 public l2Supply;
    /// Deposited on the L1 and not yet anchored by a settled block.
    uint256 public unanchored;
    /// Withdrawals settled and not yet paid on the L1.
    uint256 public claimable;
    /// Hashes of the settled blocks, by number (the genesis first).
    bytes32[] public hashes;

    Withdrawal[] internal withdrawals;
    uint64[] internal withdrawnIn;
    bool[] internal paid;
    uint64 internal forcedNonce;
    uint256 public forcedResolved;
    /// The newest settled block's timestamp.
    uint64 public lastTimestamp;

    constructor() payable {
        rollup = new NativeRollup{value: msg.value}(
            CHAIN, SCHEMA, bytes32(uint256(0x6e)), bytes32(uint256(0x5707)), GAS_LIMIT, address(0xFEE5), DELAY, 1800
        );
        l2Supply = msg.value;
        hashes.push(bytes32(uint256(0x6e)));
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return hi <= lo ? lo : lo + x % (hi - lo + 1);
    }

    function deposit(uint256 amount) external {
        amount = _bound(amount, 1, 10 ether);
        vm.deal(address(this), amount);
        rollup.depositETH{value: amount}(address(0xD0));
        unanchored += amount;
    }

    /// One L2 block after the settled head, at L1 time, anchoring every message: it burns
    /// `burned` in base fees and records at most one withdrawal (its state root proves it).
    function settle(uint256 withdrawSeed, uint256 feeSeed, uint256 waitSeed) external {
        vm.warp(block.timestamp + _bound(waitSeed, 1, 900));
        L2Block memory b;
        b.parentHash = hashes[hashes.length - 1];
        b.number = uint64(hashes.length);
        b.gasLimit = GAS_LIMIT;
        b.timestamp = uint64(block.timestamp);
        b.anchor = rollup.messageRoot();
        b.blockHash = keccak256(abi.encode("block", b.number, b.parentHash));
        uint256 supply = l2Supply + unanchored;
        b.baseFee = uint64(_bound(feeSeed, 7, 100 gwei));
        uint256 gas = _bound(feeSeed >> 64, 0, 1_000_000);
        if (b.baseFee * gas > supply) gas = 0;
        b.burned = uint128(b.baseFee * gas);
        uint256 burn = b.burned;
        uint256 value = _bound(withdrawSeed, 0, supply - burn);
        if (value == 0) {
            b.stateRoot = keccak256(abi.encode("state", b.number));
        } else {
            Withdrawal memory w = Withdrawal(uint64(withdrawals.length), address(0xA1), address(0xB0B), value);
            (b.stateRoot,,) = _proofs(w);
            withdrawals.push(w);
            withdrawnIn.push(b.number);
            paid.push(false);
        }
        Resolution[] memory rs = _dueResolutions(b.timestamp);
        bytes memory input = hex"1201";
        // A rival block on another parent never settles.
        bytes32 parent = b.parentHash;
        b.parentHash = keccak256("elsewhere");
        execute.configure(Ssz.output(CHAIN, SCHEMA, b), false);
        try rollup.settle(input, rs) {
            revert("a block off the settled chain settled");
        } catch {}
        b.parentHash = parent;
        execute.configure(Ssz.output(CHAIN, SCHEMA, b), false);
        // Nor does this block while it leaves a due forced transaction unresolved.
        if (rs.length != 0) {
            try rollup.settle(input, new Resolution[](0)) {
                revert("a settlement left a due forced transaction");
            } catch {}
        }
        rollup.settle(input, rs);
        forcedResolved += rs.length;
        lastTimestamp = b.timestamp;
        hashes.push(b.blockHash);
        l2Supply = supply - burn - value;
        unanchored = 0;
        claimable += value;
    }

    /// FEE_BELOW_BASE_FEE for every queued transaction due at `timestamp` (each max fee is
    /// 1 wei, under any base fee).
    function _dueResolutions(uint64 timestamp) internal view returns (Resolution[] memory rs) {
        uint32 head = rollup.forcedHead();
        uint32 end = head;
        while (end < rollup.forcedTail()) {
            (,,, uint64 deadline,,) = rollup.forcedQueue(end);
            if (deadline > timestamp) break;
            ++end;
        }
        rs = new Resolution[](end - head);
        for (uint256 i; i < rs.length; ++i) {
            rs[i].kind = rollup.FEE_BELOW_BASE_FEE();
        }
    }

    function claim(uint256 seed) external {
        if (withdrawals.length == 0) return;
        uint256 i = seed % withdrawals.length;
        Withdrawal memory w = withdrawals[i];
        (, bytes[] memory ap, bytes[] memory sp) = _proofs(w);
        uint256 ring = withdrawnIn[i] % rollup.STATE_ROOT_RING();
        if (paid[i]) {
            try rollup.claimWithdrawal(w, ring, ap, sp) {
                revert("a withdrawal was paid twice");
            } catch {}
            return;
        }
        rollup.claimWithdrawal(w, ring, ap, sp);
        paid[i] = true;
        claimable -= w.value;
    }

    function payFees() external {
        if (rollup.feesOwed() != 0) rollup.payFees();
    }

    /// Forces a transfer whose max fee (1 wei) no L2 block covers: settlements drop it once due.
    function force() external {
        uint256[] memory v = new uint256[](5);
        (v[0], v[1], v[2], v[3], v[4]) = (CHAIN, forcedNonce++, 1, 1, 21_000);
        bytes32 digest = keccak256(_encode(v, 0, 0, 0, true));
        (uint8 yParity, bytes32 r, bytes32 s) = vm.sign(FORCER_KEY, digest);
        rollup.forceTransaction(_encode(v, yParity - 27, uint256(r), uint256(s), false));
    }

    function _encode(uint256[] memory v, uint256 yParity, uint256 r, uint256 s, bool unsigned)
        internal
        pure
        returns (bytes memory)
    {
        bytes[] memory items = new bytes[](unsigned ? 9 : 12);
        for (uint256 i; i < 5; ++i) {
            items[i] = RLP.encode(v[i]);
        }
        items[5] = RLP.encode(address(0x5c));
        items[6] = RLP.encode(uint256(0));
        items[7] = RLP.encode(bytes(""));
        items[8] = hex"c0";
        if (!unsigned) {
            (items[9], items[10], items[11]) = (RLP.encode(yParity), RLP.encode(r), RLP.encode(s));
        }
        return bytes.concat(hex"02", RLP.encode(items));
    }

    /// A state root holding only the bridge's record of `w`, and its proofs.
    function _proofs(Withdrawal memory w) internal pure returns (bytes32 root, bytes[] memory ap, bytes[] memory sp) {
        bytes32 slot = Withdrawals.slotOf(keccak256(abi.encode(w.nonce, w.from, w.to, w.value)));
        bytes32 storageRoot;
        (storageRoot, sp) = OneLeafTrie.build(keccak256(abi.encode(slot)), hex"01");
        (root, ap) =
            OneLeafTrie.build(keccak256(abi.encodePacked(L2_BRIDGE)), OneLeafTrie.account(1, 1 ether, storageRoot));
    }

    function settledCount() external view returns (uint256) {
        return hashes.length;
    }

    receive() external payable {}
}

/// The rollup's invariants under the handler's random runs.
contract NativeRollupInvariants is Test {
    RollupHandler internal handler;

    function setUp() public {
        vm.etch(address(0x0101), address(new StandInExecute()).code);
        vm.warp(1000);
        vm.deal(address(this), 10 ether);
        handler = new RollupHandler{value: 10 ether}();
    }

    /// What forge calls the handler's functions on (forge-std's `StdInvariant` in one line).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The escrow is exactly what the rollup owes: fees credited and not paid, withdrawals
    /// settled and not paid, the ETH the L2 still holds, and deposits not yet anchored.
    function invariant_the_escrow_covers_every_claim_exactly() public view {
        NativeRollup rollup = handler.rollup();
        assertEq(
            address(rollup).balance,
            rollup.feesOwed() + handler.claimable() + handler.l2Supply() + handler.unanchored(),
            "escrow"
        );
    }

    /// The settled head only moves forward, along the one chain of parents the handler built.
    function invariant_the_head_follows_one_chain() public view {
        NativeRollup rollup = handler.rollup();
        uint256 n = handler.settledCount();
        assertEq(rollup.headNumber(), n - 1, "head number");
        assertEq(rollup.headHash(), handler.hashes(n - 1), "head hash");
    }

    /// Every forced transaction a settlement made due was resolved, in order.
    function invariant_no_forced_transaction_is_left_due() public view {
        NativeRollup rollup = handler.rollup();
        assertEq(rollup.forcedHead(), handler.forcedResolved(), "resolved in queue order");
        if (rollup.forcedHead() < rollup.forcedTail()) {
            (,,, uint64 deadline,,) = rollup.forcedQueue(rollup.forcedHead());
            assertTrue(
                rollup.headNumber() == 0 || deadline > handler.lastTimestamp(), "the queue head is not due"
            );
        }
    }
}
