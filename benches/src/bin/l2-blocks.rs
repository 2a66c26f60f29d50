//! Writes L2 blocks of chosen gas, sealed by the L2 engine, as prover input files
//! (`schema_id ++ SSZ(StatelessInput)`, what `prover --input` reads): the blocks the GPU
//! measurements prove (`scripts/prove-gpu`).
//!
//! ```text
//! cargo run --release -p nr-benches --bin l2-blocks -- --out DIR [--gas 100000,1000000,...]
//! ```
//!
//! Each block is ERC-20 transfers on the opcode-built token (`nr_benches::erc20`), on a fresh
//! L2 chain after the block that deploys the token; a target above the block's gas limit
//! gets as many transfers as the limit admits.

use alloy_evm::EthEvmFactory;
use alloy_primitives::TxKind;
use eyre::{Result, WrapErr, bail, eyre};
use nr_benches::{DevChain, RECIPIENT, erc20};
use nr_node::Role;
use std::path::PathBuf;

/// Gas limit of each transfer.
const TRANSFER_GAS_LIMIT: u64 = 60_000;

struct Args {
    out: PathBuf,
    gas: Vec<u64>,
}

fn parse_args() -> Result<Args> {
    let mut out = None;
    let mut gas = vec![100_000, 1_000_000, 5_000_000, 15_000_000];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| eyre!("{arg} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--gas" => {
                gas = value()?
                    .split(',')
                    .map(|g| {
                        g.trim()
                            .parse::<u64>()
                            .wrap_err_with(|| format!("gas {g:?}"))
                    })
                    .collect::<Result<_>>()?
            }
            "-h" | "--help" => {
                println!("l2-blocks --out DIR [--gas 100000,1000000,5000000,15000000]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (try --help)"),
        }
    }
    let out = out.ok_or_else(|| eyre!("--out DIR is required"))?;
    if gas.is_empty() || gas.contains(&0) {
        bail!("--gas needs positive targets");
    }
    Ok(Args { out, gas })
}

/// Seals one block of ERC-20 transfers using at least `target` gas, or as much as the block
/// admits; returns the input file's bytes, the transfers and the gas used.
fn block(target: u64) -> Result<(Vec<u8>, usize, u64)> {
    let mut l2 = DevChain::new(Role::L2, 901, EthEvmFactory::default());
    let holders = l2.addresses();
    let create = l2.sign_kind(TxKind::Create, erc20::initcode(&holders), 2_000_000);
    l2.submit_and_seal(&[create]);
    let token = holders[0].create(0);
    let limit = l2.chain.head().gas_limit;
    // The first transfer to the recipient uses about 50,400 gas, each later one about 33,300;
    // the builder admits a transaction while its gas limit fits in what is left.
    let (first, next) = (50_400, 33_300);
    let wanted = 1 + target.saturating_sub(first).div_ceil(next);
    let admitted = 1 + (limit - TRANSFER_GAS_LIMIT - first) / next;
    let count = wanted.min(admitted) as usize;
    let txs: Vec<_> = (0..count)
        .map(|_| l2.sign(token, erc20::transfer(RECIPIENT, 1), TRANSFER_GAS_LIMIT))
        .collect();
    l2.submit_and_seal(&txs);
    let head = l2.chain.head();
    let input = l2
        .chain
        .store()
        .stateless_input(head.number)?
        .ok_or_else(|| eyre!("no stateless input for block {}", head.number))?;
    Ok((input, count, head.gas_used))
}

fn main() -> Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out).wrap_err_with(|| args.out.display().to_string())?;
    for target in args.gas {
        let (input, txs, gas) = block(target)?;
        let path = args.out.join(format!("erc20-{gas:09}.bin"));
        std::fs::write(&path, &input).wrap_err_with(|| path.display().to_string())?;
        println!(
            "{} ({txs} ERC-20 transfers, {gas} gas, {} KiB)",
            path.display(),
            input.len() / 1024
        );
    }
    Ok(())
}
