//! Gas of every entry point on the real EXECUTE, both chains on Amsterdam (the dev chains'
//! fork), split into EXECUTE's charge, the transaction's intrinsic cost (as revm charges it on
//! Amsterdam: EIP-2780's base and value costs, calldata with EIP-7976's floor) and the
//! contract's own execution.

use super::*;
use alloy_sol_types::SolCall;
use nr_contracts::{L2_BRIDGE, L2Bridge};

/// One measured entry point.
#[derive(Debug, Clone)]
pub struct GasRow {
    pub entry: &'static str,
    pub chain: &'static str,
    /// The transaction's gas used.
    pub total: u64,
    /// The intrinsic gas on Amsterdam: EIP-2780's base and value costs and the calldata's
    /// tokens, as revm charges them.
    pub intrinsic: u64,
    /// EIP-7976's calldata floor: the least the transaction pays.
    pub floor: u64,
    /// What EXECUTE charged (0 when not called).
    pub execute: u64,
    /// EIP-8037 state gas (new storage slots, accounts), part of the contract's own gas.
    pub state: u64,
    /// L2 blocks settled (for per-block overhead).
    pub blocks: u64,
}

impl GasRow {
    /// The contract's own execution: total - intrinsic - EXECUTE (an upper bound where the
    /// calldata floor binds).
    pub fn overhead(&self) -> u64 {
        self.total - self.intrinsic - self.execute
    }

    /// The contract's own regular gas: its own execution less the state gas.
    pub fn regular(&self) -> u64 {
        self.overhead() - self.state
    }

    /// Whether the transaction paid EIP-7976's calldata floor rather than its gas.
    pub fn floor_binds(&self) -> bool {
        self.total == self.floor && self.floor > self.intrinsic + self.execute
    }
}

/// Amsterdam's intrinsic gas and calldata floor of a call with this calldata, carrying value
/// or not.
fn intrinsic(calldata: &[u8], value: bool) -> (u64, u64) {
    revm_intrinsic_parts(0x1501, calldata, value, false)
}

fn row<C: SolCall>(
    entry: &'static str,
    chain: &'static str,
    call: &C,
    out: &Outcome,
    execute: u64,
    blocks: u64,
) -> GasRow {
    let (intrinsic, floor) = intrinsic(&call.abi_encode(), out.value);
    GasRow {
        entry,
        chain,
        total: out.gas_used,
        intrinsic,
        floor,
        execute,
        state: out
            .state_gas
            .expect("the rig ran the transaction as a call first"),
        blocks,
    }
}

/// Runs every entry point in a fresh rollup, measured in steady state: storage that stays
/// non-zero already is (the message count, the frontier slot a message writes: appending
/// leaf n writes a slot written before unless n + 1 is a power of two, when it costs 17,100
/// more), while the ring slot of the state root is fresh, as it is for the first 8,190
/// settlements.
pub fn measure() -> Vec<GasRow> {
    let mut rig = Rig::amsterdam();
    let mut rows = Vec::new();
    let user = key(1).address();
    let eth = U256::from(10u128.pow(18));

    // Deposits and messages: leaves 0 and 1 warm the tree; leaf 2 is a deposit, leaf 3 is
    // not measured (its count, 4, opens a frontier level), leaf 4 is a message.
    rig.deposit(1, user, eth);
    rig.deposit(1, user, eth);
    let call = NativeRollup::depositETHCall { to: user };
    let out = rig.rollup_tx(&key(1), call.clone(), eth);
    rig.record_message(&out);
    rows.push(row("depositETH", "L1", &call, &out, 0, 0));
    rig.deposit(1, user, eth);
    let call = NativeRollup::sendMessageCall {
        to: Address::repeat_byte(0x44),
        value: U256::from(1000),
        data: vec![0xab; 68].into(),
        gasLimit: 100_000,
    };
    let out = rig.rollup_tx(&key(1), call.clone(), U256::from(2000));
    rig.record_message(&out);
    rows.push(row(
        "sendMessage (68 bytes of data)",
        "L1",
        &call,
        &out,
        0,
        0,
    ));

    // Claims on the L2, relayed by the sequencer.
    rig.l2_seal();
    let at = rig.l2.head().timestamp;
    for (i, name) in [
        (0, "claimMessage (first claim)"),
        (1, "claimMessage (deposit)"),
    ] {
        let claim = rig.claim_call(i, at, 5);
        let data: Bytes = claim.abi_encode().into();
        let state = rig.l2_state_gas(key(0).address(), L2_BRIDGE, data.clone(), U256::ZERO);
        rig.l2_submit(&key(0), L2_BRIDGE, data, U256::ZERO);
        let mut out = rig.l2_seal().remove(0);
        out.state_gas = Some(state);
        assert!(out.success);
        rows.push(row(name, "L2", &claim, &out, 0, 0));
    }
    // Three withdrawals: to L1 accounts A, B, A. The first claim also opens the claim
    // bitmap's word (one per 256 withdrawals); the second creates an account; the third pays
    // an existing one.
    let (a, b) = (Address::repeat_byte(0xd1), Address::repeat_byte(0xd2));
    let mut withdrawals = Vec::new();
    for to in [a, b, a] {
        let withdraw = L2Bridge::withdrawCall { to };
        let data: Bytes = withdraw.abi_encode().into();
        let value = eth / U256::from(10);
        let state = rig.l2_state_gas(key(1).address(), L2_BRIDGE, data.clone(), value);
        rig.l2_submit(&key(1), L2_BRIDGE, data, value);
        let mut out = rig.l2_seal().remove(0);
        out.state_gas = Some(state);
        withdrawals.push(out.event::<L2Bridge::WithdrawalInitiated>());
        if withdrawals.len() == 2 {
            rows.push(row("withdraw", "L2", &withdraw, &out, 0, 0));
        }
    }

    // Settle: one block (the first settlement warms the fee counter), then one more block,
    // then a range of 10.
    rig.settle_all();
    for (n, name) in [
        (1u64, "settle, 1 block (re-execution)"),
        (10, "settle, range of 10 (re-execution)"),
    ] {
        for _ in 0..n {
            rig.l2_submit(
                &key(0),
                Address::repeat_byte(0xbe),
                Default::default(),
                U256::from(1),
            );
            rig.l2_seal();
        }
        let from = rig.view(NativeRollup::headNumberCall {}) + 1;
        let input = rig.settle_input(from, from + n - 1);
        let gas_limits = (from..from + n).map(|_| L2_GAS_LIMIT);
        let execute = nr_execute::gas::reexecution_gas(input.len(), gas_limits);
        let call = NativeRollup::settleCall {
            input: input.into(),
            resolutions: vec![],
        };
        let out = rig.rollup_tx(&key(2), call.clone(), U256::ZERO);
        rows.push(row(name, "L1", &call, &out, execute, n));
    }

    // Claim the withdrawals on L1.
    for (w, name) in withdrawals.iter().zip([
        "claimWithdrawal (first of 256: opens a bitmap word; new account)",
        "claimWithdrawal (to a new L1 account)",
        "claimWithdrawal (to an existing account)",
    ]) {
        let call = rig.withdrawal_claim(w);
        let out = rig.rollup_tx(&key(2), call.clone(), U256::ZERO);
        rows.push(row(name, "L1", &call, &out, 0, 0));
    }

    // Force a transfer through the L1, include it, settle its block with the inclusion proof.
    let nonce = rig.l2_nonce(key(0).address());
    let raw = l2_transaction(
        &key(0),
        nonce,
        100_000_000_000,
        Address::repeat_byte(0x5c),
        U256::from(1),
    );
    let call = NativeRollup::forceTransactionCall {
        transaction: raw.clone(),
    };
    let out = rig.rollup_tx(&key(2), call.clone(), U256::ZERO);
    rows.push(row(
        "forceTransaction (a transfer)",
        "L1",
        &call,
        &out,
        0,
        0,
    ));
    rig.l2.submit(&raw).unwrap();
    rig.l2_seal();
    let number = rig.l2.head().number;
    let input = rig.settle_input(number, number);
    let execute = nr_execute::gas::reexecution_gas(input.len(), [L2_GAS_LIMIT]);
    let call = NativeRollup::settleCall {
        input: input.into(),
        resolutions: vec![rig.inclusion(number, alloy_primitives::keccak256(&raw))],
    };
    let out = rig.rollup_tx(&key(2), call.clone(), U256::ZERO);
    rows.push(row(
        "settle, 1 block + a forced transaction's inclusion proof",
        "L1",
        &call,
        &out,
        execute,
        1,
    ));

    let call = NativeRollup::payFeesCall {};
    let out = rig.rollup_tx(&key(2), call.clone(), U256::ZERO);
    rows.push(row("payFees (credited base fees)", "L1", &call, &out, 0, 0));
    rows.push(proof_settlement());
    rows.push(proof_range_settlement());
    rows
}

/// A real proof settlement: the proven vector's block settled by its compressed proof in a
/// sidecar (`settle` in EXECUTE's dependency mode; the blob's own gas is separate).
fn proof_settlement() -> GasRow {
    use super::proven::*;
    let rig = proven_rig();
    let job = job(&rig);
    proof_row(
        rig,
        1,
        &job,
        &committed_sidecar(),
        "settle, 1 block, real compressed proof in a sidecar (dependency mode)",
    )
}

/// The proven range's ten blocks settled by one compressed proof of the range.
fn proof_range_settlement() -> GasRow {
    use super::proven::*;
    let rig = range_rig();
    let job = range_job(&rig);
    proof_row(
        rig,
        RANGE,
        &job,
        &committed_range_sidecar(),
        "settle, range of 10, one real compressed proof in a sidecar (dependency mode)",
    )
}

/// Settles blocks 1 to `count` of `rig`'s rollup by `sidecar`'s proof of `job`.
fn proof_row(
    mut rig: Rig,
    count: u64,
    job: &nr_prover::Job,
    sidecar: &[u8],
    entry: &'static str,
) -> GasRow {
    use super::proven::{blob_call_with_gas, seal_l1, settlement_of};
    let statement = job.native_statement().unwrap();
    let programs = vec![nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY];
    let data = settlement_of(&rig, count, job, &statement, programs);
    let input = NativeRollup::settleCall::abi_decode(&data).unwrap().input;
    let openings = statement.blob_evaluations.len();
    let execute = nr_execute::gas::dependency_gas(input.len(), 1, openings);
    // The settlement's storage writes do not depend on EXECUTE's mode: its state gas is that
    // of the same blocks settled by re-execution, run as a call on the same state.
    let reexecution = NativeRollup::settleCall {
        input: rig.settle_input(1, count).into(),
        resolutions: vec![],
    };
    let state = rig
        .rollup_call(key(2).address(), &reexecution, U256::ZERO)
        .expect("the same blocks settle by re-execution")
        .state_gas;
    let raw = blob_call_with_gas(&rig, &key(2), data.clone(), &job.blobs, 8_000_000);
    rig.l1.submit_with_proofs(&raw, sidecar).unwrap();
    let (ok, gas_used) = seal_l1(&mut rig);
    assert!(ok, "the proof settlement succeeds");
    let (intrinsic, floor) = intrinsic(&data, false);
    GasRow {
        entry,
        chain: "L1",
        total: gas_used,
        intrinsic,
        floor,
        execute,
        state,
        blocks: count,
    }
}

/// The L1 cost of settling `blocks` empty Amsterdam blocks by one proof dependency, computed
/// from measured parts: the exact calldata and EXECUTE charge of the real settlement input
/// for that many blocks (statement built natively), and the contract's own gas extrapolated
/// linearly from the measured one-block and ten-block settlements (its per-block work,
/// reading a summary and checking it, does not depend on the range's length).
#[derive(Debug, Clone)]
pub struct RangeCost {
    pub blocks: u64,
    pub intrinsic: u64,
    pub execute: u64,
    pub own: u64,
    pub blobs: usize,
}

impl RangeCost {
    /// The transaction's gas (execution gas; the blobs pay blob gas besides).
    pub fn total(&self) -> u64 {
        self.intrinsic + self.execute + self.own
    }
}

/// [`RangeCost`] of ranges of `lengths` blocks, from the measured proof rows `one` and `ten`.
pub fn range_costs(one: &GasRow, ten: &GasRow, lengths: &[u64]) -> Vec<RangeCost> {
    assert_eq!((one.blocks, ten.blocks), (1, 10));
    let per_block = (ten.overhead() - one.overhead()).div_ceil(9);
    let longest = lengths.iter().copied().max().unwrap_or(1);
    let mut rig = Rig::amsterdam();
    for _ in 0..longest {
        rig.l2_seal();
    }
    lengths
        .iter()
        .map(|&n| {
            let job =
                nr_prover::Job::from_inputs((1..=n).map(|b| rig.settle_input(b, b)).collect())
                    .unwrap();
            let statement = job.native_statement().unwrap();
            let programs = vec![nr_execute::NATIVE_ROLLUP_PROGRAM_VKEY];
            let data = super::proven::settlement_of(&rig, n, &job, &statement, programs);
            let input = NativeRollup::settleCall::abi_decode(&data).unwrap().input;
            let blobs = statement.blob_evaluations.len();
            RangeCost {
                blocks: n,
                intrinsic: intrinsic(&data, false).0,
                execute: nr_execute::gas::dependency_gas(input.len(), 1, blobs),
                own: one.overhead() + per_block * (n - 1),
                blobs,
            }
        })
        .collect()
}
