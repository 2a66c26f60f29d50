//! RISC-V cycles the zk program spends per L2 gas, on several block shapes: ETH transfers
//! and ERC-20 transfers sealed by the L2 engine, and the heaviest shipped fixture blocks
//! that pass the L2 rules. Cycles are counted by SP1's executor on the committed ELF, so
//! they are exact and repeatable (no timing). Writes `benches/results/cycles.md`.
//!
//! `cargo bench -p nr-benches --bench cycles`

use alloy_evm::EthEvmFactory;
use alloy_primitives::{Address, Bytes};
use nr_benches::{DevChain, RECIPIENT, chain_id, erc20, heaviest_blocks};
use nr_node::Role;
use nr_prover::{Job, PROGRAM_ELF, exec};
use nr_stateless::Fork;
use nr_statement::Statement;
use std::fmt::Write;

struct Row {
    shape: String,
    txs: usize,
    gas: u64,
    cycles: u64,
    successful: bool,
}

fn measure(program: &std::sync::Arc<exec::Program>, shape: String, input: Vec<u8>) -> Row {
    let job = Job::from_inputs(vec![input]).expect("a stateless input");
    let run = exec::run(program, &job.program_input().encode());
    assert_eq!(run.exit_code, 0, "{shape}: the program failed");
    let native = job.native_statement().expect("a statement").encode();
    assert_eq!(
        run.public_values, native,
        "{shape}: guest and native differ"
    );
    let (_, output) = Statement::decode_with_output(&native).unwrap();
    let row = Row {
        shape,
        txs: job.transactions(),
        gas: job.gas_used(),
        cycles: run.cycles,
        successful: output.result.successful(),
    };
    eprintln!(
        "{:<48} {:>5} txs {:>10} gas {:>13} cycles {:>8.1} cycles/gas",
        row.shape,
        row.txs,
        row.gas,
        row.cycles,
        row.cycles as f64 / row.gas.max(1) as f64
    );
    row
}

/// An L2 block of `count` transactions made by `tx`, after `setup` blocks, on `fork`.
fn l2_block(
    fork: Fork,
    count: usize,
    setup: impl FnOnce(&mut DevChain<EthEvmFactory>) -> Address,
    tx: impl Fn(&mut DevChain<EthEvmFactory>, Address) -> Vec<u8>,
) -> Vec<u8> {
    let mut l2 = DevChain::on_fork(Role::L2, chain_id(fork), fork, EthEvmFactory::default());
    let target = setup(&mut l2);
    let txs: Vec<_> = (0..count).map(|_| tx(&mut l2, target)).collect();
    l2.submit_and_seal(&txs);
    l2.head_input().unwrap()
}

fn main() {
    let program = exec::load(PROGRAM_ELF).expect("committed ELF loads");
    let mut rows = Vec::new();
    // Osaka blocks, then the same workloads as Amsterdam blocks (schema 0x1501: block access
    // list built and hashed, public keys checked, state gas). On Amsterdam a block before
    // the measured one creates the recipient's account (and its token balance): creating
    // them is state gas (EIP-8037) that a 21,000-gas transfer cannot pay.
    for fork in [Fork::Osaka, Fork::Amsterdam] {
        let name = if fork >= Fork::Amsterdam {
            ", Amsterdam"
        } else {
            ""
        };
        let amsterdam = fork >= Fork::Amsterdam;
        for count in [1, 10, 100, 640] {
            let input = l2_block(
                fork,
                count,
                |l2| {
                    if amsterdam {
                        let create = l2.sign(RECIPIENT, Bytes::new(), 250_000);
                        l2.submit_and_seal(&[create]);
                    }
                    RECIPIENT
                },
                |l2, to| l2.sign(to, Bytes::new(), 21_000),
            );
            rows.push(measure(
                &program,
                format!("ETH transfers (L2 engine{name})"),
                input,
            ));
        }
        for count in [1, 10, 100, 300] {
            let input = l2_block(
                fork,
                count,
                |l2| {
                    let token = l2.deploy_erc20();
                    if amsterdam {
                        let create = l2.sign(token, erc20::transfer(RECIPIENT, 1), 200_000);
                        l2.submit_and_seal(&[create]);
                    }
                    token
                },
                |l2, token| l2.sign(token, erc20::transfer(RECIPIENT, 1), 60_000),
            );
            rows.push(measure(
                &program,
                format!("ERC-20 transfers (L2 engine{name})"),
                input,
            ));
        }
    }
    let dir = ef_tests::default_fixtures();
    if dir.is_dir() {
        for b in heaviest_blocks(&dir, 8) {
            let row = measure(&program, format!("fixture: {}", b.name), b.input);
            if row.successful {
                rows.push(row);
            }
        }
    } else {
        eprintln!("SKIPPING fixture blocks: not found at {}", dir.display());
    }

    let mut md = String::from(
        "# zk program cycles per L2 gas\n\n\
         SP1 6.10.0 executor on the committed `crates/prover/elf/nr-program.elf`, \
         `cargo bench -p nr-benches --bench cycles`. Cycles include decoding, sender \
         recovery, execution, the state-root update and the blob evaluation; every row's \
         public values equal the native statement. The fixture blocks' gas is mostly burnt by \
         halting transactions (a halt consumes all gas left), so only their cycle counts \
         mean anything. The Amsterdam rows (schema 0x1501: block access list built and \
         hashed, each transaction's public key checked, state gas) are the same workloads on \
         an L2 that runs Amsterdam from genesis, after a block that creates the recipient \
         (its account, or its token balance), whose creation is state gas there.\n\n\
         | block | txs | gas used | RISC-V cycles | cycles / gas |\n|---|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} |",
            r.shape,
            r.txs,
            r.gas,
            r.cycles,
            r.cycles as f64 / r.gas.max(1) as f64
        );
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/cycles.md");
    std::fs::write(&out, md).expect("write results");
    eprintln!("wrote {}", out.display());
}
