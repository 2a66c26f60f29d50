//! Our stateless wire format against an independent SSZ implementation: eth-remerkleable
//! (the library execution-specs uses), through `scripts/ssz_differential.py`. Generated
//! inputs of both layouts (0x1501 and the Osaka era), with lists of every length around the
//! progressive subtree boundaries (1, 5, 21, 85 chunks), the public 0x1501 vectors (those of
//! the previous revision converted) and execution-specs' known-answer input: each must decode
//! there, re-encode to the same bytes, and give our `new_payload_request_root`.
//! Needs `python3` with `eth-remerkleable==0.1.31` (`scripts/test` installs it).

use libssz_types::{ProgressiveList, SszList, SszVector};
use nr_stateless::ssz::{
    BuilderDepositRequest, BuilderExitRequest, ConsolidationRequest, DepositRequest,
    ExecutionRequests, Withdrawal, WithdrawalRequest,
};
use nr_stateless::{
    ExecutionPayload, ExecutionWitness, NewPayloadRequest, SchemaId, StatelessInput, config::Fork,
};
use std::path::Path;

mod common;

/// xorshift64*: reproducible inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.next() as u8)
    }
    fn vec(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
    /// A list length: empty, around a progressive boundary, or small.
    fn len(&mut self) -> usize {
        const AROUND: [usize; 12] = [0, 1, 2, 4, 5, 6, 20, 21, 22, 84, 85, 86];
        AROUND[self.below(AROUND.len() as u64) as usize]
    }
}

fn input(rng: &mut Rng, schema: SchemaId) -> StatelessInput {
    let amsterdam = schema.fork >= Fork::Amsterdam;
    let n = rng.len();
    let transactions: Vec<ProgressiveList<u8>> = (0..n.min(30))
        .map(|_| {
            let len = rng.len() * 7 + rng.below(40) as usize;
            rng.vec(len).into()
        })
        .collect();
    let withdrawals: Vec<Withdrawal> = (0..rng.len())
        .map(|_| Withdrawal {
            index: rng.next(),
            validator_index: rng.next(),
            address: rng.bytes(),
            amount: rng.next(),
        })
        .collect();
    let mut requests = ExecutionRequests {
        deposits: (0..rng.len().min(6))
            .map(|_| DepositRequest {
                pubkey: rng.bytes(),
                withdrawal_credentials: rng.bytes(),
                amount: rng.next(),
                signature: rng.bytes(),
                index: rng.next(),
            })
            .collect::<Vec<_>>()
            .into(),
        withdrawals: (0..rng.len().min(6))
            .map(|_| WithdrawalRequest {
                source_address: rng.bytes(),
                validator_pubkey: rng.bytes(),
                amount: rng.next(),
            })
            .collect::<Vec<_>>()
            .into(),
        consolidations: (0..rng.len().min(6))
            .map(|_| ConsolidationRequest {
                source_address: rng.bytes(),
                source_pubkey: rng.bytes(),
                target_pubkey: rng.bytes(),
            })
            .collect::<Vec<_>>()
            .into(),
        ..Default::default()
    };
    if amsterdam {
        requests.builder_deposits = (0..rng.len().min(6))
            .map(|_| BuilderDepositRequest {
                pubkey: rng.bytes(),
                withdrawal_credentials: rng.bytes(),
                amount: rng.next(),
                signature: rng.bytes(),
            })
            .collect::<Vec<_>>()
            .into();
        requests.builder_exits = (0..rng.len().min(6))
            .map(|_| BuilderExitRequest {
                source_address: rng.bytes(),
                pubkey: rng.bytes(),
            })
            .collect::<Vec<_>>()
            .into();
    }
    let extra = rng.below(33) as usize;
    let payload = ExecutionPayload {
        parent_hash: rng.bytes(),
        fee_recipient: rng.bytes(),
        state_root: rng.bytes(),
        receipts_root: rng.bytes(),
        logs_bloom: SszVector::try_from(rng.vec(256)).unwrap(),
        prev_randao: rng.bytes(),
        block_number: rng.next(),
        gas_limit: rng.next(),
        gas_used: rng.next(),
        timestamp: rng.next(),
        extra_data: SszList::try_from(rng.vec(extra)).unwrap(),
        base_fee_per_gas: rng.bytes(),
        block_hash: rng.bytes(),
        transactions: transactions.into(),
        withdrawals: withdrawals.into(),
        blob_gas_used: rng.next(),
        excess_blob_gas: rng.next(),
        block_access_list: if amsterdam {
            let len = rng.len() * 11;
            rng.vec(len).into()
        } else {
            ProgressiveList::new()
        },
        slot_number: if amsterdam { rng.next() } else { 0 },
    };
    let witness = ExecutionWitness {
        state: (0..rng.len().min(21))
            .map(|_| {
                let len = 1 + rng.below(600) as usize;
                SszList::try_from(rng.vec(len)).unwrap()
            })
            .collect::<Vec<_>>()
            .into(),
        codes: (0..rng.len().min(5))
            .map(|_| {
                let len = rng.below(3000) as usize;
                SszList::try_from(rng.vec(len)).unwrap()
            })
            .collect::<Vec<_>>()
            .into(),
        headers: SszList::try_from(
            (0..1 + rng.below(4))
                .map(|_| {
                    let len = 500 + rng.below(100) as usize;
                    SszList::try_from(rng.vec(len)).unwrap()
                })
                .collect::<Vec<_>>(),
        )
        .unwrap(),
    };
    StatelessInput {
        schema,
        new_payload_request: NewPayloadRequest {
            execution_payload: payload,
            versioned_hashes: (0..rng.len())
                .map(|_| rng.bytes())
                .collect::<Vec<[u8; 32]>>()
                .into(),
            parent_beacon_block_root: rng.bytes(),
            execution_requests: requests,
        },
        witness,
        chain_id: rng.next(),
        public_keys: amsterdam.then(|| (0..n.min(30)).map(|_| rng.bytes()).collect()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn eth_remerkleable_agrees_on_every_generated_input_and_the_public_vectors() {
    let dir = tempfile_dir();
    let mut rng = Rng(0x55a5_2026);
    let mut cases = 0;
    for schema in [
        SchemaId::AMSTERDAM_V1,
        SchemaId::v1(Fork::Osaka),
        SchemaId::v1(Fork::Paris),
    ] {
        for i in 0..40 {
            let input = input(&mut rng, schema);
            let bytes = input.encode();
            assert_eq!(StatelessInput::decode(&bytes).unwrap(), input);
            let name = format!("{:04x}-{i:02}", schema.to_u16());
            std::fs::write(dir.join(format!("{name}.input.bin")), &bytes).unwrap();
            std::fs::write(
                dir.join(format!("{name}.root")),
                hex(&input.new_payload_request_root()),
            )
            .unwrap();
            cases += 1;
        }
    }
    let converted = common::layout_c_vectors()
        .into_iter()
        .map(|(name, input, output)| {
            (
                format!("{name}.layout-c"),
                common::upgrade_layout_c(&input),
                Some(output),
            )
        });
    let kat = std::fs::read(common::dir().join("spec-kat.input.bin")).unwrap();
    let public = common::vectors()
        .into_iter()
        .map(|(name, input, output)| (name, input, Some(output)))
        .chain(converted)
        .chain([("spec-kat".to_owned(), kat, None)]);
    for (stem, bytes, output) in public {
        let ours = StatelessInput::decode(&bytes)
            .unwrap()
            .new_payload_request_root();
        std::fs::write(dir.join(format!("{stem}.input.bin")), &bytes).unwrap();
        if let Some(output) = output {
            std::fs::write(dir.join(format!("{stem}.output.bin")), output).unwrap();
        }
        std::fs::write(dir.join(format!("{stem}.root")), hex(&ours)).unwrap();
        cases += 1;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ssz_differential.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&dir)
        .output()
        .expect("python3 runs the differential (scripts/test installs eth-remerkleable)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "eth-remerkleable disagrees:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), format!("{cases} inputs agree"));
    assert_eq!(cases, 127);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nr-ssz-differential-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
