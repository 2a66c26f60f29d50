//! The user's side of the bridge: building an L1 withdrawal claim from an L2 node's
//! `eth_getProof` at a settled block.

use crate::l1::{L1Error, Rollup};
use alloy_primitives::U256;
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::BlockId;
use nr_contracts::{L2_BRIDGE, L2Bridge, NativeRollup};

/// The `claimWithdrawal` call paying withdrawal `w`, proven against the L1's newest settled
/// state root with the bridge's proofs from the L2 node `l2` at that block. Fails if the
/// block that recorded `w` is not settled yet.
pub async fn withdrawal_claim(
    rollup: &Rollup,
    l2: &DynProvider,
    w: &L2Bridge::WithdrawalInitiated,
    recorded_in: u64,
) -> Result<NativeRollup::claimWithdrawalCall, L1Error> {
    let settled = rollup
        .view(NativeRollup::headNumberCall {}, BlockId::latest())
        .await?;
    if settled < recorded_in {
        return Err(L1Error::Contract {
            address: rollup.address,
            reason: format!(
                "L2 block {recorded_in} holding the withdrawal is not settled yet (settled head {settled})"
            ),
        });
    }
    let withdrawal = NativeRollup::Withdrawal {
        nonce: w.nonce,
        from: w.from,
        to: w.to,
        value: w.value,
    };
    let slot = nr_contracts::withdrawal_slot(nr_contracts::withdrawal_hash(&withdrawal));
    let proof = l2
        .get_proof(L2_BRIDGE, vec![slot])
        .block_id(BlockId::number(settled))
        .await
        .map_err(|e| L1Error::Rpc(format!("L2 eth_getProof at block {settled}: {e}")))?;
    let storage = proof
        .storage_proof
        .first()
        .ok_or_else(|| L1Error::Rpc("the L2 node returned no storage proof".into()))?;
    Ok(NativeRollup::claimWithdrawalCall {
        w: withdrawal,
        ring: U256::from(settled % 8191),
        accountProof: proof.account_proof,
        storageProof: storage.proof.clone(),
    })
}
