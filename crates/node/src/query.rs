//! Reads of a chain at a sealed block: accounts, storage, code, EIP-1186 proofs, calls and
//! gas estimates. Every sealed block's state stays readable (the node store is
//! content-addressed and append-only), so "at block N" is just "under N's state root".

use crate::chain::Chain;
use crate::chain::NodeEvmFactory;
use alloy_consensus::Header;
use alloy_evm::{Evm, EvmEnv, EvmError};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rlp::Decodable;
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, EIP1186StorageProof};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use nr_stateless::{SparseTrie, TrieError, db::TrieState};
use revm::{
    context::TxEnv,
    context_interface::result::{ExecutionResult, HaltReason},
    primitives::KECCAK_EMPTY,
};

/// Why a call or estimate produced no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The call reverted; `output` is the revert data.
    #[error("execution reverted")]
    Reverted {
        /// Revert data (ABI-encoded reason, custom error).
        output: Bytes,
    },
    /// The call halted (out of gas, invalid opcode, ...).
    #[error("execution halted: {0}")]
    Halted(String),
    /// The transaction itself is invalid (intrinsic gas, balance, fee caps).
    #[error("{0}")]
    Invalid(String),
    /// The state could not be read (a node fault).
    #[error("state unavailable: {0}")]
    State(String),
}

/// The outcome of a call that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    /// Return data.
    pub output: Bytes,
    /// Gas used (after refunds).
    pub gas_used: u64,
    /// Of it, EIP-8037 state gas (new storage, accounts and code; zero before Amsterdam).
    pub state_gas: u64,
}

impl<F: NodeEvmFactory> Chain<F> {
    /// The header of sealed block `number`.
    pub fn header(&self, number: u64) -> Result<Option<Header>, crate::store::StoreError> {
        if number == self.head().number {
            return Ok(Some(self.head().clone()));
        }
        Ok(self.store().block(number)?.map(|b| b.header))
    }

    /// The EVM environment block `header` executed in.
    pub fn env_of(&self, header: &Header) -> EvmEnv {
        nr_stateless::validate::block_evm_env(header, &self.spec.config)
    }

    fn account_leaf(&self, root: B256, address: Address) -> Result<Option<TrieAccount>, String> {
        let leaf = SparseTrie::from_root(root)
            .get(keccak256(address).as_slice(), &self.state().nodes)
            .map_err(|e| e.to_string())?;
        leaf.map(|rlp| TrieAccount::decode(&mut rlp.as_slice()))
            .transpose()
            .map_err(|_| format!("account leaf of {address} is malformed"))
    }

    /// Nonce, balance and code of `address` under `root` (zero/empty when absent).
    pub fn account(&self, root: B256, address: Address) -> Result<(u64, U256, Bytes), String> {
        let Some(account) = self.account_leaf(root, address)? else {
            return Ok((0, U256::ZERO, Bytes::new()));
        };
        let code = if account.code_hash == KECCAK_EMPTY {
            Bytes::new()
        } else {
            self.state()
                .code(&account.code_hash)
                .ok_or_else(|| format!("code {} is missing", account.code_hash))?
        };
        Ok((account.nonce, account.balance, code))
    }

    /// Storage slot `slot` of `address` under `root`.
    pub fn storage_at(&self, root: B256, address: Address, slot: B256) -> Result<U256, String> {
        let storage_root = self
            .account_leaf(root, address)?
            .map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
        let value = SparseTrie::from_root(storage_root)
            .get(keccak256(slot).as_slice(), &self.state().nodes)
            .map_err(|e| e.to_string())?;
        value
            .map(|rlp| U256::decode(&mut rlp.as_slice()))
            .transpose()
            .map(Option::unwrap_or_default)
            .map_err(|_| format!("storage slot {slot} of {address} is malformed"))
    }

    /// The EIP-1186 proof of `address` and its `slots` under `root`.
    pub fn proof(
        &self,
        root: B256,
        address: Address,
        slots: &[B256],
    ) -> Result<EIP1186AccountProofResponse, String> {
        let nodes = &self.state().nodes;
        let trie_err = |e: TrieError| e.to_string();
        let account = self.account_leaf(root, address)?.unwrap_or(TrieAccount {
            nonce: 0,
            balance: U256::ZERO,
            storage_root: EMPTY_ROOT_HASH,
            code_hash: KECCAK_EMPTY,
        });
        let storage_proof = slots
            .iter()
            .map(|slot| {
                Ok(EIP1186StorageProof {
                    key: (*slot).into(),
                    value: self.storage_at(root, address, *slot)?,
                    proof: nodes
                        .proof(account.storage_root, keccak256(slot).as_slice())
                        .map_err(trie_err)?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(EIP1186AccountProofResponse {
            address,
            balance: account.balance,
            code_hash: account.code_hash,
            nonce: account.nonce,
            storage_hash: account.storage_root,
            account_proof: nodes
                .proof(root, keccak256(address).as_slice())
                .map_err(trie_err)?,
            storage_proof,
        })
    }

    /// Runs `tx` on the state of `header` in environment `env`, committing nothing. As in
    /// geth, the sender's nonce is not checked, and a call that names no fee pays none.
    pub fn call(
        &self,
        header: &Header,
        mut env: EvmEnv,
        tx: TxEnv,
    ) -> Result<CallOutcome, CallError> {
        let hashes = self.block_hashes(env.block_env.number.saturating_to());
        let state = self.state();
        let db = TrieState::new(header.state_root, &state.nodes, &state.codes, &hashes);
        as_call(&mut env, &tx);
        let mut evm = self.factory().create_evm(db, env);
        let explain = (tx.data.clone(), tx.kind, tx.blob_hashes.clone());
        let result = evm.transact(tx).map_err(|e| match e.as_invalid_tx_err() {
            Some(invalid) => CallError::Invalid(geth_words(invalid.to_string())),
            None => CallError::State(e.to_string()),
        })?;
        let gas_used = result.result.tx_gas_used();
        let state_gas = result.result.gas().state_gas_spent_final();
        match result.result {
            ExecutionResult::Success { output, .. } => Ok(CallOutcome {
                output: output.into_data(),
                gas_used,
                state_gas,
            }),
            ExecutionResult::Revert { output, .. } => Err(CallError::Reverted { output }),
            ExecutionResult::Halt { reason, .. } => {
                // alloy-evm's precompile map drops a precompile's own halt reason; the
                // factory can say why a direct call to one of its precompiles halted.
                let (data, kind, blob_hashes) = explain;
                let why = match (&reason, kind) {
                    (HaltReason::PrecompileError, revm::primitives::TxKind::Call(to)) => {
                        self.factory().explain_halt(to, &data, &blob_hashes)
                    }
                    _ => None,
                };
                Err(CallError::Halted(match why {
                    Some(why) => format!("precompile failed: {why}"),
                    None => halt_words(&reason),
                }))
            }
        }
    }

    /// The least gas limit with which `tx` succeeds, searched between what it used at the
    /// cap (`tx.gas_limit`) and the cap, as geth does (refunds and the 63/64 rule make the
    /// used gas a lower bound only).
    pub fn estimate_gas(&self, header: &Header, env: EvmEnv, tx: TxEnv) -> Result<u64, CallError> {
        let cap = tx.gas_limit;
        let at = |gas: u64| {
            self.call(
                header,
                env.clone(),
                TxEnv {
                    gas_limit: gas,
                    ..tx.clone()
                },
            )
        };
        let used = at(cap)?.gas_used;
        // Most calls succeed at used × 64/63; try that before searching.
        let optimistic = (used.saturating_mul(64) / 63).min(cap);
        let (mut lo, mut hi) = (used.saturating_sub(1), cap);
        if optimistic < cap && at(optimistic).is_ok() {
            hi = optimistic;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match at(mid) {
                Ok(_) => hi = mid,
                Err(CallError::State(e)) => return Err(CallError::State(e)),
                Err(_) => lo = mid,
            }
        }
        Ok(hi)
    }
}

/// A halt reason in the words geth uses for it.
fn halt_words(reason: &HaltReason) -> String {
    match reason {
        HaltReason::OutOfGas(_) => "out of gas".into(),
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode => "invalid opcode".into(),
        HaltReason::StackUnderflow => "stack underflow".into(),
        HaltReason::StackOverflow => "stack limit reached".into(),
        // A precompile's own reason (EXECUTE's: `L2 block invalid: GasUsedMismatch`, ...).
        HaltReason::PrecompileErrorWithContext(reason) => format!("precompile failed: {reason}"),
        HaltReason::PrecompileError => "precompile failed".into(),
        other => format!("{other:?}"),
    }
}

/// How a call runs, unlike a transaction: no nonce check, and without a fee no base fee
/// (as geth runs `eth_call`).
pub(crate) fn as_call(env: &mut EvmEnv, tx: &TxEnv) {
    env.cfg_env.disable_nonce_check = true;
    if tx.gas_price == 0 {
        env.cfg_env.disable_base_fee = true;
    }
}

/// revm's words for a call the sender cannot pay for, in geth's (what wallets and this
/// node's pool say): `lack of funds (A) for max fee (B)` becomes `insufficient funds for gas
/// * price + value: have A want B`.
pub(crate) fn geth_words(reason: String) -> String {
    let numbers = reason
        .strip_prefix("lack of funds (")
        .and_then(|r| r.split_once(") for max fee ("))
        .and_then(|(have, rest)| Some((have, rest.strip_suffix(')')?)));
    match numbers {
        Some((have, want)) => {
            format!("insufficient funds for gas * price + value: have {have} want {want}")
        }
        None => reason,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unpayable_calls_are_told_in_geths_words() {
        assert_eq!(
            super::geth_words("lack of funds (0) for max fee (1000)".into()),
            "insufficient funds for gas * price + value: have 0 want 1000"
        );
        assert_eq!(super::geth_words("nonce too high".into()), "nonce too high");
    }
}
