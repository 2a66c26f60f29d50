//! The rollup on the embedded L1 devnet, in process: an `nr-node` L1 engine with the real
//! EXECUTE (its genesis settling L2 chains 901 and 902) and an `nr-node` L2 engine whose
//! genesis holds the bridge predeploy. Transactions are signed, pooled and sealed into real
//! blocks on both; reads go through the engines' own call and proof code.

#![allow(dead_code)]

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface};
use nr_contracts::{L2Bridge, NativeRollup, Resolution, tree::MessageTree};
use nr_execute::NativeRollupEvmFactory;
use nr_node::{BlockAttributes, Chain, ChainSpec, Role, genesis};
use nr_stateless::{StatelessInput, StatelessRangeInput};
use nr_statement::ExecuteInput;
use revm::context::TxEnv;
use tempfile::TempDir;

pub const L2_CHAIN: u64 = 901;
pub const OTHER_L2_CHAIN: u64 = 902;
/// The L2's block gas limit: a range of 10 blocks must fit EXECUTE's up-front charge
/// (3/5 L1 gas per L2 gas of limit) under EIP-7825's 2^24 per-transaction cap.
pub const L2_GAS_LIMIT: u64 = 1_500_000;
pub const SCHEMA_OSAKA: u16 = 0x1201;
/// Gas limit of the rig's L1 transactions. On the Amsterdam L1 a transaction's limit may pass
/// EIP-7825's 2^24 cap by the state gas it pays (EIP-8037): deploying `NativeRollup`'s
/// 18.9 KB of code alone costs about 29M of it at 1,530 gas a byte.
pub const L1_TX_GAS: u64 = 40_000_000;
/// What the L2 genesis gives its sequencer (the relayer's float), backed on L1 at deployment.
pub const SEQUENCER_FLOAT: u128 = 10_000_000_000_000_000_000;
pub const FEE_RECIPIENT: Address = Address::new([0xfe; 20]);
/// Seconds before a forced transaction must be resolved (five L1 blocks here).
pub const FORCED_INCLUSION_DELAY: u64 = 60;
/// The rollup's `MAX_ANCHOR_AGE` in these tests.
pub const MAX_ANCHOR_AGE: u64 = 600;
const L1_BLOCK_TIME: u64 = 12;

/// The dev keys: 0 deploys and sequences, 1 and 2 are users.
pub fn key(i: usize) -> PrivateKeySigner {
    [
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ][i]
        .parse()
        .unwrap()
}

/// A signed EIP-1559 L2 transaction (network encoding) from `key` to `to`.
pub fn l2_transaction(
    key: &PrivateKeySigner,
    nonce: u64,
    max_fee: u128,
    to: Address,
    value: U256,
) -> Bytes {
    l2_transaction_with_gas(key, nonce, max_fee, to, value, 21_000)
}

/// [`l2_transaction`] with a chosen gas limit.
pub fn l2_transaction_with_gas(
    key: &PrivateKeySigner,
    nonce: u64,
    max_fee: u128,
    to: Address,
    value: U256,
    gas_limit: u64,
) -> Bytes {
    l2_call(key, nonce, max_fee, to, value, gas_limit, Bytes::new())
}

/// A signed EIP-1559 L2 call with calldata `input`.
pub fn l2_call(
    key: &PrivateKeySigner,
    nonce: u64,
    max_fee: u128,
    to: Address,
    value: U256,
    gas_limit: u64,
    input: Bytes,
) -> Bytes {
    let tx = TxEip1559 {
        chain_id: L2_CHAIN,
        nonce,
        gas_limit,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_fee.min(1_000_000_000),
        to: TxKind::Call(to),
        value,
        input,
        access_list: Default::default(),
    };
    let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
}

/// A mined transaction's outcome.
#[derive(Debug)]
pub struct Outcome {
    pub success: bool,
    pub gas_used: u64,
    pub logs: Vec<Log>,
    /// Whether the transaction carried value (its intrinsic gas depends on it on Amsterdam).
    pub value: bool,
    /// Its EIP-8037 state gas, where the rig ran it as a call first (`rollup_tx`).
    pub state_gas: Option<u64>,
}

impl Outcome {
    pub fn event<E: SolEvent>(&self) -> E {
        self.logs
            .iter()
            .find_map(|l| E::decode_log(l).ok().map(|d| d.data))
            .unwrap_or_else(|| panic!("no {} event", E::SIGNATURE))
    }
}

pub struct Rig {
    pub dirs: (TempDir, TempDir),
    pub l1: Chain<NativeRollupEvmFactory>,
    pub l2: Chain<EthEvmFactory>,
    pub rollup: Address,
    /// Mirror of the L1 message tree, fed from `MessageSent` events.
    pub tree: MessageTree,
    pub messages: Vec<NativeRollup::MessageSent>,
    /// The L2's genesis.
    pub l2_genesis: nr_node::ChainSpec,
}

fn l2_spec(chain_id: u64) -> ChainSpec {
    l2_spec_on(chain_id, false)
}

/// The rollup's L2: the dev chain (Amsterdam from genesis) when `amsterdam`, else the same
/// chain held on Osaka (no `amsterdamTime`), which rollups of schema 0x1201 settle.
fn l2_spec_on(chain_id: u64, amsterdam: bool) -> ChainSpec {
    let mut base = genesis::dev_genesis(Role::L2, chain_id).with_gas_limit(L2_GAS_LIMIT);
    base.config.amsterdam_time = amsterdam.then_some(0);
    let g = nr_contracts::l2_genesis(base, [(key(0).address(), U256::from(SEQUENCER_FLOAT))]);
    ChainSpec::from_genesis(g).unwrap()
}

/// The L1's genesis: the dev L1 settling chains 901 (the rollup's) and 902.
pub fn l1_genesis() -> alloy_genesis::Genesis {
    l1_genesis_for(&l2_spec(L2_CHAIN))
}

fn l1_genesis_for(rollup: &ChainSpec) -> alloy_genesis::Genesis {
    let other = genesis::dev_genesis(Role::L2, OTHER_L2_CHAIN).config;
    genesis::l1_genesis_settling(
        genesis::dev_genesis(Role::L1, 1337),
        &[rollup.genesis.config.clone(), other],
    )
}

impl Rig {
    /// Both chains, and a `NativeRollup` for chain 901 under `schema` deployed on the L1.
    pub fn new(schema: u16) -> Self {
        Self::on(l2_spec(L2_CHAIN), schema)
    }

    /// Both chains with the rollup's L2 on Amsterdam from genesis (schema 0x1501), listed so
    /// by the L1.
    pub fn amsterdam() -> Self {
        Self::on(l2_spec_on(L2_CHAIN, true), 0x1501)
    }

    fn on(l2_spec: ChainSpec, schema: u16) -> Self {
        let l1_spec = ChainSpec::from_genesis(l1_genesis_for(&l2_spec)).unwrap();
        let execute = l1_spec
            .execute
            .clone()
            .expect("the L1 genesis configures EXECUTE");
        let (d1, d2) = (TempDir::new().unwrap(), TempDir::new().unwrap());
        let l1 = Chain::open(
            Role::L1,
            l1_spec,
            NativeRollupEvmFactory::new(execute),
            d1.path(),
        )
        .unwrap();
        let l2 = Chain::open(
            Role::L2,
            l2_spec.clone(),
            EthEvmFactory::default(),
            d2.path(),
        )
        .unwrap();
        let mut rig = Self {
            dirs: (d1, d2),
            l1,
            l2,
            rollup: Address::ZERO,
            tree: MessageTree::new(),
            messages: Vec::new(),
            l2_genesis: l2_spec,
        };
        rig.rollup = rig.deploy(schema);
        rig
    }

    /// Deploys a `NativeRollup` for chain 901 under `schema`, backing the sequencer's float.
    pub fn deploy(&mut self, schema: u16) -> Address {
        self.try_deploy(schema)
            .expect("NativeRollup deployment failed")
    }

    /// [`Self::deploy`], `None` when the constructor reverts.
    pub fn try_deploy(&mut self, schema: u16) -> Option<Address> {
        let header = &self.l2_genesis.header;
        let args = NativeRollup::constructorCall {
            chainId: L2_CHAIN,
            schemaId: schema,
            genesisHash: header.hash_slow(),
            genesisStateRoot: header.state_root,
            l2GasLimit: L2_GAS_LIMIT,
            feeRecipient: FEE_RECIPIENT,
            forcedInclusionDelay: FORCED_INCLUSION_DELAY,
            maxAnchorAge: MAX_ANCHOR_AGE,
        };
        let code = [NativeRollup::BYTECODE.as_ref(), &args.abi_encode()].concat();
        let deployer = key(0);
        let nonce = self.l1_nonce(deployer.address());
        let out = self.l1_tx(&deployer, None, code.into(), U256::from(SEQUENCER_FLOAT));
        out.success.then(|| deployer.address().create(nonce))
    }

    // ------------------------------------------------------------------ L1

    pub fn l1_nonce(&self, who: Address) -> u64 {
        self.l1.account(self.l1.head().state_root, who).unwrap().0
    }

    pub fn l1_balance(&self, who: Address) -> U256 {
        self.l1.account(self.l1.head().state_root, who).unwrap().1
    }

    /// Signs, pools and seals one L1 transaction in its own block.
    pub fn l1_tx(
        &mut self,
        key: &PrivateKeySigner,
        to: Option<Address>,
        data: Bytes,
        value: U256,
    ) -> Outcome {
        let nonce = self.l1_nonce(key.address());
        let raw = sign(
            key,
            self.l1.spec.config.chain_id,
            nonce,
            to,
            data,
            value,
            L1_TX_GAS,
        );
        self.l1
            .submit(&raw)
            .expect("L1 pool admits the transaction");
        let timestamp = self.l1.head().timestamp + L1_BLOCK_TIME;
        let sealed = self.l1.seal(attributes(timestamp, B256::ZERO)).unwrap();
        outcome(&sealed)
    }

    /// Calls the rollup from `key` in a mined transaction; panics with the decoded error on
    /// a revert.
    pub fn rollup_tx<C: SolCall>(
        &mut self,
        key: &PrivateKeySigner,
        call: C,
        value: U256,
    ) -> Outcome {
        let state_gas = match self.rollup_outcome(key.address(), &call, value) {
            Ok(out) => out.state_gas,
            Err(e) => panic!("{} reverted: {e:?}", C::SIGNATURE),
        };
        let mut out = self.l1_tx(key, Some(self.rollup), call.abi_encode().into(), value);
        assert!(out.success, "{} failed on chain", C::SIGNATURE);
        out.state_gas = Some(state_gas);
        out
    }

    /// Runs a rollup call from `from` on the L1 head, in the next block's environment,
    /// committing nothing.
    pub fn rollup_call<C: SolCall>(
        &self,
        from: Address,
        call: &C,
        value: U256,
    ) -> Result<nr_node::query::CallOutcome, nr_node::query::CallError> {
        let head = self.l1.head().clone();
        let env = self.l1.next_env(head.timestamp + L1_BLOCK_TIME);
        let tx = TxEnv {
            caller: from,
            kind: TxKind::Call(self.rollup),
            data: call.abi_encode().into(),
            value,
            gas_limit: L1_TX_GAS,
            chain_id: Some(self.l1.spec.config.chain_id),
            nonce: self.l1_nonce(from),
            ..Default::default()
        };
        self.l1.call(&head, env, tx)
    }

    /// Runs a rollup call from `from`; `Err` holds the decoded revert.
    pub fn rollup_try<C: SolCall>(
        &self,
        from: Address,
        call: &C,
        value: U256,
    ) -> Result<Bytes, NativeRollup::NativeRollupErrors> {
        self.rollup_outcome(from, call, value).map(|out| out.output)
    }

    /// [`Self::rollup_call`] with its revert decoded; panics if it does not run.
    fn rollup_outcome<C: SolCall>(
        &self,
        from: Address,
        call: &C,
        value: U256,
    ) -> Result<nr_node::query::CallOutcome, NativeRollup::NativeRollupErrors> {
        match self.rollup_call(from, call, value) {
            Ok(out) => Ok(out),
            Err(nr_node::query::CallError::Reverted { output }) => {
                Err(NativeRollup::NativeRollupErrors::abi_decode(&output)
                    .unwrap_or_else(|_| panic!("undecodable revert {output}")))
            }
            Err(e) => panic!("{} did not run: {e}", C::SIGNATURE),
        }
    }

    /// Gas a rollup call uses when run as a transaction from `from` (nothing committed).
    pub fn call_gas<C: SolCall>(&self, from: Address, call: &C) -> u64 {
        self.rollup_call(from, call, U256::ZERO)
            .expect("the call succeeds")
            .gas_used
    }

    /// A view of the rollup.
    pub fn view<C: SolCall>(&self, call: C) -> C::Return {
        let out = self
            .rollup_try(Address::ZERO, &call, U256::ZERO)
            .unwrap_or_else(|e| panic!("{} reverted: {e:?}", C::SIGNATURE));
        C::abi_decode_returns(&out).unwrap()
    }

    pub fn message_root(&self) -> B256 {
        self.view(NativeRollup::messageRootCall {})
    }

    /// Deposits `value` for `to` from user key `from`; mirrors the message.
    pub fn deposit(&mut self, from: usize, to: Address, value: U256) -> Outcome {
        let out = self.rollup_tx(&key(from), NativeRollup::depositETHCall { to }, value);
        self.record_message(&out);
        out
    }

    pub fn record_message(&mut self, out: &Outcome) {
        let m: NativeRollup::MessageSent = out.event();
        assert_eq!(
            m.index as usize,
            self.tree.len(),
            "messages arrive in order"
        );
        self.tree
            .push(nr_contracts::message_leaf(&nr_contracts::message_of(&m)));
        assert_eq!(
            m.root,
            self.tree.root(),
            "the contract's root is the off-chain tree's"
        );
        self.messages.push(m);
    }

    // ------------------------------------------------------------------ L2

    pub fn l2_nonce(&self, who: Address) -> u64 {
        self.l2.account(self.l2.head().state_root, who).unwrap().0
    }

    pub fn l2_balance(&self, who: Address) -> U256 {
        self.l2.account(self.l2.head().state_root, who).unwrap().1
    }

    /// Pools one L2 transaction (sealed by the next `l2_seal`).
    /// The EIP-8037 state gas of a call from `from` on the L2 head, in the next block's
    /// environment (nothing committed).
    pub fn l2_state_gas(&self, from: Address, to: Address, data: Bytes, value: U256) -> u64 {
        let head = self.l2.head().clone();
        let env = self.l2.next_env(head.timestamp + 1);
        let tx = TxEnv {
            caller: from,
            kind: TxKind::Call(to),
            data,
            value,
            gas_limit: 1_000_000,
            chain_id: Some(L2_CHAIN),
            nonce: self.l2_nonce(from),
            ..Default::default()
        };
        self.l2
            .call(&head, env, tx)
            .expect("the L2 call succeeds")
            .state_gas
    }

    pub fn l2_submit(&mut self, key: &PrivateKeySigner, to: Address, data: Bytes, value: U256) {
        let nonce = self.l2_nonce(key.address()) + self.l2_pending(key.address());
        let raw = sign(key, L2_CHAIN, nonce, Some(to), data, value, 1_000_000);
        self.l2
            .submit(&raw)
            .expect("L2 pool admits the transaction");
    }

    /// Submits a contract creation from `key` to the L2 pool; returns the new address.
    pub fn l2_create(&mut self, key: &PrivateKeySigner, initcode: Bytes) -> Address {
        let nonce = self.l2_nonce(key.address()) + self.l2_pending(key.address());
        let raw = sign(key, L2_CHAIN, nonce, None, initcode, U256::ZERO, 1_400_000);
        self.l2
            .submit(&raw)
            .expect("L2 pool admits the transaction");
        key.address().create(nonce)
    }

    fn l2_pending(&self, who: Address) -> u64 {
        self.l2.pool.iter().filter(|t| t.sender == who).count() as u64
    }

    /// Seals an L2 block anchoring `anchor` (at the next second unless `timestamp`);
    /// returns its transactions' outcomes.
    pub fn l2_seal_with(&mut self, anchor: B256, timestamp: Option<u64>) -> Vec<Outcome> {
        let t = timestamp.unwrap_or(self.l2.head().timestamp + 1);
        let sealed = self.l2.seal(attributes(t, anchor)).unwrap();
        let mut before = 0;
        sealed
            .receipts
            .iter()
            .zip(&sealed.block.body.transactions)
            .map(|(r, tx)| {
                let gas_used = r.cumulative_gas_used() - before;
                before = r.cumulative_gas_used();
                Outcome {
                    success: r.status(),
                    gas_used,
                    logs: r.logs().to_vec(),
                    value: !alloy_consensus::Transaction::value(tx).is_zero(),
                    state_gas: None,
                }
            })
            .collect()
    }

    /// Seals an L2 block anchoring the rollup's current message root.
    pub fn l2_seal(&mut self) -> Vec<Outcome> {
        let anchor = self.message_root();
        self.l2_seal_with(anchor, None)
    }

    /// Runs an L2 call from `from` on the L2 head; `Err` holds the revert data.
    pub fn l2_try<C: SolCall>(&self, from: Address, to: Address, call: &C) -> Result<Bytes, Bytes> {
        let head = self.l2.head().clone();
        let env = self.l2.next_env(head.timestamp + 1);
        let tx = TxEnv {
            caller: from,
            kind: TxKind::Call(to),
            data: call.abi_encode().into(),
            gas_limit: 1_000_000,
            chain_id: Some(L2_CHAIN),
            nonce: self.l2_nonce(from),
            ..Default::default()
        };
        match self.l2.call(&head, env, tx) {
            Ok(out) => Ok(out.output),
            Err(nr_node::query::CallError::Reverted { output }) => Err(output),
            Err(e) => panic!("{} did not run: {e}", C::SIGNATURE),
        }
    }

    /// Relays message `index` on the L2 from key 0 (the sequencer), proven against the root
    /// anchored by the L2 block at `anchor_timestamp`, which holds the first `count` messages.
    pub fn claim_call(
        &self,
        index: usize,
        anchor_timestamp: u64,
        count: usize,
    ) -> L2Bridge::claimMessageCall {
        L2Bridge::claimMessageCall {
            m: nr_contracts::message_of(&self.messages[index]),
            anchorTimestamp: U256::from(anchor_timestamp),
            path: self.tree.path(index, count),
        }
    }

    /// Gives dev key `user` `value` on the L2 the way a user gets it: a deposit on L1, an L2
    /// block anchoring it, the sequencer's claim.
    pub fn fund_on_l2(&mut self, user: usize, value: U256) {
        let to = key(user).address();
        self.deposit(user, to, value);
        self.l2_seal();
        let (index, at) = (self.messages.len() - 1, self.l2.head().timestamp);
        let claim = self.claim_call(index, at, self.messages.len());
        self.l2_submit(
            &key(0),
            nr_contracts::L2_BRIDGE,
            claim.abi_encode().into(),
            U256::ZERO,
        );
        assert!(self.l2_seal()[0].success, "claim of the deposit");
    }

    /// Seals an L2 block with one transfer from the sequencer, at the L1's time: the L2's
    /// clock catches up with the L1's (forced-transaction deadlines are judged in L2 time).
    pub fn transfer_block_now(&mut self) {
        let now = self.l1.head().timestamp;
        self.transfer_block_at(Some(now));
    }

    /// Seals an L2 block nearly full (one transaction of 36,000 non-zero calldata bytes: the
    /// EIP-7623 floor, 1,461,000 gas of the 1,500,000): the next base fee rises by 11.8%.
    pub fn full_block(&mut self) {
        let who = key(0);
        let nonce = self.l2_nonce(who.address()) + self.l2_pending(who.address());
        let data = Bytes::from(vec![1u8; 36_000]);
        let raw = sign(
            &who,
            L2_CHAIN,
            nonce,
            Some(Address::repeat_byte(0xbe)),
            data,
            U256::ZERO,
            1_461_000,
        );
        self.l2.submit(&raw).expect("L2 pool admits the filler");
        let out = self.l2_seal();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].gas_used, 1_461_000);
    }

    /// The base fee of the next L2 block.
    pub fn l2_next_base_fee(&self) -> u128 {
        let head = self.l2.head();
        let params = alloy_eips::eip1559::BaseFeeParams::ethereum();
        u128::from(head.next_block_base_fee(params).expect("post-London"))
    }

    /// Seals an L2 block with one transfer from the sequencer.
    pub fn transfer_block(&mut self) {
        self.transfer_block_at(None);
    }

    /// [`Rig::transfer_block`] at `timestamp` (the next second unless given).
    fn transfer_block_at(&mut self, timestamp: Option<u64>) {
        self.l2_submit(
            &key(0),
            Address::repeat_byte(0xbe),
            Bytes::new(),
            U256::from(1),
        );
        let anchor = self.message_root();
        assert!(self.l2_seal_with(anchor, timestamp)[0].success);
    }

    /// The L1 claim of withdrawal `w`, proven against the newest settled state root (which
    /// must be the L2 head's).
    pub fn withdrawal_claim(
        &self,
        w: &L2Bridge::WithdrawalInitiated,
    ) -> NativeRollup::claimWithdrawalCall {
        let withdrawal = NativeRollup::Withdrawal {
            nonce: w.nonce,
            from: w.from,
            to: w.to,
            value: w.value,
        };
        let slot = nr_contracts::withdrawal_slot(nr_contracts::withdrawal_hash(&withdrawal));
        let root = self.view(NativeRollup::headStateRootCall {});
        assert_eq!(root, self.l2.head().state_root, "the L2 head is settled");
        let proof = self
            .l2
            .proof(root, nr_contracts::L2_BRIDGE, &[slot])
            .unwrap();
        NativeRollup::claimWithdrawalCall {
            w: withdrawal,
            ring: U256::from(self.view(NativeRollup::headNumberCall {}) % 8191),
            accountProof: proof.account_proof,
            storageProof: proof.storage_proof[0].proof.clone(),
        }
    }

    /// All L2 blocks not yet settled, settled in one call (or one block).
    pub fn settle_all(&mut self) -> Option<Outcome> {
        let from = self.view(NativeRollup::headNumberCall {}) + 1;
        let to = self.l2.head().number;
        (from <= to).then(|| self.settle(from, to))
    }

    /// The EXECUTE input settling L2 blocks `from..=to` (one block: its own input).
    pub fn settle_input(&self, from: u64, to: u64) -> Vec<u8> {
        let inputs: Vec<StatelessInput> = (from..=to)
            .map(|n| {
                let bytes = self.l2.store().stateless_input(n).unwrap().expect("sealed");
                StatelessInput::decode(&bytes).unwrap()
            })
            .collect();
        if from == to {
            return self.l2.store().stateless_input(from).unwrap().unwrap();
        }
        ExecuteInput::Range(StatelessRangeInput::from_inputs(&inputs).unwrap()).encode()
    }

    /// Settles L2 blocks `from..=to` (by key 2: settlement is permissionless).
    pub fn settle(&mut self, from: u64, to: u64) -> Outcome {
        self.settle_resolving(from, to, vec![])
    }

    /// Settles L2 blocks `from..=to`, resolving forced transactions.
    pub fn settle_resolving(
        &mut self,
        from: u64,
        to: u64,
        resolutions: Vec<Resolution>,
    ) -> Outcome {
        let input = self.settle_input(from, to);
        self.rollup_tx(
            &key(2),
            NativeRollup::settleCall {
                input: input.into(),
                resolutions,
            },
            U256::ZERO,
        )
    }

    /// The refusal settling `input` meets.
    pub fn settle_refusal(&self, input: Vec<u8>) -> NativeRollup::NativeRollupErrors {
        self.settle_refusal_resolving(input, vec![])
    }

    /// The refusal settling `input` with `resolutions` meets.
    pub fn settle_refusal_resolving(
        &self,
        input: Vec<u8>,
        resolutions: Vec<Resolution>,
    ) -> NativeRollup::NativeRollupErrors {
        self.rollup_try(
            key(2).address(),
            &NativeRollup::settleCall {
                input: input.into(),
                resolutions,
            },
            U256::ZERO,
        )
        .expect_err("settlement must revert")
    }

    // ------------------------------------------------------------ forced inclusion

    /// Lets L1 time pass: empty L1 blocks until `seconds` have gone by.
    pub fn l1_wait(&mut self, seconds: u64) {
        let until = self.l1.head().timestamp + seconds;
        while self.l1.head().timestamp < until {
            let t = self.l1.head().timestamp + L1_BLOCK_TIME;
            self.l1.seal(attributes(t, B256::ZERO)).unwrap();
        }
    }

    /// Resolution of a forced transaction included in L2 block `number`.
    pub fn inclusion(&self, number: u64, tx_hash: B256) -> Resolution {
        let block = self.l2.store().block(number).unwrap().unwrap();
        nr_contracts::forced::inclusion(&block, tx_hash).expect("the transaction is in the block")
    }

    /// A resolution proving `who`'s account under L2 state root `root` (`kind` 1 or 2).
    pub fn account_resolution(&self, kind: u8, root: B256, who: Address) -> Resolution {
        nr_contracts::forced::by_account(kind, self.l2.proof(root, who, &[]).unwrap().account_proof)
    }
}

pub fn attributes(timestamp: u64, anchor: B256) -> BlockAttributes {
    BlockAttributes {
        timestamp,
        fee_recipient: Address::ZERO,
        prev_randao: B256::ZERO,
        parent_beacon_block_root: anchor,
    }
}

fn sign(
    key: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Option<Address>,
    data: Bytes,
    value: U256,
    gas_limit: u64,
) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value,
        input: data,
        access_list: Default::default(),
    };
    let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718()
}

fn outcome(sealed: &nr_node::SealedBlock) -> Outcome {
    assert_eq!(sealed.receipts.len(), 1, "one transaction per block");
    let r = &sealed.receipts[0];
    Outcome {
        success: r.status(),
        gas_used: r.cumulative_gas_used(),
        logs: r.logs().to_vec(),
        value: !alloy_consensus::Transaction::value(&sealed.block.body.transactions[0]).is_zero(),
        state_gas: None,
    }
}

/// A call's intrinsic gas (no access list), as revm charges it under `schema`'s fork, with
/// execution-specs' Amsterdam values (`nr_stateless::gas`): the larger of the intrinsic cost
/// and the calldata floor.
pub fn revm_intrinsic(schema: u16, input: &[u8], value: bool, to_self: bool) -> u64 {
    let (regular, floor) = revm_intrinsic_parts(schema, input, value, to_self);
    regular.max(floor)
}

/// [`revm_intrinsic`]'s two parts: the intrinsic cost, and the calldata floor (EIP-7623 from
/// Prague, EIP-7976 on Amsterdam; zero before Prague).
pub fn revm_intrinsic_parts(schema: u16, input: &[u8], value: bool, to_self: bool) -> (u64, u64) {
    use revm::context_interface::cfg::{GasParams, gas_params::Eip2780TxInfo};
    use revm::primitives::hardfork::SpecId;
    let spec = match schema >> 8 {
        0x0e => SpecId::MERGE,
        0x10 => SpecId::CANCUN,
        0x11 => SpecId::PRAGUE,
        0x12 => SpecId::OSAKA,
        0x15 => SpecId::AMSTERDAM,
        other => panic!("fork {other:#x} not in this test"),
    };
    let mut params = GasParams::new_spec(spec);
    let amsterdam = spec.is_enabled_in(SpecId::AMSTERDAM);
    if amsterdam {
        nr_stateless::gas::apply(&mut params);
    }
    let eip2780 = amsterdam.then_some(Eip2780TxInfo {
        value: U256::from(u8::from(value)),
        is_self_transfer: to_self,
    });
    let gas = params.initial_tx_gas(input, false, 0, 0, 0, eip2780);
    let floor = if spec.is_enabled_in(SpecId::PRAGUE) {
        gas.floor_gas
    } else {
        0
    };
    (gas.initial_regular_gas, floor)
}

pub mod gas;
pub mod proven;

/// Runs `body` on a thread with a 64 MiB stack: the native statement validates the block,
/// and revm in a debug build needs more than a test thread's 2 MiB.
pub fn on_big_stack(body: fn()) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(body)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}
