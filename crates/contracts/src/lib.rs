//! The native rollup's contracts for Rust.
//!
//! The Solidity sources live in `contracts/src`; `scripts/build-contracts` compiles them with
//! the pinned solcjs into `contracts/artifacts/*.json`, which CI checks reproduce byte for
//! byte. This crate generates alloy `sol!` bindings from those artifacts (so no call is ever
//! encoded by hand), exposes their bytecode, and holds the off-chain half of the contracts'
//! rules: the message tree a relayer proves against, message leaves, withdrawal hashes and
//! the storage slot an L1 claim proves, and the L2 bridge predeploy for an L2 genesis.

use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, U256, address, keccak256};
use alloy_sol_types::SolValue;

/// The generated bindings (events with many fields make constructors of many arguments).
#[allow(clippy::too_many_arguments)]
mod bindings {
    alloy_sol_types::sol!(
        /// The rollup's L1 contract (contracts/src/NativeRollup.sol).
        #[derive(Debug, PartialEq, Eq)]
        NativeRollup,
        "../../contracts/artifacts/NativeRollup.json"
    );

    alloy_sol_types::sol!(
        /// The L2 bridge predeploy (contracts/src/L2Bridge.sol).
        #[derive(Debug, PartialEq, Eq)]
        L2Bridge,
        "../../contracts/artifacts/L2Bridge.json"
    );
}
/// How a settlement resolves a due forced transaction (`NativeRollup.settle`'s second argument).
pub use bindings::NativeRollup::Resolution;
pub use bindings::{L2Bridge, NativeRollup};

pub mod forced;
pub mod tree;

/// Where the L2 genesis puts the bridge (`NativeRollup.L2_BRIDGE`).
pub const L2_BRIDGE: Address = address!("0x000000000000000000000000000000000000b21D");
/// Storage slot of the bridge's `withdrawals` mapping (`Withdrawals.MAPPING_SLOT`).
pub const WITHDRAWALS_SLOT: u64 = 2;
/// The bridge's pre-funded balance: what the L2 can ever receive from the L1 (2^128 wei).
pub const L2_BRIDGE_BALANCE: U256 = U256::from_limbs([0, 0, 1, 0]);

/// The L2 bridge predeploy's genesis account: its runtime code and pre-funded balance.
pub fn l2_bridge_account() -> GenesisAccount {
    GenesisAccount::default()
        .with_balance(L2_BRIDGE_BALANCE)
        .with_code(Some(L2Bridge::DEPLOYED_BYTECODE.clone()))
}

/// A rollup L2 genesis from `base` (chain id, forks, gas limit, system contracts): the
/// funded accounts of `base` give way to `accounts`, and the bridge predeploy joins. Every
/// wei outside the bridge must be backed on L1: deploy `NativeRollup` with their sum.
pub fn l2_genesis(
    mut base: Genesis,
    accounts: impl IntoIterator<Item = (Address, U256)>,
) -> Genesis {
    base.alloc.retain(|_, account| account.code.is_some());
    for (address, balance) in accounts {
        base.alloc
            .insert(address, GenesisAccount::default().with_balance(balance));
    }
    base.alloc.insert(L2_BRIDGE, l2_bridge_account());
    base
}

/// The message a `MessageSent` event announces, as `L2Bridge.claimMessage` takes it.
pub fn message_of(m: &NativeRollup::MessageSent) -> L2Bridge::Message {
    L2Bridge::Message {
        index: m.index,
        sender: m.sender,
        to: m.to,
        value: m.value,
        fee: m.fee,
        gasLimit: m.gasLimit,
        data: m.data.clone(),
    }
}

/// A message's leaf in the tree (`Messages.leaf`).
pub fn message_leaf(m: &L2Bridge::Message) -> B256 {
    keccak256(
        (
            m.index,
            m.sender,
            m.to,
            m.value,
            m.fee,
            m.gasLimit,
            keccak256(&m.data),
        )
            .abi_encode(),
    )
}

/// A withdrawal's hash (`Withdrawals.hash`).
pub fn withdrawal_hash(w: &NativeRollup::Withdrawal) -> B256 {
    keccak256((w.nonce, w.from, w.to, w.value).abi_encode())
}

/// The L2 bridge's storage slot recording withdrawal `hash` (`Withdrawals.slotOf`): what an
/// L1 claim's storage proof opens.
pub fn withdrawal_slot(hash: B256) -> B256 {
    keccak256((hash, U256::from(WITHDRAWALS_SLOT)).abi_encode())
}

/// A gas figure as this project prints it, `1234567` as `1,234,567` (the gas report's tables,
/// the rollup's status view).
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
