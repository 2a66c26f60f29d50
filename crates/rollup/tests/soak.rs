//! A bounded soak of the running rollup, as real processes on loopback (the L1 `nr-node`,
//! the sequencer and settler `nr-rollup run`, 1-second blocks on both chains): four users
//! deposit, transfer, withdraw and claim at random for `NR_SOAK_SECS` seconds (default 45).
//!
//! Throughout, at each check the L1 escrow matches exactly what the L2 owes at the settled
//! head, read from the chains alone (L1 block B, settled L2 block S):
//!
//!   escrow(B) - fees owed(B) - withdrawals recorded by S and unpaid at B
//!       = ETH outside the bridge on the L2 at S + messages sent by B and unclaimed at S
//!
//! An attacker runs beside them: messages whose L2 call always fails (poisoned, with value),
//! forced transactions from an account with no L2 funds, with a max fee no block covers, and
//! valid ones of its own, through the L1 inbox (an 8-second forced-inclusion delay, so they
//! come due during the soak). The sequencer relays no poisoned message (its float pays for
//! nothing that fails) and every forced transaction is resolved once due. A rival sequencer
//! of the same rollup (its own datadir, a key with no L2 funds, its own L1 settler) seals
//! blocks of its own and settles them whenever it gets ahead, every 3 s: each time it wins,
//! the sequencer re-orgs its unsettled tail onto the rival's blocks and seals the users'
//! transactions again; the users' receipts move to the new blocks, and the books stay exact.
//!
//! At the end every withdrawal is claimed on the L1. It prints the operations per second and
//! the settlement lag (docs/rollup.md records a run).

mod common;

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockId, Filter, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use common::*;
use nr_contracts::{L2_BRIDGE, L2Bridge, NativeRollup};
use nr_rollup::l1::Rollup;
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// Dev accounts 5 to 8 of the dev mnemonic.
const USERS: [&str; 4] = [
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
];
/// Dev account 9: the attacker.
const ATTACKER: &str = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
/// Gas of the users' L2 transactions: an estimate is made on the head's state, and a re-org
/// may run the transaction where its recipient or a slot it writes does not exist yet
/// (EIP-8037 state gas: 183,600 for an account, 97,920 a slot).
const RE_ORG_SAFE_GAS: u64 = 400_000;
/// Who the rival's blocks pay their tips to.
const RIVAL_BENEFICIARY: Address = Address::repeat_byte(0x7a);
/// Dev account 2: the rival's L1 settler.
const RIVAL_SETTLER_KEY: &str =
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
/// Dev account 0: the sequencer, holding the genesis float.
const SEQUENCER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const MILLI: u128 = ETH / 1000;

/// xorshift64*: a reproducible walk per user.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// A user's withdrawal, until paid: its L2 transaction (a re-org may move it to another
/// block, so its receipt is read again when it is claimed).
struct Pending {
    tx: alloy_primitives::B256,
}

struct User {
    key: PrivateKeySigner,
    l1: Rollup,
    l2: DynProvider,
    pending: Vec<Pending>,
}

impl User {
    async fn l2_balance(&self) -> u128 {
        self.l2
            .get_balance(self.key.address())
            .await
            .unwrap()
            .to::<u128>()
    }

    async fn deposit(&self, value: u128) {
        self.l1
            .send(
                NativeRollup::depositETHCall {
                    to: self.key.address(),
                },
                U256::from(value),
            )
            .await
            .expect("deposit");
    }

    /// Sends an L2 transaction and waits for its receipt, which must be a success. `None`
    /// if the node refused it for want of funds: a rival's settlement re-orged away the
    /// claim that funded the user since its balance was read (the claim is sealed again).
    async fn l2_send(
        &self,
        tx: TransactionRequest,
    ) -> Option<alloy_rpc_types_eth::TransactionReceipt> {
        let hash = match self.l2.send_transaction(tx).await {
            Ok(pending) => *pending.tx_hash(),
            Err(e) if e.to_string().contains("insufficient funds") => return None,
            Err(e) => panic!("L2 send: {e}"),
        };
        // Its receipt, read by hash: a re-org may move it to another block.
        let r = eventually(
            &format!("a receipt of L2 transaction {hash}"),
            90,
            || async { self.l2.get_transaction_receipt(hash).await.ok().flatten() },
        )
        .await;
        assert!(r.status(), "L2 transaction {} failed", r.transaction_hash);
        Some(r)
    }

    /// Whether the withdrawal was sent ([`User::l2_send`]).
    async fn withdraw(&mut self, value: u128) -> bool {
        let tx = TransactionRequest::default()
            .with_to(L2_BRIDGE)
            .with_value(U256::from(value))
            .with_input(
                L2Bridge::withdrawCall {
                    to: self.key.address(),
                }
                .abi_encode(),
            )
            .with_gas_limit(RE_ORG_SAFE_GAS);
        let Some(r) = self.l2_send(tx).await else {
            return false;
        };
        self.pending.push(Pending {
            tx: r.transaction_hash,
        });
        true
    }

    /// Claims the first of its withdrawals that is settled; whether there was one. Waits
    /// (returns false) while the L2 node is not on the settled chain (a rival's settlement
    /// it has not followed yet).
    async fn claim_settled(&mut self) -> bool {
        let latest = BlockId::latest();
        let Ok(settled) = self.l1.view(NativeRollup::headNumberCall {}, latest).await else {
            return false;
        };
        if !on_settled_chain(&self.l1, &self.l2, latest, settled).await {
            return false;
        }
        for i in 0..self.pending.len() {
            let Ok(Some(r)) = self.l2.get_transaction_receipt(self.pending[i].tx).await else {
                continue; // pooled again after a re-org
            };
            let block = r.block_number.unwrap();
            if block > settled {
                continue;
            }
            let event = withdrawal_of(&r);
            let Ok(claim) =
                nr_rollup::bridge::withdrawal_claim(&self.l1, &self.l2, &event, block).await
            else {
                return false; // the settled head moved meanwhile
            };
            // A rival's settlement between the check and the proof may have made the proof
            // one of a chain the L1 no longer settles: tried again later.
            if let Err(e) = self.l1.send(claim, U256::ZERO).await {
                eprintln!("soak: a claim failed ({e}); trying again");
                return false;
            }
            self.pending.remove(i);
            return true;
        }
        false
    }
}

/// Whether the L2 bridge marked message `index` claimed at block `at`.
async fn is_claimed(l2: &DynProvider, index: u64, at: BlockId) -> bool {
    let call = TransactionRequest::default()
        .with_to(L2_BRIDGE)
        .with_input(L2Bridge::isClaimedCall { index }.abi_encode());
    let out = l2.call(call).block(at).await.unwrap();
    L2Bridge::isClaimedCall::abi_decode_returns(&out).unwrap()
}

/// Whether the L2 node's block `settled` is the one the L1 settled at `at`.
async fn on_settled_chain(rollup: &Rollup, l2: &DynProvider, at: BlockId, settled: u64) -> bool {
    let Ok(hash) = rollup.view(NativeRollup::headHashCall {}, at).await else {
        return false;
    };
    l2.get_block_by_number(settled.into())
        .await
        .ok()
        .flatten()
        .is_some_and(|b| b.header.hash == hash)
}

/// What the L2 owes and what the L1 holds, at L1 block `b` and the L2 block it settled:
/// (escrow - fees owed - unpaid withdrawals, L2 ETH outside the bridge + unclaimed messages).
/// `None` while the L2 node is not on the chain the L1 settled (a rival's settlement it has
/// not followed yet).
async fn books(
    rollup: &Rollup,
    l2: &DynProvider,
    holders: &[Address],
    b: u64,
) -> Option<(U256, U256, u64)> {
    let at = BlockId::number(b);
    let s = rollup
        .view(NativeRollup::headNumberCall {}, at)
        .await
        .unwrap();
    if !on_settled_chain(rollup, l2, at, s).await {
        return None;
    }
    let escrow = rollup
        .provider()
        .get_balance(rollup.address)
        .block_id(at)
        .await
        .unwrap();
    let fees = U256::from(
        rollup
            .view(NativeRollup::feesOwedCall {}, at)
            .await
            .unwrap(),
    );
    let settled = BlockId::number(s);
    // Withdrawals the settled L2 recorded, less those the L1 paid by B.
    let filter = Filter::new()
        .address(L2_BRIDGE)
        .event_signature(L2Bridge::WithdrawalInitiated::SIGNATURE_HASH)
        .from_block(0)
        .to_block(s);
    let mut unpaid = U256::ZERO;
    for log in l2.get_logs(&filter).await.unwrap() {
        let w = L2Bridge::WithdrawalInitiated::decode_log(&log.inner)
            .unwrap()
            .data;
        let paid = rollup
            .view(NativeRollup::withdrawalClaimedCall { nonce: w.nonce }, at)
            .await
            .unwrap();
        if !paid {
            unpaid += w.value;
        }
    }
    // Messages the L1 took by B, less those the settled L2 claimed.
    let mut unclaimed = U256::ZERO;
    for (m, _) in rollup
        .events::<NativeRollup::MessageSent>(0, b)
        .await
        .unwrap()
    {
        if !is_claimed(l2, m.index, settled).await {
            unclaimed += m.value + m.fee;
        }
    }
    let mut outside = U256::ZERO;
    for a in holders {
        outside += l2.get_balance(*a).block_id(settled).await.unwrap();
    }
    // The node may have re-orged while it was read.
    on_settled_chain(rollup, l2, at, s).await.then_some((
        escrow - fees - unpaid,
        outside + unclaimed,
        s,
    ))
}

/// A signed EIP-1559 transfer of 1 wei on the L2 (chain 901), as the inbox takes it.
fn forced_transfer(key: &PrivateKeySigner, nonce: u64, max_fee: u128, to: Address) -> Vec<u8> {
    use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_signer::SignerSync;
    let tx = TxEip1559 {
        chain_id: nr_node::genesis::DEV_L2_CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_fee.min(1_000_000_000),
        to: alloy_primitives::TxKind::Call(to),
        value: U256::from(1),
        input: Default::default(),
        access_list: Default::default(),
    };
    let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_soak_keeps_the_escrow_exact() {
    let secs: u64 = std::env::var("NR_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let (rig, _l1) = Rig::deployed_with("soak", &["--forced-inclusion-delay", "8"]).await;
    let _sequencer = rig.start_sequencer(&[]).await;
    // The rollup's L2 genesis (the float held by the sequencer's key).
    let genesis = nr_rollup::genesis::l2_genesis(
        nr_node::genesis::DEV_L2_CHAIN_ID,
        SEQUENCER_KEY.parse::<PrivateKeySigner>().unwrap().address(),
    );
    let l2 = provider(&rig.l2_url());
    let reader = Rollup::connect(&rig.l1_url, rig.rollup, PrivateKeySigner::random()).unwrap();
    // Who can hold ETH on the L2 outside the bridge: the genesis's holders and the users.
    let mut holders: Vec<Address> = genesis
        .alloc
        .iter()
        .filter(|(a, acc)| **a != L2_BRIDGE && !acc.balance.is_zero())
        .map(|(a, _)| *a)
        .collect();
    let dev = nr_node::genesis::dev_accounts();
    let mut users = Vec::new();
    for key in USERS {
        let key: PrivateKeySigner = key.parse().unwrap();
        assert!(dev.contains(&key.address()), "a dev account");
        holders.push(key.address());
        users.push(User {
            l1: Rollup::connect(&rig.l1_url, rig.rollup, key.clone()).unwrap(),
            l2: ProviderBuilder::new()
                .wallet(EthereumWallet::from(key.clone()))
                .connect_http(rig.l2_url().parse().unwrap())
                .erased(),
            key,
            pending: Vec::new(),
        });
    }
    let addresses: Vec<Address> = users.iter().map(|u| u.key.address()).collect();
    let attacker: PrivateKeySigner = ATTACKER.parse().unwrap();
    holders.push(attacker.address());
    // The rival's blocks pay their tips to it.
    holders.push(RIVAL_BENEFICIARY);

    // The users, each on its own walk.
    // Operations done: deposits, transfers, withdrawals, claims.
    let done = Arc::new(Mutex::new([0u64; 4]));
    let running = Arc::new(AtomicBool::new(true));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, mut user) in users.into_iter().enumerate() {
        let (done, running, addresses) = (done.clone(), running.clone(), addresses.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x5eed + i as u64);
            user.deposit(100 * MILLI).await;
            done.lock().unwrap()[0] += 1;
            while running.load(Ordering::Relaxed) {
                let balance = user.l2_balance().await;
                let kind = match rng.below(10) {
                    0..=1 => 0,
                    2..=4 if balance > 20 * MILLI => 1,
                    5..=6 if balance > 20 * MILLI => 2,
                    7..=9 if user.claim_settled().await => 3,
                    _ => continue,
                };
                let value = (1 + rng.below(10) as u128) * MILLI;
                let sent = match kind {
                    0 => {
                        user.deposit(value * 5).await;
                        true
                    }
                    1 => {
                        let to = addresses[rng.below(addresses.len() as u64) as usize];
                        let tx = TransactionRequest::default()
                            .with_to(to)
                            .with_value(U256::from(value))
                            .with_gas_limit(RE_ORG_SAFE_GAS);
                        user.l2_send(tx).await.is_some()
                    }
                    2 => user.withdraw(value).await,
                    _ => true,
                };
                if sent {
                    done.lock().unwrap()[kind] += 1;
                }
            }
            user
        }));
    }

    // The attacker, on its own walk: [poisoned messages, forced unfunded, forced under any
    // base fee, forced valid].
    let attacks = Arc::new(Mutex::new([0u64; 4]));
    let attacker_task = {
        let (attacks, running) = (attacks.clone(), running.clone());
        let l1 = Rollup::connect(&rig.l1_url, rig.rollup, attacker.clone()).unwrap();
        let l2 = provider(&rig.l2_url());
        tokio::spawn(async move {
            let mut rng = Rng(0xbad);
            l1.send(
                NativeRollup::depositETHCall {
                    to: attacker.address(),
                },
                U256::from(100 * MILLI),
            )
            .await
            .unwrap();
            let mut l2_nonce = 0;
            while running.load(Ordering::Relaxed) {
                let kind = rng.below(4) as usize;
                match kind {
                    0 => {
                        let poisoned = NativeRollup::sendMessageCall {
                            to: Address::with_last_byte(8),
                            value: U256::from(MILLI),
                            data: vec![1u8; 100].into(),
                            gasLimit: 1_300_000,
                        };
                        l1.send(poisoned, U256::from(MILLI)).await.unwrap();
                    }
                    _ => {
                        let tracked = l2_nonce
                            .max(l2.get_transaction_count(attacker.address()).await.unwrap());
                        let (key, nonce, fee) = match kind {
                            1 => (PrivateKeySigner::random(), 0, 100_000_000_000),
                            // At its next nonce, under any base fee: dropped once due, or
                            // its nonce spent by a valid one of its own.
                            2 => (attacker.clone(), tracked, 1),
                            _ => {
                                // Valid once its deposit is claimed: a transfer to itself.
                                let balance = l2.get_balance(attacker.address()).await.unwrap();
                                if balance < U256::from(10 * MILLI) {
                                    continue;
                                }
                                l2_nonce = tracked + 1;
                                (attacker.clone(), tracked, 100_000_000_000)
                            }
                        };
                        let raw = forced_transfer(&key, nonce, fee, attacker.address());
                        l1.send(
                            NativeRollup::forceTransactionCall {
                                transaction: raw.into(),
                            },
                            U256::ZERO,
                        )
                        .await
                        .unwrap();
                    }
                }
                attacks.lock().unwrap()[kind] += 1;
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
        })
    };

    // The rival: an L2 node of the same rollup in this process that follows the settled
    // chain as the sequencer's settler does, seals an empty block of its own on the settled
    // head every few seconds and settles it from its own L1 key. Each win re-orgs the
    // sequencer's unsettled tail.
    let rival_wins = Arc::new(Mutex::new(0u64));
    let rival_task = {
        let (rival_wins, running) = (rival_wins.clone(), running.clone());
        let l1 =
            Rollup::connect(&rig.l1_url, rig.rollup, RIVAL_SETTLER_KEY.parse().unwrap()).unwrap();
        let spec = nr_node::ChainSpec::from_genesis(genesis.clone()).unwrap();
        let datadir = rig.dir.path().join("rival");
        tokio::spawn(async move {
            let chain = nr_node::Chain::open(
                nr_node::Role::L2,
                spec,
                alloy_evm::eth::EthEvmFactory::default(),
                &datadir,
            )
            .unwrap();
            let rival = nr_node::start(
                chain,
                nr_node::NodeConfig {
                    http: "127.0.0.1:0".parse().unwrap(),
                    block_time: None,
                    fee_recipient: RIVAL_BENEFICIARY,
                    datadir: datadir.clone(),
                    wait_for_anchor: true,
                    refuse_senders: Default::default(),
                    rpc: Default::default(),
                    set_head: false,
                },
            )
            .await
            .unwrap();
            let node = rival.node.clone();
            let mut rng = Rng(0x71);
            while running.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(2000 + 500 * rng.below(8))).await;
                if nr_rollup::settler::follow_settled(&node, &l1)
                    .await
                    .is_err()
                {
                    continue;
                }
                let (n, anchor) = {
                    let chain = node.chain();
                    (chain.head().number, chain.head().parent_beacon_block_root)
                };
                if n > 0 {
                    node.set_anchor(anchor.unwrap_or_default());
                }
                let Some(settled) = l1
                    .view(NativeRollup::headNumberCall {}, BlockId::latest())
                    .await
                    .ok()
                    .filter(|&s| s == n && n > 0)
                else {
                    continue;
                };
                let Ok(sealed) = node.seal() else { continue };
                let input = node
                    .chain()
                    .store()
                    .stateless_input(settled + 1)
                    .unwrap()
                    .unwrap();
                let call = NativeRollup::settleCall {
                    input: input.into(),
                    resolutions: vec![],
                };
                // Lost when the sequencer's settlement of that height came first, or when
                // a forced transaction is due (the rival resolves none).
                if l1.send(call, U256::ZERO).await.is_ok() {
                    eprintln!(
                        "soak: the rival settled its block {}",
                        sealed.block.header.number
                    );
                    *rival_wins.lock().unwrap() += 1;
                }
            }
            rival.stop().await.unwrap();
        })
    };

    // Meanwhile: the settlement lag every second, the books every few.
    let mut lags = Vec::new();
    let mut checks = 0;
    let deadline = started + Duration::from_secs(secs);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let settled = reader
            .view(NativeRollup::headNumberCall {}, BlockId::latest())
            .await
            .unwrap();
        let head = l2.get_block_number().await.unwrap();
        lags.push(head.saturating_sub(settled));
        if lags.len() % 5 == 0 {
            let b = reader.head().await.unwrap();
            if let Some((held, owed, s)) = books(&reader, &l2, &holders, b).await {
                assert_eq!(held, owed, "escrow at L1 block {b}, settled L2 block {s}");
                checks += 1;
            }
        }
    }
    running.store(false, Ordering::Relaxed);
    attacker_task.await.unwrap();
    rival_task.await.unwrap();
    let mut users = Vec::new();
    for t in tasks {
        users.push(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Every withdrawal is claimable: wait for its settlement, claim it.
    for user in &mut users {
        let deadline = Instant::now() + Duration::from_secs(90);
        while !user.pending.is_empty() {
            if user.claim_settled().await {
                done.lock().unwrap()[3] += 1;
                continue;
            }
            assert!(
                Instant::now() < deadline,
                "the last withdrawals settle and are claimed within 90 s"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let (b, (held, owed, _)) = eventually("the books at the end", 60, || async {
        let b = reader.head().await.ok()?;
        Some((b, books(&reader, &l2, &holders, b).await?))
    })
    .await;
    assert_eq!(held, owed, "escrow at the end (L1 block {b})");

    // Every forced transaction is resolved once due (the attacker's are all due by now).
    let tail = reader
        .view(NativeRollup::forcedTailCall {}, BlockId::latest())
        .await
        .unwrap();
    eventually("every forced transaction is resolved", 90, || async {
        let head = reader
            .view(NativeRollup::forcedHeadCall {}, BlockId::latest())
            .await
            .ok()?;
        (head >= tail).then_some(())
    })
    .await;
    // The float paid for no failing relay: each claim the sequencer sent claimed a message,
    // and no poisoned message was claimed.
    let sequencer = SEQUENCER_KEY.parse::<PrivateKeySigner>().unwrap().address();
    let head = l2.get_block_number().await.unwrap();
    let mut sent = 0;
    for n in 1..=head {
        for r in l2
            .get_block_receipts(n.into())
            .await
            .unwrap()
            .unwrap_or_default()
        {
            if r.from == sequencer {
                assert!(
                    r.status(),
                    "the sequencer's claim {} failed",
                    r.transaction_hash
                );
                sent += 1;
            }
        }
    }
    let mut claimed = 0;
    for (m, _) in reader
        .events::<NativeRollup::MessageSent>(0, b)
        .await
        .unwrap()
    {
        if is_claimed(&l2, m.index, BlockId::number(head)).await {
            assert_ne!(
                m.to,
                Address::with_last_byte(8),
                "a poisoned message was claimed"
            );
            claimed += 1;
        }
    }
    assert!(
        sent <= claimed,
        "each of the sequencer's claims claimed a message"
    );
    // The rival won settlements, and the sequencer followed every one (it settled past).
    let rival_wins = *rival_wins.lock().unwrap();
    assert!(rival_wins > 0, "the rival won no settlement");
    let attacks = *attacks.lock().unwrap();
    assert!(
        attacks.iter().all(|&n| n > 0),
        "every attack was tried: {attacks:?}"
    );

    let [deposits, transfers, withdrawals, claims] = *done.lock().unwrap();
    let ops = deposits + transfers + withdrawals + claims;
    assert!(
        withdrawals > 0 && claims >= withdrawals,
        "the walk withdrew and claimed"
    );
    assert!(checks > 0, "the books were checked during the soak");
    lags.sort_unstable();
    let mean = lags.iter().sum::<u64>() as f64 / lags.len() as f64;
    println!(
        "soak: attacker: {} poisoned messages, {} forced unfunded, {} forced under any base \
         fee, {} forced valid; all resolved; the rival won {rival_wins} settlements",
        attacks[0], attacks[1], attacks[2], attacks[3]
    );
    println!(
        "soak: {elapsed:.0} s, {ops} operations ({deposits} deposits, {transfers} L2 transfers, \
         {withdrawals} withdrawals, {claims} claims): {:.2} ops/s; settlement lag (L2 blocks \
         of 1 s, sampled each second) median {}, mean {mean:.1}, max {}; escrow exact at \
         {checks} checks",
        ops as f64 / elapsed,
        lags[lags.len() / 2],
        lags[lags.len() - 1],
    );
}
