//! What EXECUTE costs, next to what Ethereum already charges for: SP1 proof verification
//! (Groth16 and Plonk, accepted and rejected, one pairing check each) on our precompile
//! path against plain arkworks Groth16 (prepared key) and revm's 4-pair ecPairing, in
//! interleaved rounds so every ratio comes with its spread; `sp1-verifier` once for the
//! record; re-execution per L2 gas on sealed L2 blocks (640 transfers, ERC-20 transfers)
//! and the heaviest fixture blocks that obey the L2 rules; input decoding per byte; the
//! fixed work of a call (an empty block re-executed, a proof dependency whose proof the node
//! verified before); revm's ecrecover and a KZG opening (the point-evaluation check); and last, the sealed L2 blocks again with sender recovery on k256, the
//! "before" of the switch to libsecp256k1. `python3 benches/report.py` turns a run into a table, a plot and the gas
//! constants of `crates/execute/src/gas.rs`.

use ark_ec::{AffineRepr, CurveGroup};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nr_execute::{
    ExecuteConfig, ExecuteInput, Groth16Key, PlonkKey, ValuesDigest, bn254, execute,
    stark::verify_compressed,
};
use nr_stateless::StatelessInput;
use nr_statement::{L2Chains, check_l2_rules};
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

/// Rounds of the interleaved comparison: each round measures every proof path and the
/// ecPairing yardstick back to back, so a ratio is taken within one round and the spread
/// over rounds shows how much this machine moves.
const ROUNDS: usize = 5;

/// The pairing input of the yardstick: four pairs, e(P, Q)·e(-P, Q) twice, what a Groth16
/// check costs on chain.
fn pairing_input() -> Vec<u8> {
    let p = ark_bn254::G1Affine::generator();
    let q = (ark_bn254::G2Affine::generator() * ark_bn254::Fr::from(7u64)).into_affine();
    let mut pairing = Vec::new();
    for g1 in [p, -p, p, -p] {
        pairing.extend_from_slice(&bn254::g1_to_gnark(&g1));
        pairing.extend_from_slice(&bn254::g2_to_gnark(&q));
    }
    pairing
}

/// Inputs a bench rotates through: the same input call after call lets the branch predictor
/// learn the data-dependent branches of the field arithmetic over a whole ~1 ms check (a
/// final exponentiation repeated on one input ran in 214 µs, on 16 rotating inputs in
/// 350 µs), which no chain ever presents. The Groth16 proof paths and their yardstick
/// rotate through 16 inputs each.
const ROTATING: u64 = 16;

/// 16 yardstick inputs: `e(P, Q)·e(-P, Q)·e(P', Q')·e(-P', Q')`, each with its own points.
fn pairing_inputs() -> Vec<Vec<u8>> {
    use ark_bn254::{Fr, G1Affine, G2Affine};
    (0..ROTATING)
        .map(|i| {
            let s = |k: u64| Fr::from(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(4 * i + k + 1));
            let (p, q) = (
                (G1Affine::generator() * s(0)).into_affine(),
                (G2Affine::generator() * s(1)).into_affine(),
            );
            let (p2, q2) = (
                (G1Affine::generator() * s(2)).into_affine(),
                (G2Affine::generator() * s(3)).into_affine(),
            );
            let mut input = Vec::new();
            for (g1, g2) in [(p, q), (-p, q), (p2, q2), (-p2, q2)] {
                input.extend_from_slice(&bn254::g1_to_gnark(&g1));
                input.extend_from_slice(&bn254::g2_to_gnark(&g2));
            }
            input
        })
        .collect()
}

/// 16 valid proofs of the fixture's statement, re-randomised as Groth16 allows anyone to:
/// `A' = A/r`, `B' = r·B + s·δ`, `C' = C + s·A'` satisfy the same equation.
fn rerandomised(proof: &[u8], vk_bytes: &[u8]) -> Vec<Vec<u8>> {
    use ark_bn254::Fr;
    use ark_ff::Field;
    let delta = bn254::gnark_g2_compressed(vk_bytes[224..288].try_into().unwrap()).unwrap();
    let body = &proof[100..];
    let a = bn254::g1_uncompressed(body[..64].try_into().unwrap()).unwrap();
    let b = bn254::g2_uncompressed(body[64..192].try_into().unwrap()).unwrap();
    let c = bn254::g1_uncompressed(body[192..].try_into().unwrap()).unwrap();
    (0..ROTATING)
        .map(|i| {
            let r = Fr::from(0x5851_f42d_4c95_7f2du64.wrapping_mul(2 * i + 3));
            let s = Fr::from(0x1405_7b7e_f767_814fu64.wrapping_mul(2 * i + 5));
            let a2 = (a * r.inverse().unwrap()).into_affine();
            let b2 = (b * r + delta * s).into_affine();
            let c2 = (c.into_group() + a2 * s).into_affine();
            let mut p = proof[..100].to_vec();
            p.extend_from_slice(&bn254::g1_to_gnark(&a2));
            p.extend_from_slice(&bn254::g2_to_gnark(&b2));
            p.extend_from_slice(&bn254::g1_to_gnark(&c2));
            p
        })
        .collect()
}

/// The statement, proof and a corrupted proof of the committed proof sidecar
/// (`crates/contracts/testdata/proven`), if present.
fn compressed_fixture() -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/contracts/testdata/proven/block-1.sidecar");
    let sidecar = nr_statement::ProofSidecar::decode(&std::fs::read(path).ok()?).ok()?;
    let p = sidecar.proofs.first()?;
    let proof = p.proof.to_vec();
    let mut corrupted = proof.clone();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 1;
    Some((p.statement.to_vec(), proof, corrupted))
}

fn run_pairing(input: &[u8]) -> revm::precompile::EthPrecompileOutput {
    use revm::precompile::bn254::pair::{ISTANBUL_PAIR_BASE, ISTANBUL_PAIR_PER_POINT};
    revm::precompile::bn254::run_pair(input, ISTANBUL_PAIR_PER_POINT, ISTANBUL_PAIR_BASE, u64::MAX)
        .unwrap()
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
    let sha = ValuesDigest::Sha256;
    // The worst case a caller can force: a well-formed proof of other public values. With
    // the program's digest fixed by the registry it costs one pairing check, as an
    // accepted proof does.
    let wrong_values = [f.public_values.clone(), vec![0]].concat();
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
    // The Plonk fixture was made by SP1 v6.0.0: its own wrapper key and recursion root.
    let plonk = sp1_fixture("plonk-v6.0.0.json").and_then(|p| {
        let plonk_vk = std::fs::read(shared().join("sp1/plonk_vk_v6.0.0.bin")).ok()?;
        let root: [u8; 32] = p.proof[36..68].try_into().unwrap();
        let key = PlonkKey::from_gnark_bytes(&plonk_vk, root).unwrap();
        let vkey: [u8; 32] = hex(&p.vkey).try_into().unwrap();
        Some((p, plonk_vk, root, key, vkey))
    });
    let pairing = pairing_input();
    assert_eq!(run_pairing(&pairing).bytes[31], 1);
    let pairings = pairing_inputs();
    assert!(pairings.iter().all(|p| run_pairing(p).bytes[31] == 1));
    let proofs = rerandomised(&f.proof, vk_bytes);
    for p in &proofs {
        key.verify_sp1(p, &vkey, &f.public_values, sha).unwrap();
    }
    let nth = |i: &mut usize| {
        *i += 1;
        *i % ROTATING as usize
    };
    // The committed compressed proof of a real L2 block (the proof sidecar the node verifies
    // outside the EVM), and the same proof with one byte flipped: refused after the work.
    let stark = compressed_fixture();

    let mut g = c.benchmark_group("interleaved");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for round in 0..ROUNDS {
        let id = |case: &str| BenchmarkId::new(case, format!("round{round}"));
        g.bench_function(id("ecPairing 4 pairs"), |b| {
            b.iter(|| run_pairing(black_box(&pairing)))
        });
        g.bench_function(id("groth16 accepted"), |b| {
            b.iter(|| {
                key.verify_sp1(black_box(&f.proof), &vkey, &f.public_values, sha)
                    .unwrap()
            })
        });
        g.bench_function(id("groth16 rejected"), |b| {
            b.iter(|| {
                key.verify_sp1(black_box(&f.proof), &vkey, &wrong_values, sha)
                    .unwrap_err()
            })
        });
        g.bench_function(id("ecPairing 4 pairs, 16 inputs"), |b| {
            let mut i = 0;
            b.iter(|| run_pairing(black_box(&pairings[nth(&mut i)])))
        });
        g.bench_function(id("groth16 accepted, 16 proofs"), |b| {
            let mut i = 0;
            b.iter(|| {
                key.verify_sp1(
                    black_box(&proofs[nth(&mut i)]),
                    &vkey,
                    &f.public_values,
                    sha,
                )
                .unwrap()
            })
        });
        g.bench_function(id("groth16 rejected, 16 proofs"), |b| {
            let mut i = 0;
            b.iter(|| {
                key.verify_sp1(black_box(&proofs[nth(&mut i)]), &vkey, &wrong_values, sha)
                    .unwrap_err()
            })
        });
        g.bench_function(id("groth16 arkworks prepared"), |b| {
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
        if let Some((statement, proof, corrupted)) = &stark {
            let key = nr_execute::NATIVE_ROLLUP_PROGRAM_STARK_VKEY;
            g.bench_function(id("compressed accepted"), |b| {
                b.iter(|| verify_compressed(&key, statement, black_box(proof)).unwrap())
            });
            g.bench_function(id("compressed rejected"), |b| {
                b.iter(|| verify_compressed(&key, statement, black_box(corrupted)).unwrap_err())
            });
        }
        if let Some((p, _, _, key, vkey)) = &plonk {
            let wrong = [p.public_values.clone(), vec![0]].concat();
            g.bench_function(id("plonk accepted"), |b| {
                b.iter(|| {
                    key.verify_sp1(black_box(&p.proof), vkey, &p.public_values, sha)
                        .unwrap()
                })
            });
            g.bench_function(id("plonk rejected"), |b| {
                b.iter(|| {
                    key.verify_sp1(black_box(&p.proof), vkey, &wrong, sha)
                        .unwrap_err()
                })
            });
        }
    }
    g.finish();

    // The reference verifiers, once: far slower, for the record.
    let mut g = c.benchmark_group("proof");
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
    if let Some((p, plonk_vk, root, _, vkey)) = &plonk {
        let inputs = [
            *vkey,
            sp1_verifier::hash_public_inputs(&p.public_values),
            p.proof[4..36].try_into().unwrap(),
            *root,
            p.proof[68..100].try_into().unwrap(),
        ];
        g.bench_function("plonk/sp1_verifier", |b| {
            b.iter(|| {
                sp1_verifier::PlonkVerifier::verify_gnark_proof(
                    black_box(&p.proof[100..]),
                    &inputs,
                    plonk_vk,
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
    let pairing = pairing_input();
    g.bench_function("ecPairing 4 pairs (181000 gas)", |b| {
        b.iter(|| run_pairing(black_box(&pairing)))
    });
    // A valid opening of a blob whose field elements count up: the check the EIP-4844
    // point-evaluation precompile makes (and EXECUTE makes per blob opening).
    let settings = c_kzg::ethereum_kzg_settings(0);
    let mut bytes = vec![0u8; c_kzg::BYTES_PER_BLOB];
    for (i, element) in bytes.chunks_mut(32).enumerate() {
        element[30..].copy_from_slice(&(i as u16).to_be_bytes());
    }
    let blob = c_kzg::Blob::from_bytes(&bytes).unwrap();
    let commitment = settings.blob_to_kzg_commitment(&blob).unwrap().to_bytes();
    let z = c_kzg::Bytes32::from_bytes(&[7u8; 32][..]).unwrap();
    let (proof, y) = settings.compute_kzg_proof(&blob, &z).unwrap();
    let proof = proof.to_bytes();
    assert!(
        settings
            .verify_kzg_proof(&commitment, &z, &y, &proof)
            .unwrap()
    );
    g.bench_function("point evaluation, one KZG opening (50000 gas)", |b| {
        b.iter(|| {
            settings
                .verify_kzg_proof(black_box(&commitment), &z, &y, &proof)
                .unwrap()
        })
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
    // An L1 that settles the dev L2s (Osaka and Amsterdam) under their own rules and the
    // fixture chains under their schema's fork from genesis.
    let mut blocks: Vec<_> = nr_benches::l2_blocks_for_benches();
    let config = ExecuteConfig {
        chains: L2Chains::open(nr_benches::chains_of(&blocks)),
        ..ExecuteConfig::default()
    };
    blocks.extend(
        nr_benches::heaviest_blocks(&dir, 12)
            .into_iter()
            .filter(|b| {
                let input = StatelessInput::decode(&b.input).unwrap();
                check_l2_rules(&input.new_payload_request).is_ok()
                    && execute(&config, &b.input, u64::MAX, &[]).is_ok()
            })
            .take(3),
    );
    for b in &blocks {
        assert!(
            execute(&config, &b.input, u64::MAX, &[]).is_ok(),
            "{}",
            b.name
        );
    }
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
            .unwrap_or("")
            .rsplit("::")
            .next()
            .unwrap_or("");
        g.throughput(Throughput::Elements(b.gas_used));
        g.bench_function(
            format!("{short} ({} gas, {} bytes)", b.gas_used, b.input.len()),
            |bench| bench.iter(|| execute(&config, black_box(&b.input), u64::MAX, &[]).unwrap()),
        );
    }
    g.finish();
    // Decoding alone, per input byte (the per-byte charge), on a fixture block.
    let fixture = blocks.iter().find(|b| !b.name.starts_with("L2 block"));
    if let Some(b) = fixture.or(blocks.first()) {
        let mut g = c.benchmark_group("decode");
        g.throughput(Throughput::Bytes(b.input.len() as u64));
        g.bench_function(format!("input ({} bytes)", b.input.len()), |bench| {
            bench.iter(|| ExecuteInput::decode(black_box(&b.input)).unwrap())
        });
        g.finish();
    }
}

/// The sealed Osaka L2 blocks again with sender recovery on k256: the "before" of the switch
/// to libsecp256k1, in the same run (the 0x1501 blocks check their public keys on
/// libsecp256k1 directly, so the backend does not reach them). Last, because the backend
/// stays installed.
fn reexecution_k256(c: &mut Criterion) {
    let blocks = vec![
        nr_benches::l2_transfer_block(),
        nr_benches::l2_erc20_block(),
    ];
    let config = ExecuteConfig {
        chains: L2Chains::pinned(nr_benches::chains_of(&blocks)),
        ..ExecuteConfig::default()
    };
    nr_benches::k256_recovery::install();
    let mut g = c.benchmark_group("reexecution k256 (before)");
    g.sample_size(10);
    for b in &blocks {
        assert!(
            execute(&config, &b.input, u64::MAX, &[]).is_ok(),
            "{}",
            b.name
        );
        g.throughput(Throughput::Elements(b.gas_used));
        g.bench_function(
            format!("{} ({} gas, {} bytes)", b.name, b.gas_used, b.input.len()),
            |bench| bench.iter(|| execute(&config, black_box(&b.input), u64::MAX, &[]).unwrap()),
        );
    }
    g.finish();
}

/// The fixed work of a call, which the base constants price: EXECUTE re-executing an empty
/// Amsterdam L2 block (the proven range's block 1: decoding, chain rules, the EIP-4788 and
/// EIP-2935 system calls, the state root), and EXECUTE in proof-dependency mode on the
/// committed call vector `dependency-valid` with its proof verified before the call, as a
/// node does (statement decoding, the proof lookup, one KZG opening of the blob).
fn base(c: &mut Criterion) {
    let root = nr_vectors::repository_root();
    let config = nr_vectors::config_of(&nr_vectors::native_rollup_section()).unwrap();
    let empty =
        std::fs::read_to_string(root.join(nr_vectors::PROVEN_DIR).join("range/block-1.hex"))
            .unwrap();
    let empty = hex(empty.trim().trim_start_matches("0x"));
    let none = nr_execute::TxProofs::default();
    assert!(nr_execute::execute_in(&config, &empty, u64::MAX, &[], &none).is_ok());
    let file = root
        .join(nr_vectors::VECTORS_DIR)
        .join("dependency-valid.json");
    let vector: nr_vectors::CallVector =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let sidecar = vector.proof_sidecar.as_ref().unwrap();
    let sidecar = std::fs::read(root.join(&sidecar.file)).unwrap();
    let proofs = nr_execute::verify_sidecar(&config.programs, &sidecar).unwrap();
    let call = |proofs: &nr_execute::TxProofs| {
        nr_execute::execute_in(
            &config,
            black_box(&vector.input),
            vector.gas_limit,
            &vector.blob_versioned_hashes,
            proofs,
        )
    };
    assert!(call(&proofs).is_ok());
    let mut g = c.benchmark_group("base");
    g.bench_function(
        format!(
            "re-execution, an empty Amsterdam block ({} bytes)",
            empty.len()
        ),
        |b| {
            b.iter(|| {
                nr_execute::execute_in(&config, black_box(&empty), u64::MAX, &[], &none).unwrap()
            })
        },
    );
    g.bench_function(
        format!(
            "proof dependency, proof verified before ({} bytes, 1 blob)",
            vector.input.len()
        ),
        |b| b.iter(|| call(&proofs).unwrap()),
    );
    g.finish();
}

criterion_group!(
    benches,
    proofs,
    yardsticks,
    reexecution,
    base,
    reexecution_k256
);
criterion_main!(benches);
