//! What both differential tests need: the SP1 fixtures, hex, byte corruptions, and
//! second encodings of scalars (`x + r`).

use std::path::PathBuf;

/// `../shared/fixtures/sp1`, or `None` (and a SKIPPING line) where it is absent.
pub fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sp1");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPING: SP1 fixtures not found at {}", dir.display());
        None
    }
}

/// Bytes of a hex string, with or without `0x`.
pub fn hex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A byte position and how to change it.
pub type Corruption = (usize, fn(u8) -> u8);

/// First, middle and last byte of a region, each with its low bit flipped and replaced
/// by 0xff (the latter pushes field elements past the modulus).
pub fn corruptions(start: usize, end: usize) -> Vec<Corruption> {
    let mut out: Vec<Corruption> = Vec::new();
    for at in [start, (start + end) / 2, end - 1] {
        out.push((at, |b| b ^ 1));
        out.push((at, |_| 0xff));
    }
    out
}

/// BN254 scalar field modulus r, big-endian.
pub const R: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// `a + b` over 32 big-endian bytes (no overflow for `a < r`, `b = r`).
pub fn add_be(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = a[i] as u16 + b[i] as u16 + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    out
}
