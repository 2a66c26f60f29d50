//! What EXECUTE costs, next to what Ethereum already charges for: SP1 proof verification
//! (Groth16 and Plonk) on our precompile path against plain arkworks Groth16 (prepared key)
//! and against `sp1-verifier`; re-execution per L2 gas on the heaviest fixture blocks that obey the L2
//! rules; input decoding per byte; and revm's ecrecover and 4-pair ecPairing as the gas
//! yardsticks. `python3 benches/report.py` turns a run into a table, a plot and the gas
//! constants of `crates/execute/src/gas.rs`.

use ark_ec::{AffineRepr, CurveGroup};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nr_execute::{ExecuteConfig, ExecuteInput, Groth16Key, PlonkKey, bn254, execute};
use nr_stateless::{StatelessInput, check_l2_rules};
use std::{hint::black_box, path::PathBuf, time::Duration};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
}

fn hex(s: &str) -> Vec<u8> {
    alloy_primitives::hex::decode(s).unwrap()
}

struct Sp1Fixture {
    vkey: String,
    public_values: Vec<u8>,
    proof: Vec<u8>,
}

fn sp1_fixture(name: &str) -> Option<Sp1Fixture> {
    let text = std::fs::read_to_string(shared().join("sp1").join(name)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(Sp1Fixture {
        vkey: v["vkey"].as_str()?.to_string(),
        public_values: hex(v["publicValues"].as_str()?),
        proof: hex(v["proof"].as_str()?),
    })
}

fn proofs(c: &mut Criterion) {
    let Some(f) = sp1_fixture("groth16-v6.1.0.json") else {
        eprintln!(
            "SKIPPING proof benches: no SP1 fixtures under {}",
            shared().display()
        );
        return;
    };
    let vk_bytes: &[u8] = *sp1_verifier::GROTH16_VK_BYTES;
    let key = Groth16Key::from_gnark_bytes(vk_bytes, *sp1_verifier::VK_ROOT_BYTES).unwrap();
    let vkey: [u8; 32] = hex(&f.vkey).try_into().unwrap();
    let mut g = c.benchmark_group("proof");
    g.bench_function("groth16/precompile_path", |b| {
        b.iter(|| {
            key.verify_sp1(black_box(&f.proof), &vkey, &f.public_values)
                .unwrap()
        })
    });
    // The worst case a caller can force: a well-formed proof that fails both digests.
    let wrong_values = [f.public_values.clone(), vec![0]].concat();
    g.bench_function("groth16/precompile_path_rejected", |b| {
        b.iter(|| {
            key.verify_sp1(black_box(&f.proof), &vkey, &wrong_values)
                .unwrap_err()
        })
    });
    // Plain arkworks: ark-groth16 with a prepared key, the proof already parsed.
    let ark_vk = sp1_verifier::load_ark_groth16_verifying_key_from_bytes(vk_bytes).unwrap();
    let pvk = ark_groth16::prepare_verifying_key(&ark_vk);
    let ark_proof = sp1_verifier::load_ark_proof_from_bytes(&f.proof[100..]).unwrap();
    let digest = sp1_verifier::hash_public_inputs(&f.public_values);
    let inputs = sp1_verifier::load_ark_public_inputs_from_bytes(
        &vkey,
        &digest,
        f.proof[4..36].try_into().unwrap(),
        f.proof[36..68].try_into().unwrap(),
        f.proof[68..100].try_into().unwrap(),
    );
    g.bench_function("groth16/arkworks_prepared", |b| {
        b.iter(|| {
            assert!(
                ark_groth16::Groth16::<ark_bn254_05::Bn254>::verify_proof(
                    &pvk,
                    black_box(&ark_proof),
                    &inputs
                )
                .unwrap()
            )
        })
    });
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("groth16/sp1_verifier", |b| {
        b.iter(|| {
            sp1_verifier::Groth16Verifier::verify(
                black_box(&f.proof),
                &f.public_values,
                &f.vkey,
                vk_bytes,
            )
            .unwrap()
        })
    });
    // The Plonk fixture was made by SP1 v6.0.0: its own wrapper key and recursion root.
    g.sample_size(100).measurement_time(Duration::from_secs(5));
    if let Some(p) = sp1_fixture("plonk-v6.0.0.json")
        && let Ok(plonk_vk) = std::fs::read(shared().join("sp1/plonk_vk_v6.0.0.bin"))
    {
        let root: [u8; 32] = p.proof[36..68].try_into().unwrap();
        let key = PlonkKey::from_gnark_bytes(&plonk_vk, root).unwrap();
        let vkey: [u8; 32] = hex(&p.vkey).try_into().unwrap();
        g.bench_function("plonk/precompile_path", |b| {
            b.iter(|| {
                key.verify_sp1(black_box(&p.proof), &vkey, &p.public_values)
                    .unwrap()
            })
        });
        let wrong_values = [p.public_values.clone(), vec![0]].concat();
        g.bench_function("plonk/precompile_path_rejected", |b| {
            b.iter(|| {
                key.verify_sp1(black_box(&p.proof), &vkey, &wrong_values)
                    .unwrap_err()
            })
        });
        let inputs = [
            vkey,
            sp1_verifier::hash_public_inputs(&p.public_values),
            p.proof[4..36].try_into().unwrap(),
            root,
            p.proof[68..100].try_into().unwrap(),
        ];
        g.sample_size(10).measurement_time(Duration::from_secs(8));
        g.bench_function("plonk/sp1_verifier", |b| {
            b.iter(|| {
                sp1_verifier::PlonkVerifier::verify_gnark_proof(
                    black_box(&p.proof[100..]),
                    &inputs,
                    &plonk_vk,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn yardsticks(c: &mut Criterion) {
    let mut g = c.benchmark_group("yardstick");
    // A valid signature (go-ethereum's ecrecover test vector).
    let ecrecover = hex(concat!(
        "456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3",
        "000000000000000000000000000000000000000000000000000000000000001c",
        "9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608",
        "4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada"
    ));
    assert!(
        !revm::precompile::secp256k1::ec_recover_run(&ecrecover, 3_000)
            .unwrap()
            .bytes
            .is_empty()
    );
    g.bench_function("ecrecover (3000 gas)", |b| {
        b.iter(|| {
            revm::precompile::secp256k1::ec_recover_run(black_box(&ecrecover), 3_000).unwrap()
        })
    });
    // Four pairs, e(P, Q)·e(-P, Q) twice: what a Groth16 check costs on chain.
    let p = ark_bn254::G1Affine::generator();
    let q = (ark_bn254::G2Affine::generator() * ark_bn254::Fr::from(7u64)).into_affine();
    let mut pairing = Vec::new();
    for g1 in [p, -p, p, -p] {
        pairing.extend_from_slice(&bn254::g1_to_gnark(&g1));
        pairing.extend_from_slice(&bn254::g2_to_gnark(&q));
    }
    use revm::precompile::bn254::pair::{ISTANBUL_PAIR_BASE, ISTANBUL_PAIR_PER_POINT};
    let run = |input: &[u8]| {
        revm::precompile::bn254::run_pair(
            input,
            ISTANBUL_PAIR_PER_POINT,
            ISTANBUL_PAIR_BASE,
            u64::MAX,
        )
        .unwrap()
    };
    assert_eq!(run(&pairing).bytes[31], 1);
    g.bench_function("ecPairing 4 pairs (181000 gas)", |b| {
        b.iter(|| run(black_box(&pairing)))
    });
    g.finish();
}

fn reexecution(c: &mut Criterion) {
    let dir = shared().join("ethereum-tests");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPING re-execution benches: no fixtures under {}",
            dir.display()
        );
        return;
    }
    let config = ExecuteConfig::default();
    let blocks: Vec<_> = nr_benches::heaviest_blocks(&dir, 12)
        .into_iter()
        .filter(|b| {
            let input = StatelessInput::decode(&b.input).unwrap();
            check_l2_rules(&input.new_payload_request).is_ok()
                && execute(&config, &b.input, u64::MAX, &[]).is_ok()
        })
        .take(3)
        .collect();
    let mut g = c.benchmark_group("reexecution");
    g.sample_size(10);
    for b in &blocks {
        let short = b
            .name
            .rsplit('/')
            .next()
            .unwrap_or(&b.name)
            .split('_')
            .next()
            .unwrap_or("");
        g.throughput(Throughput::Elements(b.gas_used));
        g.bench_function(
            format!("{short} ({} gas, {} bytes)", b.gas_used, b.input.len()),
            |bench| bench.iter(|| execute(&config, black_box(&b.input), u64::MAX, &[]).unwrap()),
        );
    }
    g.finish();
    // Decoding alone, per input byte (the per-byte charge).
    if let Some(b) = blocks.first() {
        let mut g = c.benchmark_group("decode");
        g.throughput(Throughput::Bytes(b.input.len() as u64));
        g.bench_function(format!("input ({} bytes)", b.input.len()), |bench| {
            bench.iter(|| ExecuteInput::decode(black_box(&b.input)).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, proofs, yardsticks, reexecution);
criterion_main!(benches);
