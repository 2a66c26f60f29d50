//! The off-chain half of forced inclusion: the `Resolution` that shows a forced transaction
//! included in a block (its header, and its transaction-trie proof keyed by `rlp(index)`).

use crate::Resolution;
use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{B256, Bytes, U256};
use alloy_trie::EMPTY_ROOT_HASH;
use nr_stateless::{NodeStore, SparseTrie};

/// `NativeRollup.INCLUDED` and the other resolution kinds.
pub const INCLUDED: u8 = 0;
/// Once due: not executable against the state after the settlement (account proof).
pub const INVALID_AFTER: u8 = 1;
/// Its nonce spent in the state after the settlement (account proof).
pub const NONCE_SPENT: u8 = 2;
/// Once due: its max fee under the base fee of every block settled since it was queued.
pub const FEE_BELOW_BASE_FEE: u8 = 3;

/// The resolution showing transaction `tx_hash` included in `block`; `None` if it is not.
pub fn inclusion(block: &Block<TxEnvelope>, tx_hash: B256) -> Option<Resolution> {
    let txs = &block.body.transactions;
    let index = txs.iter().position(|t| *t.tx_hash() == tx_hash)?;
    let mut store = NodeStore::default();
    let mut trie = SparseTrie::from_root(EMPTY_ROOT_HASH);
    for (i, t) in txs.iter().enumerate() {
        trie.insert(&alloy_rlp::encode(i), t.encoded_2718(), &store)
            .expect("a trie built in memory has every node");
    }
    let root = trie.root();
    debug_assert_eq!(root, block.header.transactions_root);
    trie.commit_to(&mut store);
    Some(Resolution {
        kind: INCLUDED,
        header: alloy_rlp::encode(&block.header).into(),
        txIndex: U256::from(index),
        proof: store.proof(root, &alloy_rlp::encode(index)).ok()?,
    })
}

/// A resolution of `kind` proven by an account proof (`INVALID_AFTER`, `NONCE_SPENT`).
pub fn by_account(kind: u8, account_proof: Vec<Bytes>) -> Resolution {
    Resolution {
        kind,
        header: Bytes::new(),
        txIndex: U256::ZERO,
        proof: account_proof,
    }
}

/// The resolution needing no proof (`FEE_BELOW_BASE_FEE`).
pub fn fee_below_base_fee() -> Resolution {
    Resolution {
        kind: FEE_BELOW_BASE_FEE,
        header: Bytes::new(),
        txIndex: U256::ZERO,
        proof: vec![],
    }
}
