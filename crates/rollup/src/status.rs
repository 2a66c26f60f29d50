//! Where a rollup stands, read from its L1 contract and an L2 node over JSON-RPC: the heads,
//! what the bridge still owes each way, and the last settlement. The testnet draws it in the
//! terminal, the sequencer serves it as `nr_rollupStatus`, `nr-rollup status` prints it.
//!
//! Also the stage of one deposit (an L1 message) or one withdrawal, for `nr-rollup status
//! --message` / `--withdrawal`.

use crate::l1::{L1Error, Rollup};
use alloy_primitives::{B256, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::{BlockId, Filter, TransactionRequest};
use alloy_sol_types::{SolCall, SolEvent};
use nr_contracts::{L2_BRIDGE, L2Bridge, NativeRollup};
use serde::Serialize;

/// Most pending messages or withdrawals one read checks one by one (what lies beyond is
/// counted as pending).
const MAX_CHECKED: u64 = 1024;
/// How far back the first read looks for the last settlement, in L1 blocks.
const SETTLED_LOOKBACK: u64 = 10_000;

/// A rollup's state at one moment.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RollupStatus {
    /// The L1 block this was read at.
    pub l1_head: u64,
    /// The L2 node's head.
    pub l2_head: u64,
    /// The last L2 block the contract settled.
    pub settled_head: u64,
    /// L2 blocks sealed and not settled yet.
    pub settlement_lag: u64,
    /// L1 -> L2 messages (deposits among them) sent on the L1.
    pub messages: u64,
    /// Of those, not claimed on the L2 yet.
    pub messages_pending: u64,
    /// Withdrawals the L2 bridge recorded.
    pub withdrawals: u64,
    /// Of those, not paid on the L1 yet.
    pub withdrawals_unclaimed: u64,
    /// Forced transactions queued on the L1 and not resolved by a settlement yet.
    pub forced_pending: u64,
    /// The newest settlement seen.
    pub last_settlement: Option<Settlement>,
}

/// One settlement on the L1.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Settlement {
    /// The last L2 block it settled.
    pub to: u64,
    /// How many L2 blocks.
    pub blocks: u64,
    /// Its L1 transaction.
    pub l1_tx: B256,
    /// Gas the transaction used on the L1.
    pub gas_used: u64,
}

impl std::fmt::Display for RollupStatus {
    /// One line for a terminal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "L1 {} | L2 {} | settled {} (lag {}) | messages {} ({} pending) | withdrawals {} ({} unclaimed) | forced {} pending",
            self.l1_head,
            self.l2_head,
            self.settled_head,
            self.settlement_lag,
            self.messages,
            self.messages_pending,
            self.withdrawals,
            self.withdrawals_unclaimed,
            self.forced_pending,
        )?;
        if let Some(s) = &self.last_settlement {
            write!(
                f,
                " | last settlement: {} block(s) to {}, {} gas",
                s.blocks, s.to, s.gas_used
            )?;
        }
        Ok(())
    }
}

impl RollupStatus {
    /// The status as a few short lines, for a terminal view.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!("    {:<16} {}", "L1 head", self.l1_head),
            format!(
                "    {:<16} {}, settled {} (lag {})",
                "L2 head", self.l2_head, self.settled_head, self.settlement_lag
            ),
            format!(
                "    {:<16} {} sent, {} not claimed on the L2",
                "messages", self.messages, self.messages_pending
            ),
            format!(
                "    {:<16} {} made, {} not claimed on the L1",
                "withdrawals", self.withdrawals, self.withdrawals_unclaimed
            ),
            format!("    {:<16} {} queued", "forced txs", self.forced_pending),
        ];
        out.push(match &self.last_settlement {
            // The deployment records the genesis as settled.
            Some(s) if s.blocks == 0 => format!("    {:<16} none yet", "last settlement"),
            Some(s) => format!(
                "    {:<16} {} block(s) to {}, {} gas (L1 tx {:#.4})",
                "last settlement",
                s.blocks,
                s.to,
                nr_contracts::grouped(s.gas_used),
                s.l1_tx
            ),
            None => format!("    {:<16} none yet", "last settlement"),
        });
        out
    }
}

/// Reads [`RollupStatus`] again and again, remembering what no longer changes (claimed
/// messages and withdrawals stay claimed; settlements already seen).
pub struct StatusReader {
    rollup: Rollup,
    l2: DynProvider,
    /// Messages below this are claimed on the L2.
    messages_claimed: u64,
    /// Withdrawals below this are paid on the L1.
    withdrawals_paid: u64,
    /// The last L1 block scanned for `Settled`.
    scanned_to: Option<u64>,
    last: Option<Settlement>,
}

impl StatusReader {
    /// A reader of `rollup` and its L2 node `l2`.
    pub fn new(rollup: Rollup, l2: DynProvider) -> Self {
        Self {
            rollup,
            l2,
            messages_claimed: 0,
            withdrawals_paid: 0,
            scanned_to: None,
            last: None,
        }
    }

    /// Reads the status now.
    pub async fn read(&mut self) -> Result<RollupStatus, L1Error> {
        let l1_head = self.rollup.head().await?;
        let at = BlockId::number(l1_head);
        let r = &self.rollup;
        let settled_head = r.view(NativeRollup::headNumberCall {}, at).await?;
        let messages = r.view(NativeRollup::messageCountCall {}, at).await?;
        let forced_pending = r.view(NativeRollup::forcedTailCall {}, at).await?
            - r.view(NativeRollup::forcedHeadCall {}, at).await?;
        let l2_head = self.l2.get_block_number().await.map_err(l2_error)?;
        let withdrawals: U256 = l2_view(&self.l2, L2Bridge::withdrawalCountCall {}).await?;
        let withdrawals = u64::try_from(withdrawals).unwrap_or(u64::MAX);

        // Messages: skip the claimed prefix, then count what is not claimed.
        let mut messages_pending = 0;
        let mut checked = 0;
        for index in self.messages_claimed..messages {
            checked += 1;
            if checked > MAX_CHECKED {
                messages_pending += messages - index;
                break;
            }
            let claimed = l2_view(&self.l2, L2Bridge::isClaimedCall { index }).await?;
            if !claimed {
                messages_pending += 1;
            } else if messages_pending == 0 {
                self.messages_claimed = index + 1;
            }
        }
        // Withdrawals: the same, against the contract's paid bits.
        let mut withdrawals_unclaimed = 0;
        let mut checked = 0;
        for nonce in self.withdrawals_paid..withdrawals {
            checked += 1;
            if checked > MAX_CHECKED {
                withdrawals_unclaimed += withdrawals - nonce;
                break;
            }
            let call = NativeRollup::withdrawalClaimedCall {
                nonce: U256::from(nonce),
            };
            if !r.view(call, at).await? {
                withdrawals_unclaimed += 1;
            } else if withdrawals_unclaimed == 0 {
                self.withdrawals_paid = nonce + 1;
            }
        }

        // The newest settlement.
        let from = match self.scanned_to {
            Some(b) => b + 1,
            None => l1_head.saturating_sub(SETTLED_LOOKBACK),
        };
        if from <= l1_head {
            let settled = r.events::<NativeRollup::Settled>(from, l1_head).await?;
            if let Some((event, tx)) = settled.last() {
                let receipt = r
                    .provider()
                    .get_transaction_receipt(*tx)
                    .await
                    .map_err(|e| L1Error::Rpc(e.to_string()))?
                    .ok_or_else(|| L1Error::Rpc(format!("no receipt of settlement {tx}")))?;
                self.last = Some(Settlement {
                    to: event.number,
                    blocks: event.blocks,
                    l1_tx: *tx,
                    gas_used: receipt.gas_used,
                });
            }
            self.scanned_to = Some(l1_head);
        }
        Ok(RollupStatus {
            l1_head,
            l2_head,
            settled_head,
            settlement_lag: l2_head.saturating_sub(settled_head),
            messages,
            messages_pending,
            withdrawals,
            withdrawals_unclaimed,
            forced_pending: u64::from(forced_pending),
            last_settlement: self.last.clone(),
        })
    }
}

fn l2_error<E: std::fmt::Display>(e: E) -> L1Error {
    L1Error::Rpc(format!("L2: {e}"))
}

/// A view of the L2 bridge at the L2's latest block.
async fn l2_view<C: SolCall>(l2: &DynProvider, call: C) -> Result<C::Return, L1Error> {
    let tx = TransactionRequest::default()
        .to(L2_BRIDGE)
        .input(call.abi_encode().into());
    let out = l2.call(tx).await.map_err(l2_error)?;
    C::abi_decode_returns(&out).map_err(|e| L1Error::Rpc(format!("L2 bridge: {e}")))
}

/// The first log of the L2 bridge's event `E` with `topic1`, on the L2.
async fn l2_event<E: SolEvent>(
    l2: &DynProvider,
    topic1: B256,
) -> Result<Option<(E, Option<u64>, Option<B256>)>, L1Error> {
    let filter = Filter::new()
        .address(L2_BRIDGE)
        .event_signature(E::SIGNATURE_HASH)
        .topic1(topic1)
        .from_block(0);
    let logs = l2.get_logs(&filter).await.map_err(l2_error)?;
    Ok(logs.first().and_then(|l| {
        E::decode_log(&l.inner)
            .ok()
            .map(|e| (e.data, l.block_number, l.transaction_hash))
    }))
}

/// The stage of L1 message `index` (a deposit is one): `sent` on the L1, `anchored` by the
/// L2 head (its claim can be made), `claimed` on the L2 in a block not settled yet, or
/// `settled`.
pub async fn message_stage(
    rollup: &Rollup,
    l2: &DynProvider,
    index: u64,
) -> Result<serde_json::Value, L1Error> {
    let latest = BlockId::latest();
    let count = rollup
        .view(NativeRollup::messageCountCall {}, latest)
        .await?;
    if index >= count {
        return Err(L1Error::Contract {
            address: rollup.address,
            reason: format!("no message {index}: the rollup has sent {count}"),
        });
    }
    let settled = rollup.view(NativeRollup::headNumberCall {}, latest).await?;
    if let Some((claim, block, tx)) =
        l2_event::<L2Bridge::MessageClaimed>(l2, B256::from(U256::from(index))).await?
    {
        let block = block.unwrap_or_default();
        let stage = if block <= settled {
            "settled"
        } else {
            "claimed"
        };
        return Ok(serde_json::json!({
            "message": index,
            "stage": stage,
            "to": claim.to,
            "value": claim.value.to_string(),
            "l2Block": block,
            "l2Tx": tx,
            "settledHead": settled,
        }));
    }
    let head = l2
        .get_block_by_number(alloy_rpc_types_eth::BlockNumberOrTag::Latest)
        .await
        .map_err(l2_error)?
        .ok_or_else(|| l2_error("no latest block"))?;
    let anchor = head.header.parent_beacon_block_root.unwrap_or_default();
    // `anchors` holds the message count + 1 of every root the tree had.
    let anchored = rollup
        .view(NativeRollup::anchorsCall { root: anchor }, latest)
        .await?
        .count
        .saturating_sub(1);
    let stage = if u64::from(anchored) > index {
        "anchored"
    } else {
        "sent"
    };
    Ok(serde_json::json!({
        "message": index,
        "stage": stage,
        "anchoredByL2Head": anchored,
        "l2Head": head.header.number,
    }))
}

/// The stage of the withdrawal L2 transaction `tx` made: `recorded` in an L2 block not
/// settled yet, `claimable` on the L1, or `claimed` there.
pub async fn withdrawal_stage(
    rollup: &Rollup,
    l2: &DynProvider,
    tx: B256,
) -> Result<serde_json::Value, L1Error> {
    let receipt = l2
        .get_transaction_receipt(tx)
        .await
        .map_err(l2_error)?
        .ok_or_else(|| l2_error(format!("no receipt of {tx}: not in a block (yet)")))?;
    let w = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == L2_BRIDGE)
        .find_map(|l| L2Bridge::WithdrawalInitiated::decode_log(&l.inner).ok())
        .ok_or_else(|| l2_error(format!("L2 transaction {tx} made no withdrawal")))?
        .data;
    let block = receipt.block_number.unwrap_or_default();
    let latest = BlockId::latest();
    let settled = rollup.view(NativeRollup::headNumberCall {}, latest).await?;
    let paid = rollup
        .view(
            NativeRollup::withdrawalClaimedCall { nonce: w.nonce },
            latest,
        )
        .await?;
    let stage = if paid {
        "claimed"
    } else if block <= settled {
        "claimable"
    } else {
        "recorded"
    };
    let mut out = serde_json::json!({
        "withdrawal": w.nonce.to_string(),
        "stage": stage,
        "to": w.to,
        "value": w.value.to_string(),
        "l2Block": block,
        "settledHead": settled,
    });
    if paid {
        let claims = rollup
            .provider()
            .get_logs(
                &Filter::new()
                    .address(rollup.address)
                    .event_signature(NativeRollup::WithdrawalClaimed::SIGNATURE_HASH)
                    .topic1(w.withdrawalHash)
                    .from_block(0),
            )
            .await
            .map_err(|e| L1Error::Rpc(e.to_string()))?;
        out["l1Tx"] = serde_json::json!(claims.first().and_then(|l| l.transaction_hash));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_reads_in_a_terminal() {
        assert_eq!(nr_contracts::grouped(0), "0");
        assert_eq!(nr_contracts::grouped(999), "999");
        assert_eq!(nr_contracts::grouped(4_887_429), "4,887,429");
        let mut status = RollupStatus {
            l2_head: 10,
            settled_head: 9,
            settlement_lag: 1,
            last_settlement: Some(Settlement::default()),
            ..Default::default()
        };
        let lines = status.lines();
        assert!(lines[1].ends_with("10, settled 9 (lag 1)"), "{lines:?}");
        assert!(
            lines[5].ends_with("none yet"),
            "the genesis is no settlement"
        );
        status.last_settlement = Some(Settlement {
            to: 9,
            blocks: 5,
            l1_tx: B256::repeat_byte(0xab),
            gas_used: 4_887_429,
        });
        let last = &status.lines()[5];
        assert!(last.contains("5 block(s) to 9, 4,887,429 gas"), "{last}");
        assert!(last.contains("0xabab…abab"), "{last}");
    }
}
