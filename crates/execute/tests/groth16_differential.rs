//! Our arkworks Groth16 path against `sp1-verifier` 6.10.0 (the reference) on the real SP1
//! proofs in `../shared/fixtures/sp1` and on systematic corruptions of every byte region:
//! both must accept and reject exactly the same inputs. The one deliberate difference
//! (non-canonical scalars, which `sp1-verifier` reduces modulo r) has its own test.

use nr_execute::{Groth16Key, ProofError, ValuesDigest, bn254};
use sp1_verifier::Groth16Verifier;

mod common;
use common::{R, add_be, corruptions, fixtures, hex};

struct Fixture {
    vkey: String,
    public_values: Vec<u8>,
    proof: Vec<u8>,
}

fn load(dir: &std::path::Path, name: &str) -> Fixture {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    Fixture {
        vkey: v["vkey"].as_str().unwrap().to_string(),
        public_values: hex(v["publicValues"].as_str().unwrap()),
        proof: hex(v["proof"].as_str().unwrap()),
    }
}

fn vkey_bytes(vkey: &str) -> [u8; 32] {
    hex(vkey).try_into().unwrap()
}

/// The current SP1 circuit (v6.1.0 key, as sp1-verifier 6.10.0 ships it).
fn current_key() -> Groth16Key {
    Groth16Key::from_gnark_bytes(
        *sp1_verifier::GROTH16_VK_BYTES,
        *sp1_verifier::VK_ROOT_BYTES,
    )
    .unwrap()
}

/// Byte regions of an SP1 Groth16 proof, by name.
const REGIONS: &[(&str, usize, usize)] = &[
    ("selector", 0, 4),
    ("exit code", 4, 36),
    ("vk root", 36, 68),
    ("nonce", 68, 100),
    ("A.x", 100, 132),
    ("A.y", 132, 164),
    ("B.x.c1", 164, 196),
    ("B.x.c0", 196, 228),
    ("B.y.c1", 228, 260),
    ("B.y.c0", 260, 292),
    ("C.x", 292, 324),
    ("C.y", 324, 356),
];

fn ours(key: &Groth16Key, proof: &[u8], vkey: &str, pv: &[u8]) -> bool {
    let vkey: Option<[u8; 32]> = hex(vkey).try_into().ok();
    // sp1-verifier tries both digests; a registry fixes one per program.
    vkey.is_some_and(|v| {
        ValuesDigest::ALL
            .iter()
            .any(|d| key.verify_sp1(proof, &v, pv, *d).is_ok())
    })
}

fn reference(proof: &[u8], vkey: &str, pv: &[u8]) -> bool {
    Groth16Verifier::verify(proof, pv, vkey, *sp1_verifier::GROTH16_VK_BYTES).is_ok()
}

#[test]
fn real_proof_verifies_in_both() {
    let Some(dir) = fixtures() else { return };
    let f = load(&dir, "groth16-v6.1.0.json");
    assert!(reference(&f.proof, &f.vkey, &f.public_values));
    current_key()
        .verify_sp1(
            &f.proof,
            &vkey_bytes(&f.vkey),
            &f.public_values,
            ValuesDigest::Sha256,
        )
        .expect("real SP1 proof verifies on the arkworks path");
}

#[test]
fn corrupted_proof_bytes_agree_with_sp1_verifier() {
    let Some(dir) = fixtures() else { return };
    let f = load(&dir, "groth16-v6.1.0.json");
    let key = current_key();
    let mut cases = 0;
    for &(region, start, end) in REGIONS {
        for (at, change) in corruptions(start, end) {
            let mut proof = f.proof.clone();
            proof[at] = change(proof[at]);
            if proof == f.proof {
                continue;
            }
            let (a, b) = (
                ours(&key, &proof, &f.vkey, &f.public_values),
                reference(&proof, &f.vkey, &f.public_values),
            );
            assert_eq!(a, b, "{region} byte {at}: ours {a}, sp1-verifier {b}");
            assert!(!a, "{region} byte {at}: a corrupted proof verified");
            cases += 1;
        }
    }
    assert!(cases >= 60, "{cases} cases");
}

#[test]
fn corrupted_public_values_and_vkey_agree_with_sp1_verifier() {
    let Some(dir) = fixtures() else { return };
    let f = load(&dir, "groth16-v6.1.0.json");
    let key = current_key();
    let mut pvs = vec![Vec::new(), [f.public_values.clone(), vec![0]].concat()];
    for (at, change) in corruptions(0, f.public_values.len()) {
        let mut pv = f.public_values.clone();
        pv[at] = change(pv[at]);
        pvs.push(pv);
    }
    for pv in pvs {
        let (a, b) = (
            ours(&key, &f.proof, &f.vkey, &pv),
            reference(&f.proof, &f.vkey, &pv),
        );
        assert_eq!(a, b, "public values {pv:02x?}");
        assert!(!a);
    }
    let vk = hex(&f.vkey);
    for (at, change) in corruptions(0, 32) {
        let mut v = vk.clone();
        v[at] = change(v[at]);
        let v = format!(
            "0x{}",
            v.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let (a, b) = (
            ours(&key, &f.proof, &v, &f.public_values),
            reference(&f.proof, &v, &f.public_values),
        );
        assert_eq!(a, b, "vkey {v}");
        assert!(!a);
    }
}

#[test]
fn wrong_length_and_valid_but_wrong_points_agree_with_sp1_verifier() {
    let Some(dir) = fixtures() else { return };
    let f = load(&dir, "groth16-v6.1.0.json");
    let key = current_key();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated", f.proof[..355].to_vec()),
        ("extended", [f.proof.clone(), vec![0]].concat()),
    ];
    // On-curve points that are not the proof's: -A, A as C, the zero encoding.
    let a = bn254::g1_uncompressed(f.proof[100..164].try_into().unwrap()).unwrap();
    let mut neg_a = f.proof.clone();
    neg_a[100..164].copy_from_slice(&bn254::g1_to_gnark(&(-a)));
    cases.push(("-A", neg_a));
    let mut swapped = f.proof.clone();
    swapped.copy_within(100..164, 292);
    cases.push(("C := A", swapped));
    let mut zero = f.proof.clone();
    zero[100..164].fill(0);
    cases.push(("A := 0", zero));
    let b = bn254::g2_uncompressed(f.proof[164..292].try_into().unwrap()).unwrap();
    let mut neg_b = f.proof.clone();
    neg_b[164..292].copy_from_slice(&bn254::g2_to_gnark(&(-b)));
    cases.push(("-B", neg_b));
    // B on the twist but outside G2 (the Miller loop's membership test refuses it).
    let off_g2 = (1u64..)
        .find_map(|i| {
            use ark_ff::Field;
            let x = ark_bn254::Fq2::new(i.into(), ark_bn254::Fq::ONE);
            ark_bn254::G2Affine::get_point_from_x_unchecked(x, true)
        })
        .unwrap();
    let mut b_off_g2 = f.proof.clone();
    b_off_g2[164..292].copy_from_slice(&bn254::g2_to_gnark(&off_g2));
    assert_eq!(
        key.verify_sp1(
            &b_off_g2,
            &vkey_bytes(&f.vkey),
            &f.public_values,
            ValuesDigest::Sha256
        ),
        Err(ProofError::InvalidPoint("B"))
    );
    cases.push(("B outside G2", b_off_g2));
    for (name, proof) in cases {
        let (x, y) = (
            ours(&key, &proof, &f.vkey, &f.public_values),
            reference(&proof, &f.vkey, &f.public_values),
        );
        assert_eq!(x, y, "{name}");
        assert!(!x, "{name}");
    }
}

#[test]
fn non_canonical_nonce_is_rejected_where_sp1_verifier_reduces_it() {
    let Some(dir) = fixtures() else { return };
    let f = load(&dir, "groth16-v6.1.0.json");
    let mut proof = f.proof.clone();
    let nonce_plus_r = add_be(&proof[68..100], &R);
    proof[68..100].copy_from_slice(&nonce_plus_r);
    // sp1-verifier reads the nonce modulo r, so the same proof verifies a second encoding.
    assert!(reference(&proof, &f.vkey, &f.public_values));
    assert_eq!(
        current_key().verify_sp1(
            &proof,
            &vkey_bytes(&f.vkey),
            &f.public_values,
            ValuesDigest::Sha256
        ),
        Err(ProofError::NonCanonical("nonce"))
    );
}

/// The v6.0.0 fixtures are for an older circuit: the SP1-level check rejects them in both
/// (selector, vk root), and the raw gnark proofs verify in both against their own keys.
#[test]
fn older_circuit_proofs_agree_at_both_levels() {
    let Some(dir) = fixtures() else { return };
    let f = load(&dir, "groth16-v6.0.0.json");
    assert!(!reference(&f.proof, &f.vkey, &f.public_values));
    assert!(!ours(&current_key(), &f.proof, &f.vkey, &f.public_values));

    let vk_bytes = std::fs::read(dir.join("groth16_vk_v6.0.0.bin")).unwrap();
    let vk_root: [u8; 32] = f.proof[36..68].try_into().unwrap();
    let old = Groth16Key::from_gnark_bytes(&vk_bytes, vk_root).unwrap();
    // Through the full SP1 path with the old key and root.
    old.verify_sp1(
        &f.proof,
        &vkey_bytes(&f.vkey),
        &f.public_values,
        ValuesDigest::Sha256,
    )
    .expect("v6.0.0 proof verifies against the v6.0.0 key");
    let inputs = [
        vkey_bytes(&f.vkey),
        sp1_verifier::hash_public_inputs(&f.public_values),
        f.proof[4..36].try_into().unwrap(),
        vk_root,
        f.proof[68..100].try_into().unwrap(),
    ];
    let raw = &f.proof[100..];
    assert!(Groth16Verifier::verify_gnark_proof(raw, &inputs, &vk_bytes).is_ok());
    assert!(old.verify_gnark(raw, &inputs).is_ok());
    for (at, change) in corruptions(0, raw.len()) {
        let mut p = raw.to_vec();
        p[at] = change(p[at]);
        let (a, b) = (
            old.verify_gnark(&p, &inputs).is_ok(),
            Groth16Verifier::verify_gnark_proof(&p, &inputs, &vk_bytes).is_ok(),
        );
        assert_eq!(a, b, "raw byte {at}");
    }
}

#[test]
fn malformed_keys_are_refused() {
    let bytes: &[u8] = *sp1_verifier::GROTH16_VK_BYTES;
    assert!(Groth16Key::from_gnark_bytes(&bytes[..100], [0; 32]).is_err());
    let mut flagless = bytes.to_vec();
    flagless[0] &= 0x3f;
    assert!(Groth16Key::from_gnark_bytes(&flagless, [0; 32]).is_err());
}
