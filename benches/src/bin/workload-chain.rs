//! Seals a dev L2 chain of mixed workloads on Osaka or Amsterdam and writes what another
//! client needs to validate it in full: the chain's genesis (geth/reth JSON) and its blocks
//! as RLP (what `reth import` reads), and tampered copies that must be refused. The
//! validation differential against reth (docs/stateless.md) runs on these files.
//!
//! ```text
//! cargo run --release -p nr-benches --bin workload-chain -- --out DIR [--fork amsterdam|osaka]
//!     [--workload mixed|transfers]
//! ```
//!
//! `mixed` (the default): transfers, an ERC-20 deployment and transfers, a creation, a
//! revert, precompile calls, a storage write, an empty block. `transfers`: two blocks of
//! plain transfers and an empty block (no storage access).
//!
//! `DIR/genesis.json`, `DIR/chain.rlp` (blocks 1..n), `DIR/summary.txt` (each block's
//! hash, state root, gas, receipts root and access-list hash, as this project computed
//! them), and `DIR/tampered-<field>.rlp`: the chain with its last block's header changed in
//! one field (`state-root`, `gas-used`, `receipts-root`, and on Amsterdam
//! `block-access-list-hash`), each refused by our own validation before it is written.

use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_primitives::{Address, B256, Bytes, TxKind, address, bytes};
use alloy_rlp::Encodable;
use eyre::{Result, WrapErr, bail, eyre};
use nr_benches::{DevChain, dev_spec, erc20};
use nr_node::{BlockAttributes, Role};
use nr_stateless::{
    Fork, StatelessInput, block::check_block_shape, payload_from_block, validate_stateless,
};
use std::{fmt::Write, path::PathBuf};

const CHAIN_ID: u64 = 902;
const RECIPIENT: Address = address!("0x000000000000000000000000000000000000bEEF");

fn parse_args() -> Result<(PathBuf, Fork, bool)> {
    let (mut out, mut fork, mut mixed) = (None, Fork::Amsterdam, true);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| eyre!("{arg} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--fork" => {
                fork = match value()?.as_str() {
                    "amsterdam" => Fork::Amsterdam,
                    "osaka" => Fork::Osaka,
                    other => bail!("fork {other}: amsterdam or osaka"),
                }
            }
            "--workload" => {
                mixed = match value()?.as_str() {
                    "mixed" => true,
                    "transfers" => false,
                    other => bail!("workload {other}: mixed or transfers"),
                }
            }
            "-h" | "--help" => {
                println!(
                    "workload-chain --out DIR [--fork amsterdam|osaka] [--workload mixed|transfers]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (try --help)"),
        }
    }
    Ok((
        out.ok_or_else(|| eyre!("--out DIR is required"))?,
        fork,
        mixed,
    ))
}

/// Submits `txs` (each may fail or revert: they are included all the same) and seals them.
fn seal(l2: &mut DevChain<alloy_evm::EthEvmFactory>, txs: &[Vec<u8>]) -> Result<()> {
    for tx in txs {
        l2.chain.submit(tx).map_err(|e| eyre!("submitting: {e}"))?;
    }
    let timestamp = l2.chain.head().timestamp + 12;
    let sealed = l2
        .chain
        .seal(BlockAttributes {
            timestamp,
            fee_recipient: address!("0x00000000000000000000000000000000000c0ffe"),
            prev_randao: B256::repeat_byte(7),
            parent_beacon_block_root: B256::repeat_byte(9),
        })
        .map_err(|e| eyre!("sealing: {e}"))?;
    if sealed.block.body.transactions.len() != txs.len() {
        bail!(
            "{} of {} transactions included",
            sealed.block.body.transactions.len(),
            txs.len()
        );
    }
    Ok(())
}

/// Creation code that deploys `runtime`.
fn deployer(runtime: &[u8]) -> Bytes {
    let mut code = vec![
        0x60,
        runtime.len() as u8,
        0x80,
        0x60,
        0x0b,
        0x5f,
        0x39,
        0x5f,
        0xf3,
    ];
    code.extend_from_slice(&[0x00, 0x00]);
    code.extend_from_slice(runtime);
    code.into()
}

fn main() -> Result<()> {
    let (out, fork, mixed) = parse_args()?;
    std::fs::create_dir_all(&out).wrap_err_with(|| out.display().to_string())?;
    let factory = alloy_evm::EthEvmFactory::default();
    let mut l2 = DevChain::on_fork(Role::L2, CHAIN_ID, fork, factory);
    // Generous gas limits: on Amsterdam a new account or slot is paid as state gas.
    let gas = 300_000;

    // 1. Plain transfers (the first creates the recipient).
    let txs: Vec<_> = (0..20)
        .map(|_| l2.sign(RECIPIENT, Bytes::new(), gas))
        .collect();
    seal(&mut l2, &txs)?;
    if mixed {
        mixed_blocks(&mut l2, gas)?;
    } else {
        let txs: Vec<_> = (0..20)
            .map(|_| l2.sign(RECIPIENT, Bytes::new(), gas))
            .collect();
        seal(&mut l2, &txs)?;
    }
    seal(&mut l2, &[])?;
    export(&l2, &out, fork)
}

/// Blocks 2 to 5 of the mixed workload.
fn mixed_blocks(l2: &mut DevChain<alloy_evm::EthEvmFactory>, gas: u64) -> Result<()> {
    // 2. An ERC-20 token, deployed crediting every dev account.
    let token = l2.deploy_erc20();
    // 3. ERC-20 transfers: cold slot reads and writes, a new balance slot.
    let txs: Vec<_> = (0..20)
        .map(|_| l2.sign(token, erc20::transfer(RECIPIENT, 1), gas))
        .collect();
    seal(l2, &txs)?;
    // 4. A contract creation, a call that reverts, precompile calls (ecrecover, sha256,
    //    identity, modexp), a call to an empty account with calldata.
    // Runtime: SSTORE(0, CALLVALUE), then REVERT if the calldata is not empty.
    let runtime = [
        0x34, 0x5f, 0x55, 0x36, 0x15, 0x60, 0x0b, 0x57, 0x5f, 0x5f, 0xfd, 0x5b, 0x00,
    ];
    let creator = l2.addresses()[l2.next_sender()];
    let nonce = l2.nonce_of(creator);
    let mut txs = vec![l2.sign_kind(TxKind::Create, deployer(&runtime), 1_000_000)];
    let created = creator.create(nonce);
    txs.push(l2.sign(created, bytes!("01"), gas));
    for precompile in 1u8..=5 {
        let mut to = [0u8; 20];
        to[19] = precompile;
        txs.push(l2.sign(Address::from(to), Bytes::from(vec![precompile; 96]), gas));
    }
    txs.push(l2.sign(
        address!("0x00000000000000000000000000000000000dEaD0"),
        bytes!("deadbeef"),
        gas,
    ));
    seal(l2, &txs)?;
    // 5. The created contract called without data (stores the value).
    let txs = vec![l2.sign(created, Bytes::new(), gas)];
    seal(l2, &txs)
}

/// Writes the genesis, the chain, its summary and the tampered copies.
fn export(
    l2: &DevChain<alloy_evm::EthEvmFactory>,
    out: &std::path::Path,
    fork: Fork,
) -> Result<()> {
    let head = l2.chain.head().number;
    let store = l2.chain.store();
    let mut blocks: Vec<Block<TxEnvelope>> = Vec::new();
    let mut summary = String::new();
    for n in 1..=head {
        let block = store
            .block(n)
            .map_err(|e| eyre!("block {n}: {e}"))?
            .ok_or_else(|| eyre!("block {n} missing"))?;
        let h = &block.header;
        let receipts = store.receipts(n).ok().flatten().unwrap_or_default();
        let failed = receipts.iter().filter(|r| !r.status()).count();
        writeln!(
            summary,
            "block {n}: hash {} state root {} gas used {} receipts root {} access list {} ({} txs, {failed} failed)",
            h.hash_slow(),
            h.state_root,
            h.gas_used,
            h.receipts_root,
            h.block_access_list_hash
                .map_or("-".to_owned(), |b| b.to_string()),
            block.body.transactions.len(),
        )?;
        blocks.push(block);
    }
    let genesis = serde_json::to_string_pretty(&dev_spec(Role::L2, CHAIN_ID, fork).genesis)?;
    std::fs::write(out.join("genesis.json"), genesis)?;
    std::fs::write(out.join("chain.rlp"), rlp(&blocks))?;
    std::fs::write(out.join("summary.txt"), &summary)?;
    print!("{summary}");

    // Tampered copies: the last block with one header field changed, re-hashed (its parent
    // is untouched, so only that block is wrong). Our own validation must refuse each.
    let last = blocks.last().expect("blocks sealed").clone();
    let input = store
        .stateless_input(head)
        .map_err(|e| eyre!("input {head}: {e}"))?
        .ok_or_else(|| eyre!("input {head} missing"))?;
    let input = StatelessInput::decode(&input)?;
    let config = l2.chain.spec.config.clone();
    let mut variants: Vec<Tamper> = vec![
        ("state-root", |h| h.state_root = B256::repeat_byte(1)),
        ("gas-used", |h| h.gas_used += 1),
        ("receipts-root", |h| h.receipts_root = B256::repeat_byte(2)),
    ];
    if fork >= Fork::Amsterdam {
        variants.push(("block-access-list-hash", |h| {
            h.block_access_list_hash = Some(B256::repeat_byte(3))
        }));
    }
    for (name, change) in variants {
        let mut block = last.clone();
        change(&mut block.header);
        check_block_shape(&block, config.fork_at(block.header.timestamp))?;
        // The payload of the tampered block, with the witness of the real one.
        let list = &input
            .new_payload_request
            .execution_payload
            .block_access_list;
        let list = (fork >= Fork::Amsterdam).then_some(&list[..]);
        let refused = match payload_from_block(&block, None, list) {
            // A changed list hash no longer matches the list: refused already.
            Err(_) => true,
            Ok(mut request) => {
                request.execution_requests = input.new_payload_request.execution_requests.clone();
                let tampered = StatelessInput {
                    new_payload_request: request,
                    ..input.clone()
                };
                validate_stateless(&tampered, &config).is_err()
            }
        };
        if !refused {
            bail!("our validation accepts the block with a changed {name}");
        }
        let mut chain = blocks.clone();
        *chain.last_mut().expect("non-empty") = block;
        std::fs::write(out.join(format!("tampered-{name}.rlp")), rlp(&chain))?;
        println!("tampered-{name}.rlp: last block refused by our validation");
    }
    println!(
        "wrote {} blocks ({fork:?}) to {}",
        blocks.len(),
        out.join("chain.rlp").display()
    );
    Ok(())
}

/// A header field to change, and how.
type Tamper = (&'static str, fn(&mut Header));

fn rlp(blocks: &[Block<TxEnvelope>]) -> Vec<u8> {
    let mut out = Vec::new();
    for b in blocks {
        b.encode(&mut out);
    }
    out
}
