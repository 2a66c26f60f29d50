//! The rollup contract on the L1, over JSON-RPC.

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockId, Filter, TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use nr_contracts::NativeRollup;

/// Why an L1 request failed.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The RPC transport or the node.
    #[error("L1 RPC: {0}")]
    Rpc(String),
    /// A call to the contract reverted or returned what its ABI does not describe.
    #[error("rollup contract at {address}: {reason}")]
    Contract {
        /// The contract.
        address: Address,
        /// What went wrong.
        reason: String,
    },
    /// A transaction was mined but failed.
    #[error("transaction {hash} reverted on the L1")]
    Reverted {
        /// Its hash.
        hash: B256,
    },
    /// The L1 settled L2 blocks this node does not have, and they do not rebuild here.
    #[error("following the settled L2 chain: {0}")]
    Follow(String),
}

/// Gas added to an estimate, beside a quarter of it (see [`Rollup::send`]): room for one
/// storage slot written from zero that the estimate did not see, which on Amsterdam costs
/// 97,920 of EIP-8037 state gas besides its regular gas.
const GAS_MARGIN: u64 = 130_000;

/// How long a sent transaction may take to be mined before the send fails (and a service
/// retries from what the L1 then holds): an L1 that restarted has lost its pool.
pub const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Most L1 blocks one `eth_getLogs` request spans: `nr-node`'s limit (geth and reth serve
/// wider ones, and this many too).
pub const LOG_WINDOW: u64 = 10_000;

fn rpc<E: std::fmt::Display>(e: E) -> L1Error {
    L1Error::Rpc(e.to_string())
}

/// A `NativeRollup` on an L1, read and (with a key) driven.
#[derive(Clone)]
pub struct Rollup {
    provider: DynProvider,
    /// The contract.
    pub address: Address,
    /// Who sends transactions (the wallet's default signer).
    pub sender: Address,
    /// The sender's key (proof-carrying transactions are signed here, not by the wallet).
    key: PrivateKeySigner,
}

impl Rollup {
    /// Connects to the L1 at `url`, signing with `key`.
    pub fn connect(url: &str, address: Address, key: PrivateKeySigner) -> Result<Self, L1Error> {
        let sender = key.address();
        let url = url
            .parse()
            .map_err(|e| L1Error::Rpc(format!("bad L1 URL {url}: {e}")))?;
        let provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(key.clone()))
            .connect_http(url)
            .erased();
        Ok(Self {
            provider,
            address,
            sender,
            key,
        })
    }

    /// [`Rollup::connect`], then checks that a `NativeRollup` is at `address` (code there,
    /// answering `CHAIN_ID()`), so that nothing is sent to an address that is not one (a
    /// deposit to an account without code would be a plain transfer, and lost).
    pub async fn connect_checked(
        url: &str,
        address: Address,
        key: PrivateKeySigner,
    ) -> Result<Self, L1Error> {
        let rollup = Self::connect(url, address, key)?;
        let code = rollup.provider.get_code_at(address).await.map_err(rpc)?;
        let answers = !code.is_empty()
            && rollup
                .view(NativeRollup::CHAIN_IDCall {}, BlockId::latest())
                .await
                .is_ok();
        if !answers {
            return Err(L1Error::Contract {
                address,
                reason: format!("no NativeRollup there on {url}"),
            });
        }
        Ok(rollup)
    }

    /// The provider (for reads beyond the contract's).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Runs a view of the contract at `block`.
    pub async fn view<C: SolCall>(&self, call: C, block: BlockId) -> Result<C::Return, L1Error> {
        let tx = TransactionRequest::default()
            .with_to(self.address)
            .with_input(Bytes::from(call.abi_encode()));
        // Unfilled (no sender, gas or fees): a view needs no funded key.
        let out = self
            .provider
            .root()
            .call(tx)
            .block(block)
            .await
            .map_err(rpc)?;
        C::abi_decode_returns(&out).map_err(|e| L1Error::Contract {
            address: self.address,
            reason: format!("{}: {e}", C::SIGNATURE),
        })
    }

    /// The L1 head's number.
    pub async fn head(&self) -> Result<u64, L1Error> {
        self.provider.get_block_number().await.map_err(rpc)
    }

    /// Whether the rollup contract has code at L1 block `number` (an L1 whose finalized
    /// block trails its head, as reth's dev mode does by 64 blocks, may not have finalized
    /// the deployment yet).
    pub async fn deployed_at(&self, number: u64) -> Result<bool, L1Error> {
        Ok(!self
            .provider
            .get_code_at(self.address)
            .block_id(BlockId::number(number))
            .await
            .map_err(rpc)?
            .is_empty())
    }

    /// The L1's finalized block number; `None` from an L1 that finalizes nothing (a dev
    /// chain without a consensus client).
    pub async fn finalized(&self) -> Result<Option<u64>, L1Error> {
        Ok(self
            .provider
            .get_block_by_number(alloy_rpc_types_eth::BlockNumberOrTag::Finalized)
            .await
            .map_err(rpc)?
            .map(|b| b.header.number))
    }

    /// The settled head's number and hash, both read at one L1 block, so that a settlement
    /// landing between the two reads cannot pair one head's number with another's hash.
    pub async fn settled_head(&self) -> Result<(u64, B256), L1Error> {
        let at = BlockId::number(self.head().await?);
        let number = self.view(NativeRollup::headNumberCall {}, at).await?;
        let hash = self.view(NativeRollup::headHashCall {}, at).await?;
        Ok((number, hash))
    }

    /// The hash of L1 block `number` (`None`: the L1 has no such block now). A follower that
    /// remembers the hash of the last block it read sees a re-org under it when this changes.
    pub async fn block_hash(&self, number: u64) -> Result<Option<B256>, L1Error> {
        Ok(self
            .provider
            .get_block_by_number(number.into())
            .await
            .map_err(rpc)?
            .map(|b| b.header.hash))
    }

    /// The contract's `E` events in L1 blocks `from..=to`, in order, with their transactions,
    /// asked for [`LOG_WINDOW`] blocks at a time.
    pub async fn events<E: SolEvent>(&self, from: u64, to: u64) -> Result<Vec<(E, B256)>, L1Error> {
        let mut out = Vec::new();
        let mut start = from;
        while start <= to {
            let end = to.min(start.saturating_add(LOG_WINDOW - 1));
            out.extend(self.events_in::<E>(start, end).await?);
            let Some(next) = end.checked_add(1) else {
                break;
            };
            start = next;
        }
        Ok(out)
    }

    /// [`Rollup::events`] in one request.
    async fn events_in<E: SolEvent>(&self, from: u64, to: u64) -> Result<Vec<(E, B256)>, L1Error> {
        let filter = Filter::new()
            .address(self.address)
            .event_signature(E::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc)?;
        logs.iter()
            .map(|l| {
                let event = E::decode_log(&l.inner)
                    .map_err(|e| L1Error::Contract {
                        address: self.address,
                        reason: e.to_string(),
                    })?
                    .data;
                let tx = l
                    .transaction_hash
                    .ok_or_else(|| L1Error::Rpc("a log without its transaction".into()))?;
                Ok((event, tx))
            })
            .collect()
    }

    /// The call trace of L1 transaction `hash` (geth's `callTracer`, with logs), from the
    /// node's `debug_traceTransaction`.
    pub async fn call_trace(
        &self,
        hash: B256,
    ) -> Result<alloy_rpc_types_trace::geth::CallFrame, L1Error> {
        let options =
            serde_json::json!({ "tracer": "callTracer", "tracerConfig": { "withLog": true } });
        self.provider
            .raw_request("debug_traceTransaction".into(), (hash, options))
            .await
            .map_err(rpc)
    }

    /// The calldata of L1 transaction `hash`, and the versioned hashes of its blobs.
    pub async fn transaction_input(&self, hash: B256) -> Result<(Bytes, Vec<B256>), L1Error> {
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(rpc)?
            .ok_or_else(|| L1Error::Rpc(format!("the L1 has no transaction {hash}")))?;
        let blobs = alloy_consensus::Transaction::blob_versioned_hashes(&tx)
            .map(<[B256]>::to_vec)
            .unwrap_or_default();
        Ok((alloy_consensus::Transaction::input(&tx).clone(), blobs))
    }

    /// The blobs with these versioned hashes, from the L1 node's `engine_getBlobsV2` (the
    /// node keeps the blobs of sealed transactions).
    pub async fn blobs(&self, hashes: &[B256]) -> Result<Vec<Vec<u8>>, L1Error> {
        let out: Vec<Option<serde_json::Value>> = self
            .provider
            .raw_request("engine_getBlobsV2".into(), (hashes,))
            .await
            .map_err(rpc)?;
        hashes
            .iter()
            .zip(out.into_iter().chain(std::iter::repeat(None)))
            .map(|(hash, blob)| {
                blob.and_then(|b| b["blob"].as_str().map(str::to_owned))
                    .and_then(|hex| alloy_primitives::hex::decode(hex).ok())
                    .ok_or_else(|| L1Error::Rpc(format!("the L1 node does not serve blob {hash}")))
            })
            .collect()
    }

    /// Sends a call to the contract with `value` and waits for its receipt.
    pub async fn send<C: SolCall>(
        &self,
        call: C,
        value: U256,
    ) -> Result<TransactionReceipt, L1Error> {
        // The nonce is read each time rather than counted here: an L1 re-org can drop a
        // transaction already sent, and a counted nonce would then leave a gap for ever.
        let nonce = self
            .provider
            .get_transaction_count(self.sender)
            .pending()
            .await
            .map_err(rpc)?;
        let tx = TransactionRequest::default()
            .with_from(self.sender)
            .with_nonce(nonce)
            .with_to(self.address)
            .with_value(value)
            .with_input(Bytes::from(call.abi_encode()));
        let contract = |e: alloy_provider::transport::TransportError| L1Error::Contract {
            address: self.address,
            reason: format!("{}: {e}", C::SIGNATURE),
        };
        // The estimate is exact for the state it ran on, but what lands first can make the
        // call dearer (a message appended after others writes a fresh tree slot: about
        // 118,000 more on Amsterdam); the unused rest is not charged.
        let estimate = self
            .provider
            .estimate_gas(tx.clone())
            .await
            .map_err(contract)?;
        let tx = tx.with_gas_limit(estimate + estimate / 4 + GAS_MARGIN);
        let pending = self.provider.send_transaction(tx).await.map_err(contract)?;
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(rpc)?;
        if !receipt.status() {
            return Err(L1Error::Reverted {
                hash: receipt.transaction_hash,
            });
        }
        Ok(receipt)
    }

    /// Sends a call to the contract in a blob transaction carrying `blobs`, with the proof
    /// `sidecar` beside it (`nr_sendRawTransactionWithProofs`: the L1 node verifies every
    /// proof before pooling it), and waits for its receipt. The gas limit is given: a node
    /// cannot estimate a call whose EXECUTE depends on proofs it has not seen.
    pub async fn send_with_proofs<C: SolCall>(
        &self,
        call: C,
        blobs: &[alloy_eips::eip4844::Blob],
        sidecar: &[u8],
        gas_limit: u64,
    ) -> Result<TransactionReceipt, L1Error> {
        use alloy_consensus::{SignableTransaction, TxEip4844, TxEip4844WithSidecar};
        use alloy_eips::{
            eip2718::Encodable2718, eip4844::BlobTransactionSidecar,
            eip7594::BlobTransactionSidecarVariant,
        };
        use alloy_signer::SignerSync;
        let settings = c_kzg::ethereum_kzg_settings(0);
        let blob_sidecar =
            BlobTransactionSidecar::try_from_blobs_with_settings(blobs.to_vec(), settings)
                .and_then(|s| s.try_into_7594(settings))
                .map_err(|e| L1Error::Rpc(format!("blob sidecar: {e}")))?;
        let blob_sidecar = BlobTransactionSidecarVariant::Eip7594(blob_sidecar);
        let p = &self.provider;
        let chain_id = p.get_chain_id().await.map_err(rpc)?;
        let nonce = p
            .get_transaction_count(self.sender)
            .pending()
            .await
            .map_err(rpc)?;
        let fees = p.estimate_eip1559_fees().await.map_err(rpc)?;
        let blob_fee = p.get_blob_base_fee().await.map_err(rpc)?;
        let tx = TxEip4844 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            to: self.address,
            value: U256::ZERO,
            input: Bytes::from(call.abi_encode()),
            blob_versioned_hashes: blob_sidecar.versioned_hashes().collect(),
            max_fee_per_blob_gas: blob_fee.saturating_mul(2).max(1),
            ..Default::default()
        };
        let tx = TxEip4844WithSidecar {
            tx,
            sidecar: blob_sidecar,
        };
        let signature = self.key.sign_hash_sync(&tx.signature_hash()).map_err(rpc)?;
        let raw = nr_node::pool::NetworkTx::from(tx.into_signed(signature)).encoded_2718();
        let hash: B256 = p
            .raw_request(
                "nr_sendRawTransactionWithProofs".into(),
                (Bytes::from(raw), Bytes::copy_from_slice(sidecar)),
            )
            .await
            .map_err(|e| L1Error::Contract {
                address: self.address,
                reason: format!("{}: {e}", C::SIGNATURE),
            })?;
        let receipt = alloy_provider::PendingTransactionBuilder::new(p.root().clone(), hash)
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(rpc)?;
        if !receipt.status() {
            return Err(L1Error::Reverted { hash });
        }
        Ok(receipt)
    }

    /// Deploys a `NativeRollup` with `args`, escrowing `backing`; returns its address.
    pub async fn deploy(
        url: &str,
        key: PrivateKeySigner,
        args: NativeRollup::constructorCall,
        backing: U256,
    ) -> Result<Address, L1Error> {
        use alloy_sol_types::SolConstructor;
        let rollup = Self::connect(url, Address::ZERO, key)?;
        let code = [NativeRollup::BYTECODE.as_ref(), &args.abi_encode()].concat();
        let tx = TransactionRequest::default()
            .with_from(rollup.sender)
            .with_deploy_code(Bytes::from(code))
            .with_value(backing);
        let receipt = rollup
            .provider
            .send_transaction(tx)
            .await
            .map_err(rpc)?
            .get_receipt()
            .await
            .map_err(rpc)?;
        match (receipt.status(), receipt.contract_address) {
            (true, Some(address)) => Ok(address),
            _ => Err(L1Error::Reverted {
                hash: receipt.transaction_hash,
            }),
        }
    }
}
