//! SP1 Groth16 proof parsing and verification on arbitrary bytes against the real SP1 key:
//! no panic, and nothing but a real proof verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::{Groth16Key, bn254};
use std::sync::LazyLock;

static KEY: LazyLock<Groth16Key> = LazyLock::new(|| {
    Groth16Key::from_gnark_bytes(*sp1_verifier::GROTH16_VK_BYTES, *sp1_verifier::VK_ROOT_BYTES)
        .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let _ = KEY.verify_sp1(data, &[0; 32], b"");
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
