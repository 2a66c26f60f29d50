//! The rollup's L2 genesis, and the `NativeRollup` deployment that settles it.

use alloy_genesis::Genesis;
use alloy_primitives::{Address, U256};
use nr_contracts::NativeRollup;
use nr_node::{ChainSpec, Role, genesis::dev_genesis};
use nr_stateless::SchemaId;

/// The L2 block gas limit of the rollup's genesis. EXECUTE charges 3/5 L1 gas per L2 gas of
/// block limit up front, so a range of ten 1.5M blocks (9M L1 gas) fits one L1 transaction
/// under EIP-7825's 2^24 cap; a 15M block would cost 9M alone.
pub const L2_GAS_LIMIT: u64 = 1_500_000;

/// The sequencer's float in the L2 genesis (it pays gas for the claims it relays before any
/// fee reaches it): 10 ETH, backed on the L1 at deployment.
pub const SEQUENCER_FLOAT: U256 = U256::from_limbs([10_000_000_000_000_000_000, 0, 0, 0]);

/// The rollup L2 genesis of `chain_id`: the dev L2's forks and system contracts (every fork
/// through Amsterdam at time 0, schema 0x1501, as the dev L1 pins chain 901), [`L2_GAS_LIMIT`], the bridge
/// predeploy, and `sequencer` holding [`SEQUENCER_FLOAT`], the only ETH outside the bridge.
pub fn l2_genesis(chain_id: u64, sequencer: Address) -> Genesis {
    let base = dev_genesis(Role::L2, chain_id).with_gas_limit(L2_GAS_LIMIT);
    nr_contracts::l2_genesis(base, [(sequencer, SEQUENCER_FLOAT)])
}

/// Seconds a forced transaction waits before settlements must resolve it (`--forced-inclusion-delay`).
pub const DEFAULT_FORCED_INCLUSION_DELAY: u64 = 3600;
/// Seconds of L2 time a block may still anchor a superseded message root (`--max-anchor-age`):
/// far above the sequencer's L1 confirmation delay, far below the forced-inclusion delay's
/// purpose of bounding how long the sequencer can keep a message unclaimable.
pub const DEFAULT_MAX_ANCHOR_AGE: u64 = 3600;

/// The constructor arguments of the `NativeRollup` settling the L2 of `spec`: its chain id,
/// the schema of its genesis fork, its genesis block, its gas limit. Deploy it with the ETH
/// the genesis gives to accounts other than the bridge.
pub fn deployment(
    spec: &ChainSpec,
    fee_recipient: Address,
    forced_inclusion_delay: u64,
    max_anchor_age: u64,
) -> NativeRollup::constructorCall {
    let fork = spec.config.fork_at(spec.header.timestamp);
    NativeRollup::constructorCall {
        chainId: spec.config.chain_id,
        schemaId: SchemaId::v1(fork).to_u16(),
        genesisHash: spec.header.hash_slow(),
        genesisStateRoot: spec.header.state_root,
        l2GasLimit: spec.header.gas_limit,
        feeRecipient: fee_recipient,
        forcedInclusionDelay: forced_inclusion_delay,
        maxAnchorAge: max_anchor_age,
    }
}

/// The ETH the genesis gives to accounts other than the bridge: what deployment must escrow.
pub fn backing(genesis: &Genesis) -> U256 {
    genesis
        .alloc
        .iter()
        .filter(|(address, _)| **address != nr_contracts::L2_BRIDGE)
        .map(|(_, account)| account.balance)
        .sum()
}
