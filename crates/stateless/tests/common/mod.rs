//! The public 0x1501 vectors (`testdata/zkevm-0x1501`) and the conversion of the older
//! revision's inputs to the one this crate implements.

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::Decodable2718;
use libssz::SszDecode;
use nr_stateless::{NewPayloadRequest, validate::recover_public_key};
use std::path::{Path, PathBuf};

/// The vectors' directory.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/zkevm-0x1501")
}

/// The newest revision's vectors (`StatelessInput { new_payload_request, witness, chain_id,
/// public_keys }`) with an output: name, input, output.
pub fn vectors() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    read(&dir())
}

/// The previous revision's vectors (tests-zkevm v0.8.4: no `public_keys`), as published.
pub fn layout_c_vectors() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    read(&dir().join("layout-c"))
}

fn read(dir: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(stem) = name.strip_suffix(".input.bin") else {
            continue;
        };
        let output = dir.join(format!("{stem}.output.bin"));
        if output.exists() {
            out.push((
                stem.to_owned(),
                std::fs::read(&path).unwrap(),
                std::fs::read(output).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

/// Converts a tests-zkevm v0.8.4 input (`0x1501 ‖ {npr offset, witness offset, chain_id}`,
/// 16-byte fixed part) to the newest revision field by field: both offsets grow by the 4
/// bytes of the new `public_keys` offset, which points past the witness, and the keys follow:
/// one per transaction, the key its signature recovers to, as execution-specs' host makes
/// them. The payload, witness and chain id are the same bytes, so the result commits to the
/// same `new_payload_request_root`.
pub fn upgrade_layout_c(input: &[u8]) -> Vec<u8> {
    let (schema, body) = input.split_at(2);
    assert_eq!(schema, [0x15, 0x01]);
    let (npr, witness) = (u32_at(body, 0), u32_at(body, 4));
    assert_eq!(
        npr, 16,
        "a layout-C input starts its payload after 16 fixed bytes"
    );
    let request = NewPayloadRequest::from_ssz_bytes(&body[npr..witness]).unwrap();
    let keys: Vec<u8> = request
        .execution_payload
        .transactions
        .iter()
        .flat_map(|tx| {
            let tx = TxEnvelope::decode_2718_exact(&tx[..]).unwrap();
            recover_public_key(&tx).unwrap()
        })
        .collect();
    let mut out = schema.to_vec();
    out.extend_from_slice(&((npr + 4) as u32).to_le_bytes());
    out.extend_from_slice(&((witness + 4) as u32).to_le_bytes());
    out.extend_from_slice(&body[8..16]);
    out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    out.extend_from_slice(&body[16..]);
    out.extend_from_slice(&keys);
    out
}
