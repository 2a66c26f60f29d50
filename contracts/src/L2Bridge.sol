// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {MessageTree, Message, Messages, Withdrawal, Withdrawals} from "./MessageTree.sol";

/// @title The L2 side of the native rollup's bridge: a predeploy of the L2 genesis.
/// @notice It holds a pre-funded balance instead of minting, so the L2 keeps Ethereum's state
/// transition: a claimed L1 message pays out of that balance, a withdrawal pays into it.
/// L1 message roots reach the L2 as blocks' `parent_beacon_block_root`, which the EIP-4788
/// system call stores by timestamp; a claim proves its message against such a root.
/// No constructor and no immutables: the genesis holds this runtime code as it is.
contract L2Bridge {
    /// EIP-4788's beacon roots contract.
    address public constant BEACON_ROOTS = 0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02;

    /// slot 0: claimed messages, one bit each.
    mapping(uint256 word => uint256 bits) public claimedBits;
    /// slot 1: withdrawals recorded so far.
    uint256 public withdrawalCount;
    /// slot 2 (`Withdrawals.MAPPING_SLOT`): recorded withdrawals, proven on L1 by storage proof.
    mapping(bytes32 withdrawalHash => bool) public withdrawals;

    /// An L1 message was claimed: `value` went to `to`, `fee` to `relayer`.
    event MessageClaimed(uint64 indexed index, address indexed to, uint256 value, address relayer, uint256 fee);
    /// A withdrawal was recorded; claim it on L1 with proofs against a settled state root.
    event WithdrawalInitiated(
        uint256 indexed nonce, address indexed from, address indexed to, uint256 value, bytes32 withdrawalHash
    );

    /// No L2 block at that timestamp anchors a root (EIP-4788 holds none for it).
    error NoAnchorAt(uint256 timestamp);
    /// The path does not lead from the message to the anchored root.
    error InvalidMessageProof();
    /// The message was claimed already.
    error MessageAlreadyClaimed(uint64 index);
    /// The message's call failed; the message stays claimable.
    error MessageCallFailed(uint64 index);
    /// Paying the relayer's fee failed.
    error FeeTransferFailed(address relayer);
    /// A withdrawal of nothing.
    error ZeroWithdrawal();

    /// @notice Claims L1 message `m`, proven by `path` against the root anchored by the L2
    /// block of timestamp `anchorTimestamp`. Pays `m.fee` to the caller (the relayer) and
    /// calls `m.to` with `m.value` and `m.data`; if that call fails, nothing happens.
    function claimMessage(Message calldata m, uint256 anchorTimestamp, bytes32[] calldata path) external {
        bytes32 root = _anchorAt(anchorTimestamp);
        if (path.length != MessageTree.DEPTH || MessageTree.rootOf(Messages.leaf(m), m.index, path) != root) {
            revert InvalidMessageProof();
        }
        uint256 word = m.index >> 8;
        uint256 bit = 1 << (m.index & 0xff);
        uint256 bits = claimedBits[word];
        if (bits & bit != 0) revert MessageAlreadyClaimed(m.index);
        claimedBits[word] = bits | bit;
        emit MessageClaimed(m.index, m.to, m.value, msg.sender, m.fee);
        if (m.fee != 0) {
            (bool paid,) = msg.sender.call{value: m.fee}("");
            if (!paid) revert FeeTransferFailed(msg.sender);
        }
        (bool ok,) = m.gasLimit == 0 ? m.to.call{value: m.value}(m.data) : m.to.call{value: m.value, gas: m.gasLimit}(m.data);
        if (!ok) revert MessageCallFailed(m.index);
    }

    /// Whether message `index` was claimed.
    function isClaimed(uint64 index) external view returns (bool) {
        return claimedBits[index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice Withdraws the ETH sent to `to` on the L1: recorded here, paid on L1.
    function withdraw(address to) external payable returns (bytes32 h) {
        if (msg.value == 0) revert ZeroWithdrawal();
        uint256 nonce = withdrawalCount;
        withdrawalCount = nonce + 1;
        h = keccak256(abi.encode(nonce, msg.sender, to, msg.value));
        withdrawals[h] = true;
        emit WithdrawalInitiated(nonce, msg.sender, to, msg.value, h);
    }

    function _anchorAt(uint256 timestamp) private view returns (bytes32 root) {
        (bool ok, bytes memory out) = BEACON_ROOTS.staticcall(abi.encode(timestamp));
        if (!ok || out.length != 32) revert NoAnchorAt(timestamp);
        root = abi.decode(out, (bytes32));
    }
}
