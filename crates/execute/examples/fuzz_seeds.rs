//! Writes the fuzz seed corpus from the shared fixtures: real single-block and range
//! inputs, proof-mode inputs around the real SP1 proofs, and the bare proofs.
//!
//! `cargo run --release -p nr-execute --example fuzz_seeds -- fuzz/corpus`

use ef_tests::{default_fixtures, prepared_inputs};
use nr_execute::input::{ExecuteInput, ProofEntry, ProofInput};
use nr_stateless::{StatelessInput, StatelessRangeInput};
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    let tests = default_fixtures();
    let files = [
        "BlockchainTests/ValidBlocks/bcEIP1559/medDemand.json",
        "BlockchainTests/ValidBlocks/bcStateTests/simpleSuicide.json",
        "BlockchainTests/ValidBlocks/bcExample/basefeeExample.json",
    ];
    let mut n = 0;
    for file in files {
        let Ok(blocks) = prepared_inputs(&tests.join(file)) else {
            eprintln!("skipping {file}: not found or not runnable");
            continue;
        };
        let inputs: Vec<StatelessInput> = blocks
            .iter()
            .take(4)
            .map(|(_, _, b)| StatelessInput::decode(&b.input).unwrap())
            .collect();
        for input in &inputs {
            let bytes = input.encode();
            write(&out.join("execute_input"), &format!("single-{n}"), &bytes);
            write(&out.join("stateless_input"), &format!("single-{n}"), &bytes);
            n += 1;
        }
        if let Some(range) = StatelessRangeInput::from_inputs(&inputs) {
            write(
                &out.join("stateless_input"),
                &format!("range-{n}"),
                &range.encode(),
            );
            write(
                &out.join("execute_input"),
                &format!("range-{n}"),
                &ExecuteInput::Range(range).encode(),
            );
            n += 1;
        }
    }
    let sp1 = tests.join("../sp1");
    for name in [
        "groth16-v6.1.0.json",
        "groth16-v6.0.0.json",
        "plonk-v6.0.0.json",
    ] {
        let Ok(text) = std::fs::read_to_string(sp1.join(name)) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let hex = |k: &str| alloy_primitives::hex::decode(v[k].as_str().unwrap()).unwrap();
        let proof = hex("proof");
        write(&out.join("proof_bytes"), name, &proof);
        let input = ExecuteInput::Proof(ProofInput {
            statement: hex("publicValues").try_into().unwrap(),
            blob_openings: Default::default(),
            proofs: vec![ProofEntry {
                backend: if name.starts_with("plonk") { 2 } else { 1 },
                program_vkey: hex("vkey").try_into().unwrap(),
                proof: proof.try_into().unwrap(),
            }]
            .try_into()
            .unwrap(),
        });
        write(
            &out.join("execute_input"),
            &format!("proof-{name}"),
            &input.encode(),
        );
    }
    println!("wrote seeds under {}", out.display());
}
