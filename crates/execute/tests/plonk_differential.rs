//! Our arkworks PLONK path against `sp1-verifier` 6.10.0 (the reference) on the real SP1
//! Plonk proof in `../shared/fixtures/sp1` and on systematic corruptions of every byte
//! region: both must accept and reject exactly the same inputs.
//!
//! The fixture was made by SP1 v6.0.0, whose wrapper key and recursion root differ from the
//! ones sp1-verifier 6.10.0 ships, so sp1-verifier's SP1-level entry point cannot take it.
//! The reference is therefore its gnark-level `PlonkVerifier::verify_gnark_proof` with the
//! fixture's own key, wrapped in SP1's header rules (selector, exit code 0, vk root, the
//! SHA-256 then BLAKE3 public-values digest) exactly as `PlonkVerifier::verify` applies them.

use nr_execute::{PlonkKey, ProofError, ValuesDigest, bn254};
use sha2::{Digest, Sha256};
use sp1_verifier::PlonkVerifier;
use std::path::Path;

mod common;
use common::{R, add_be, corruptions, fixtures, hex};

struct Fixture {
    vkey: [u8; 32],
    public_values: Vec<u8>,
    proof: Vec<u8>,
    /// The gnark key bytes of the circuit that made the proof.
    key_bytes: Vec<u8>,
    /// The recursion root the proof names.
    root: [u8; 32],
}

impl Fixture {
    fn load(dir: &Path) -> Self {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("plonk-v6.0.0.json")).unwrap())
                .unwrap();
        let proof = hex(v["proof"].as_str().unwrap());
        Self {
            vkey: hex(v["vkey"].as_str().unwrap()).try_into().unwrap(),
            public_values: hex(v["publicValues"].as_str().unwrap()),
            root: proof[36..68].try_into().unwrap(),
            proof,
            key_bytes: std::fs::read(dir.join("plonk_vk_v6.0.0.bin")).unwrap(),
        }
    }

    fn key(&self) -> PlonkKey {
        PlonkKey::from_gnark_bytes(&self.key_bytes, self.root).unwrap()
    }

    fn ours(&self, key: &PlonkKey, proof: &[u8], vkey: &[u8; 32], pv: &[u8]) -> bool {
        // sp1-verifier tries both digests; a registry fixes one per program.
        ValuesDigest::ALL
            .iter()
            .any(|d| key.verify_sp1(proof, vkey, pv, *d).is_ok())
    }

    /// sp1-verifier's SP1 header rules around its gnark-level verifier, for this key/root.
    fn reference(&self, proof: &[u8], vkey: &[u8; 32], pv: &[u8]) -> bool {
        if proof.len() < 100
            || proof[..4] != Sha256::digest(&self.key_bytes)[..4]
            || proof[4..36] != [0; 32]
            || proof[36..68] != self.root
        {
            return false;
        }
        let digests = [
            sp1_verifier::hash_public_inputs(pv),
            sp1_verifier::hash_public_inputs_with_fn(pv, sp1_verifier::blake3_hash),
        ];
        digests.into_iter().any(|digest| {
            let inputs = [
                *vkey,
                digest,
                [0; 32],
                self.root,
                proof[68..100].try_into().unwrap(),
            ];
            PlonkVerifier::verify_gnark_proof(&proof[100..], &inputs, &self.key_bytes).is_ok()
        })
    }

    fn agree(&self, key: &PlonkKey, proof: &[u8], vkey: &[u8; 32], pv: &[u8], case: &str) {
        let (a, b) = (
            self.ours(key, proof, vkey, pv),
            self.reference(proof, vkey, pv),
        );
        assert_eq!(a, b, "{case}: ours {a}, sp1-verifier {b}");
        assert!(!a, "{case}: a corrupted proof verified");
    }
}

/// Byte regions of an SP1 Plonk proof with one BSB22 commitment, by name.
const REGIONS: &[(&str, usize, usize)] = &[
    ("selector", 0, 4),
    ("exit code", 4, 36),
    ("vk root", 36, 68),
    ("nonce", 68, 100),
    ("L", 100, 164),
    ("R", 164, 228),
    ("O", 228, 292),
    ("H0", 292, 356),
    ("H1", 356, 420),
    ("H2", 420, 484),
    ("l(ζ)", 484, 516),
    ("r(ζ)", 516, 548),
    ("o(ζ)", 548, 580),
    ("s1(ζ)", 580, 612),
    ("s2(ζ)", 612, 644),
    ("Z", 644, 708),
    ("z(ζω)", 708, 740),
    ("W_ζ", 740, 804),
    ("W_ζω", 804, 868),
    ("qcp(ζ)", 868, 900),
    ("BSB22", 900, 964),
];

#[test]
fn real_proof_verifies_in_both() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    assert_eq!(f.proof.len(), 964);
    assert!(f.reference(&f.proof, &f.vkey, &f.public_values));
    f.key()
        .verify_sp1(&f.proof, &f.vkey, &f.public_values, ValuesDigest::Sha256)
        .expect("real SP1 Plonk proof verifies on the arkworks path");
    // And at the gnark level, with explicit public inputs.
    let inputs = [
        f.vkey,
        sp1_verifier::hash_public_inputs(&f.public_values),
        [0; 32],
        f.root,
        f.proof[68..100].try_into().unwrap(),
    ];
    f.key().verify_gnark(&f.proof[100..], &inputs).unwrap();
    assert!(PlonkVerifier::verify_gnark_proof(&f.proof[100..], &inputs, &f.key_bytes).is_ok());
}

#[test]
fn regions_cover_the_proof() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let mut end = 0;
    for &(name, start, stop) in REGIONS {
        assert_eq!(start, end, "{name}");
        end = stop;
    }
    assert_eq!(end, f.proof.len());
    assert_eq!(100 + f.key().gnark_proof_bytes(), f.proof.len());
}

#[test]
fn corrupted_proof_bytes_agree_with_sp1_verifier() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let key = f.key();
    let mut cases = 0;
    for &(region, start, end) in REGIONS {
        for (at, change) in corruptions(start, end) {
            let mut proof = f.proof.clone();
            proof[at] = change(proof[at]);
            if proof == f.proof {
                continue;
            }
            let case = format!("{region} byte {at}");
            f.agree(&key, &proof, &f.vkey, &f.public_values, &case);
            cases += 1;
        }
    }
    assert!(cases >= 120, "{cases} cases");
}

#[test]
fn corrupted_public_values_and_vkey_agree_with_sp1_verifier() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let key = f.key();
    let mut pvs = vec![Vec::new(), [f.public_values.clone(), vec![0]].concat()];
    for (at, change) in corruptions(0, f.public_values.len()) {
        let mut pv = f.public_values.clone();
        pv[at] = change(pv[at]);
        pvs.push(pv);
    }
    for pv in pvs {
        f.agree(
            &key,
            &f.proof,
            &f.vkey,
            &pv,
            &format!("public values {pv:02x?}"),
        );
    }
    for (at, change) in corruptions(0, 32) {
        let mut v = f.vkey;
        v[at] = change(v[at]);
        f.agree(
            &key,
            &f.proof,
            &v,
            &f.public_values,
            &format!("vkey {v:02x?}"),
        );
    }
}

/// Second encodings (x + r) of every scalar the verifier reads from the proof: the nonce
/// and each claimed evaluation. sp1-verifier reads scalars modulo r (and binds the reduced
/// value in its transcript), so the same proof verifies under a second encoding; we refuse
/// any scalar not below r, so a proof has exactly one accepted encoding. This is the one
/// deliberate difference from the reference, as on the Groth16 path.
#[test]
fn non_canonical_scalars_are_rejected_where_sp1_verifier_reduces_them() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let key = f.key();
    let mut cases = 0;
    for &(name, start, end) in REGIONS {
        if end - start != 32 || start < 68 {
            continue;
        }
        let mut proof = f.proof.clone();
        let plus_r = add_be(&proof[start..end], &R);
        proof[start..end].copy_from_slice(&plus_r);
        assert!(f.reference(&proof, &f.vkey, &f.public_values), "{name}");
        assert_eq!(
            key.verify_sp1(&proof, &f.vkey, &f.public_values, ValuesDigest::Sha256),
            Err(ProofError::NonCanonical(if name == "nonce" {
                "nonce"
            } else {
                "proof scalar"
            })),
            "{name}"
        );
        cases += 1;
    }
    assert_eq!(cases, 8);
    let vkey_plus_r = add_be(&f.vkey, &R);
    assert_eq!(
        key.verify_sp1(
            &f.proof,
            &vkey_plus_r,
            &f.public_values,
            ValuesDigest::Sha256
        ),
        Err(ProofError::NonCanonical("program vkey"))
    );
}

#[test]
fn wrong_length_and_valid_but_wrong_points_agree_with_sp1_verifier() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let key = f.key();
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("truncated".into(), f.proof[..963].to_vec()),
        ("extended".into(), [f.proof.clone(), vec![0]].concat()),
    ];
    for &(name, start, end) in REGIONS.iter().filter(|r| r.2 - r.1 == 64) {
        let p = bn254::g1_uncompressed(f.proof[start..end].try_into().unwrap()).unwrap();
        let mut neg = f.proof.clone();
        neg[start..end].copy_from_slice(&bn254::g1_to_gnark(&(-p)));
        cases.push((format!("-{name}"), neg));
        let mut zero = f.proof.clone();
        zero[start..end].fill(0);
        cases.push((format!("{name} := 0"), zero));
        let mut swapped = f.proof.clone();
        swapped.copy_within(100..164, start);
        if swapped != f.proof {
            cases.push((format!("{name} := L"), swapped));
        }
    }
    // Two claimed evaluations swapped.
    let mut swapped = f.proof.clone();
    swapped.copy_within(484..516, 516);
    swapped[484..516].copy_from_slice(&f.proof[516..548]);
    cases.push(("l(ζ) <-> r(ζ)".into(), swapped));
    for (name, proof) in cases {
        f.agree(&key, &proof, &f.vkey, &f.public_values, &name);
    }
}

/// The key sp1-verifier 6.10.0 ships parses and prepares; the v6.0.0 proof is refused by
/// both current-circuit paths (another selector and root).
#[test]
fn current_key_loads_and_refuses_the_older_circuit() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let current =
        PlonkKey::from_gnark_bytes(*sp1_verifier::PLONK_VK_BYTES, *sp1_verifier::VK_ROOT_BYTES)
            .unwrap();
    assert_eq!(current.gnark_proof_bytes(), 864);
    assert_eq!(
        current.verify_sp1(&f.proof, &f.vkey, &f.public_values, ValuesDigest::Sha256),
        Err(ProofError::Selector)
    );
    let vkey = format!(
        "0x{}",
        f.vkey
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    assert!(
        PlonkVerifier::verify(
            &f.proof,
            &f.public_values,
            &vkey,
            *sp1_verifier::PLONK_VK_BYTES
        )
        .is_err()
    );
}

#[test]
fn malformed_keys_are_refused() {
    let Some(dir) = fixtures() else { return };
    let f = Fixture::load(&dir);
    let bytes = &f.key_bytes;
    assert!(PlonkKey::from_gnark_bytes(&bytes[..bytes.len() - 1], f.root).is_err());
    assert!(PlonkKey::from_gnark_bytes(&[bytes.as_slice(), &[0]].concat(), f.root).is_err());
    // A flagless S1 (byte 112), a wrong domain size, a wrong public-input count.
    for (at, value) in [(112, bytes[112] & 0x3f), (7, bytes[7] ^ 1), (79, 4)] {
        let mut b = bytes.clone();
        b[at] = value;
        assert!(PlonkKey::from_gnark_bytes(&b, f.root).is_err(), "byte {at}");
    }
    assert!(
        PlonkKey::from_gnark_bytes(bytes, R).is_err(),
        "non-canonical root"
    );
}
