//! Writes L2 blocks of chosen gas, sealed by the L2 engine, as prover input files
//! (`schema_id ++ SSZ(StatelessInput)`, what `prover --input` reads): the blocks the GPU
//! measurements prove (`scripts/prove-gpu`).
//!
//! ```text
//! cargo run --release -p nr-benches --bin l2-blocks -- --out DIR [--gas 100000,1000000,...]
//! ```
//!
//! Each block is ERC-20 transfers (`nr_benches::erc20_block`); a target above the block's
//! gas limit gets as many transfers as the limit admits.

use eyre::{Result, WrapErr, bail, eyre};
use nr_benches::erc20_block;
use std::path::PathBuf;

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

fn main() -> Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out).wrap_err_with(|| args.out.display().to_string())?;
    for target in args.gas {
        let block = erc20_block(target).map_err(|e| eyre!("sealing a {target}-gas block: {e}"))?;
        let (input, txs, gas) = (block.input, block.transactions, block.gas_used);
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
