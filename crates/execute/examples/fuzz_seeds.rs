//! Writes the fuzz seed corpus from the shared fixtures: real single-block and range
//! inputs, proof-mode inputs around the real SP1 proofs, and the bare proofs; and from the
//! committed proven vector (`crates/contracts/testdata/proven/block-1.*`), a proof-dependency
//! input of its real statement and a sidecar around the head of its real proof.
//!
//! `cargo run --release -p nr-execute --example fuzz_seeds -- fuzz/corpus`

use ef_tests::{default_fixtures, prepared_inputs};
use nr_execute::input::{
    BlobOpening, DependencyInput, ExecuteInput, ProofEntry, ProofInput, ProofSidecar, SidecarProof,
};
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
    let proven = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/testdata/proven");
    if let Ok(text) = std::fs::read_to_string(proven.join("block-1.json")) {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let hex = |k: &str| {
            alloy_primitives::hex::decode(v[k].as_str().unwrap().trim_start_matches("0x")).unwrap()
        };
        let (statement, vkey) = (hex("statement"), hex("vkey"));
        let program: [u8; 32] = vkey.clone().try_into().unwrap();
        let dependency = DependencyInput {
            statement: statement.clone().try_into().unwrap(),
            blob_openings: vec![BlobOpening {
                commitment: [0xc0; 48],
                proof: [0xc0; 48],
            }]
            .try_into()
            .unwrap(),
            programs: vec![program].try_into().unwrap(),
        };
        // The fuzz target puts the envelope id in front itself.
        let bytes = ExecuteInput::Dependency(dependency).encode();
        write(&out.join("dependency_input"), "proven-block-1", &bytes[2..]);
        let proof = std::fs::read(proven.join("block-1.sidecar"))
            .ok()
            .and_then(|s| ProofSidecar::decode(&s).ok())
            .map(|s| s.proofs[0].proof.to_vec())
            .unwrap_or_default();
        let sidecar = ProofSidecar {
            proofs: vec![SidecarProof {
                program,
                statement: statement.try_into().unwrap(),
                proof: proof[..proof.len().min(2048)].to_vec().try_into().unwrap(),
            }]
            .try_into()
            .unwrap(),
        };
        write(
            &out.join("proof_sidecar"),
            "proven-block-1-head",
            &sidecar.encode(),
        );
    }
    println!("wrote seeds under {}", out.display());
}
