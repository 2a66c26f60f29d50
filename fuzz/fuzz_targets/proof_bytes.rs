//! SP1 Groth16 and Plonk proof parsing and verification on arbitrary bytes: no panic, and
//! nothing but a real proof verifies. Groth16 runs against the key sp1-verifier ships;
//! Plonk against the key of the shared v6.0.0 fixture (so the seed's selector and root
//! match and mutations reach the transcript and pairing), else the shipped one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::{Groth16Key, PlonkKey, bn254};
use std::sync::LazyLock;

static PLONK: LazyLock<PlonkKey> = LazyLock::new(|| {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sp1");
    let fixture = std::fs::read(format!("{dir}/plonk_vk_v6.0.0.bin"))
        .ok()
        .zip(
            std::fs::read_to_string(format!("{dir}/plonk-v6.0.0.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok()),
        );
    match fixture {
        Some((key, json)) => {
            let proof = json["proof"].as_str().unwrap().trim_start_matches("0x");
            let root: Vec<u8> = (72..136)
                .step_by(2)
                .map(|i| u8::from_str_radix(&proof[i..i + 2], 16).unwrap())
                .collect();
            PlonkKey::from_gnark_bytes(&key, root.try_into().unwrap()).unwrap()
        }
        None => {
            PlonkKey::from_gnark_bytes(*sp1_verifier::PLONK_VK_BYTES, *sp1_verifier::VK_ROOT_BYTES)
                .unwrap()
        }
    }
});

static KEY: LazyLock<Groth16Key> = LazyLock::new(|| {
    Groth16Key::from_gnark_bytes(
        *sp1_verifier::GROTH16_VK_BYTES,
        *sp1_verifier::VK_ROOT_BYTES,
    )
    .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let _ = KEY.verify_sp1(data, &[0; 32], b"", nr_execute::ValuesDigest::Sha256);
    let _ = PLONK.verify_sp1(data, &[0; 32], b"", nr_execute::ValuesDigest::Blake3);
    if let Ok(g1) = <&[u8; 64]>::try_from(data.get(..64).unwrap_or_default()) {
        let _ = bn254::g1_uncompressed(g1);
    }
    if let Ok(g2) = <&[u8; 128]>::try_from(data.get(..128).unwrap_or_default()) {
        let _ = bn254::g2_uncompressed(g2);
    }
    if let Ok(c) = <&[u8; 64]>::try_from(data.get(..64).unwrap_or_default()) {
        let _ = bn254::gnark_g2_compressed(c);
    }
});
