// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// The few forge cheatcodes these tests use (the npm `forge-std` is an old unofficial copy).
interface Vm {
    function etch(address target, bytes calldata code) external;
    function deal(address account, uint256 balance) external;
    function warp(uint256 timestamp) external;
    function prank(address sender) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 selector) external;
    function load(address target, bytes32 slot) external view returns (bytes32);
    function store(address target, bytes32 slot, bytes32 value) external;
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// Base of the tests: the cheatcode handle and assertions that name what differed.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string what, bytes32 got, bytes32 expected);

    function assertEq(uint256 got, uint256 expected, string memory what) internal pure {
        if (got != expected) revert AssertionFailed(what, bytes32(got), bytes32(expected));
    }

    function assertEq(bytes32 got, bytes32 expected, string memory what) internal pure {
        if (got != expected) revert AssertionFailed(what, got, expected);
    }

    function assertTrue(bool ok, string memory what) internal pure {
        if (!ok) revert AssertionFailed(what, 0, bytes32(uint256(1)));
    }
}
