//! Plain stateless-validation vectors in the shape of execution-specs' zkEVM fixtures
//! (`eip-draft/vectors/stateless/*.json`): EEST `blockchain_test` JSON whose blocks carry
//! `statelessInputBytes` (schema id 0x1501 ++ SSZ `StatelessInput`) and
//! `statelessOutputBytes` (SSZ `StatelessValidationResult`), so that a client's existing
//! fixture runner reads them as it reads execution-specs' own.
//!
//! The blocks are the project's proven Amsterdam L2 blocks (the rollup's chain 901 from its
//! genesis), valid, and block 1 with one header commitment broken at a time. Each test holds
//! the chain's whole genesis (`pre`, `genesisBlockHeader`, `genesisRLP`), every block's RLP
//! and header, the expected post-state root and head; the outputs are this project's
//! validation of the inputs under the rollup's chain rules.

use crate::{PROVEN_DIR, Sources, VectorError};
use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_primitives::{Address, B256, Bytes, U256, address};
use nr_stateless::{ChainConfig, Fork, StatelessInput, block_from_payload};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Where the stateless vectors live, under the repository root.
pub const STATELESS_DIR: &str = "eip-draft/vectors/stateless";

/// The rollup's default sequencer (dev account 0): the genesis gives it the float.
const SEQUENCER: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

/// The rollup's L2 genesis the proven blocks descend from.
fn genesis() -> Result<nr_node::ChainSpec, VectorError> {
    let genesis = nr_rollup::genesis::l2_genesis(crate::L2_CHAIN_ID, SEQUENCER);
    nr_node::ChainSpec::from_genesis(genesis).map_err(|e| VectorError::Source(e.to_string()))
}

/// A header as EEST fixtures write it.
fn header_json(h: &Header) -> Value {
    let q = |n: u64| format!("0x{n:x}");
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put("parentHash", json!(h.parent_hash));
    put("uncleHash", json!(h.ommers_hash));
    put("coinbase", json!(h.beneficiary));
    put("stateRoot", json!(h.state_root));
    put("transactionsTrie", json!(h.transactions_root));
    put("receiptTrie", json!(h.receipts_root));
    put("bloom", json!(h.logs_bloom));
    put("difficulty", json!(h.difficulty));
    put("number", json!(q(h.number)));
    put("gasLimit", json!(q(h.gas_limit)));
    put("gasUsed", json!(q(h.gas_used)));
    put("timestamp", json!(q(h.timestamp)));
    put("extraData", json!(h.extra_data));
    put("mixHash", json!(h.mix_hash));
    put("nonce", json!(h.nonce));
    let optional = [
        ("baseFeePerGas", h.base_fee_per_gas.map(|v| json!(q(v)))),
        ("withdrawalsRoot", h.withdrawals_root.map(|v| json!(v))),
        ("blobGasUsed", h.blob_gas_used.map(|v| json!(q(v)))),
        ("excessBlobGas", h.excess_blob_gas.map(|v| json!(q(v)))),
        (
            "parentBeaconBlockRoot",
            h.parent_beacon_block_root.map(|v| json!(v)),
        ),
        ("requestsHash", h.requests_hash.map(|v| json!(v))),
        (
            "blockAccessListHash",
            h.block_access_list_hash.map(|v| json!(v)),
        ),
        ("slotNumber", h.slot_number.map(|v| json!(q(v)))),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            put(k, v);
        }
    }
    put("hash", json!(h.hash_slow()));
    Value::Object(m)
}

/// The genesis allocation as EEST's `pre`.
fn pre_json(genesis: &alloy_genesis::Genesis) -> Value {
    let accounts = genesis
        .alloc
        .iter()
        .map(|(address, a)| {
            let storage: Map<String, Value> = a
                .storage
                .iter()
                .flatten()
                .filter(|(_, v)| !v.is_zero())
                .map(|(k, v)| {
                    (
                        format!("{:#x}", U256::from_be_bytes(k.0)),
                        json!(format!("{:#x}", U256::from_be_bytes(v.0))),
                    )
                })
                .collect();
            (
                format!("{address:#x}"),
                json!({
                    "nonce": format!("{:#x}", a.nonce.unwrap_or(0)),
                    "balance": format!("{:#x}", a.balance),
                    "code": a.code.clone().unwrap_or_default(),
                    "storage": storage,
                }),
            )
        })
        .collect::<Map<_, _>>();
    Value::Object(accounts)
}

/// One block of a test: its input, the block it carries, and whether it is valid.
struct TestBlock {
    input: StatelessInput,
    block: Block<TxEnvelope>,
    exception: Option<&'static str>,
}

impl TestBlock {
    fn of(input: StatelessInput, exception: Option<&'static str>) -> Result<Self, VectorError> {
        let block = block_from_payload(&input.new_payload_request, Fork::Amsterdam)
            .map_err(|e| VectorError::Source(e.to_string()))?
            .block;
        Ok(Self {
            input,
            block,
            exception,
        })
    }
}

/// One `blockchain_test`: the genesis, then `blocks` in order.
fn test(
    spec: &nr_node::ChainSpec,
    description: &str,
    source: &str,
    blocks: &[TestBlock],
) -> Result<Value, VectorError> {
    let config: &ChainConfig = &spec.config;
    let genesis_block = Block::<TxEnvelope> {
        header: spec.header.clone(),
        body: alloy_consensus::BlockBody {
            transactions: Vec::new(),
            ommers: Vec::new(),
            withdrawals: Some(Default::default()),
        },
    };
    let mut head = (spec.header.hash_slow(), spec.header.state_root);
    let mut out = Vec::new();
    for b in blocks {
        let result = nr_stateless::validate::stateless_result(&b.input, config);
        if result.successful_validation != b.exception.is_none() {
            return Err(VectorError::Source(format!(
                "{description}: block {} validates {}, expected {}",
                b.block.header.number,
                result.successful_validation,
                b.exception.is_none()
            )));
        }
        let mut entry = json!({
            "rlp": Bytes::from(alloy_rlp::encode(&b.block)),
            "blockHeader": header_json(&b.block.header),
            "statelessInputBytes": Bytes::from(b.input.encode()),
            "statelessOutputBytes": Bytes::from(result.encode().to_vec()),
        });
        match b.exception {
            Some(e) => {
                entry["expectException"] = json!(e);
            }
            None => head = (b.block.header.hash_slow(), b.block.header.state_root),
        }
        out.push(entry);
    }
    Ok(json!({
        "_info": {
            "description": description,
            "source": source,
            "generator": "nr-vectors write (native-rollup): blocks of the rollup's L2, chain 901",
        },
        "network": "Amsterdam",
        "config": {
            "network": "Amsterdam",
            "chainid": format!("{:#x}", config.chain_id),
        },
        "sealEngine": "NoProof",
        "genesisBlockHeader": header_json(&spec.header),
        "genesisRLP": Bytes::from(alloy_rlp::encode(&genesis_block)),
        "pre": pre_json(&spec.genesis),
        "blocks": out,
        "lastblockhash": head.0,
        "postStateHash": head.1,
    }))
}

/// `input` with one change to its payload, and the payload's block hash made the changed
/// header's: the block is then refused for what changed, not for its hash.
fn tampered(
    input: &StatelessInput,
    change: impl FnOnce(&mut nr_stateless::ExecutionPayload),
) -> Result<StatelessInput, VectorError> {
    let mut out = input.clone();
    change(&mut out.new_payload_request.execution_payload);
    let header = block_from_payload(&out.new_payload_request, Fork::Amsterdam)
        .map_err(|e| VectorError::Source(e.to_string()))?
        .block
        .header;
    out.new_payload_request.execution_payload.block_hash = header.hash_slow().0;
    Ok(out)
}

/// The block access list with the last account's entry removed.
fn without_last_account(list: &[u8]) -> Result<Vec<u8>, VectorError> {
    use alloy_rlp::Decodable;
    let mut accounts = Vec::<alloy_eips::eip7928::AccountChanges>::decode(&mut &list[..])
        .map_err(|e| VectorError::Source(format!("block access list: {e}")))?;
    accounts
        .pop()
        .ok_or_else(|| VectorError::Source("the block access list is empty".into()))?;
    Ok(alloy_rlp::encode(&accounts))
}

/// A broken block 1: test name, description, the exception EEST names, and the change to
/// its payload.
type Broken = (
    &'static str,
    &'static str,
    &'static str,
    Box<dyn Fn(&mut nr_stateless::ExecutionPayload)>,
);

/// Every stateless vector file, by name, as JSON.
pub fn generate_stateless(root: &Path) -> Result<Vec<(String, Value)>, VectorError> {
    let spec = genesis()?;
    let src = Sources::read(root)?;
    let single = src.single()?;
    if B256::from(single.new_payload_request.execution_payload.parent_hash)
        != spec.header.hash_slow()
    {
        return Err(VectorError::Source(format!(
            "{PROVEN_DIR}/block-1.hex is not a child of the rollup's L2 genesis {}",
            spec.header.hash_slow()
        )));
    }
    let file = |tests: Vec<(&str, Value)>| {
        Value::Object(
            tests
                .into_iter()
                .map(|(name, t)| {
                    (
                        format!("native_rollup/{name}[fork_Amsterdam-blockchain_test]"),
                        t,
                    )
                })
                .collect(),
        )
    };
    let mut files = Vec::new();

    files.push((
        "l2-block-1.json".to_owned(),
        file(vec![(
            "l2_block_1",
            test(
                &spec,
                "Block 1 of the rollup's L2: one transfer of 1 gwei to a new account (21,000 \
                 regular gas and 183,600 EIP-8037 state gas), with its EIP-7928 access list.",
                &format!("{PROVEN_DIR}/block-1.hex"),
                &[TestBlock::of(single.clone(), None)?],
            )?,
        )]),
    ));

    let range = src
        .range
        .iter()
        .map(|input| TestBlock::of(input.clone(), None))
        .collect::<Result<Vec<_>, _>>()?;
    files.push((
        "l2-blocks-1-to-10.json".to_owned(),
        file(vec![(
            "l2_blocks_1_to_10",
            test(
                &spec,
                "Blocks 1 to 10 of another run of the rollup's L2, empty but for the system \
                 calls (EIP-4788 anchors, EIP-2935 history), one stateless input per block.",
                &format!("{PROVEN_DIR}/range/block-{{1..10}}.hex"),
                &range,
            )?,
        )]),
    ));

    let broken: [Broken; 3] = [
        (
            "l2_block_1_wrong_state_root",
            "Block 1 with the last bit of its post-state root flipped (and its hash made the \
             changed header's).",
            "BlockException.INVALID_STATE_ROOT",
            Box::new(|p| p.state_root[31] ^= 1),
        ),
        (
            "l2_block_1_wrong_receipts_root",
            "Block 1 with the last bit of its receipts root flipped.",
            "BlockException.INVALID_RECEIPTS_ROOT",
            Box::new(|p| p.receipts_root[31] ^= 1),
        ),
        (
            "l2_block_1_wrong_gas_used",
            "Block 1 claiming one gas more than its transactions used.",
            "BlockException.INVALID_GAS_USED",
            Box::new(|p| p.gas_used += 1),
        ),
    ];
    let mut invalid = Vec::new();
    for (name, description, exception, change) in broken {
        let input = tampered(&single, change)?;
        invalid.push((
            name,
            test(
                &spec,
                description,
                &format!("{PROVEN_DIR}/block-1.hex"),
                &[TestBlock::of(input, Some(exception))?],
            )?,
        ));
    }
    let list = without_last_account(
        &single
            .new_payload_request
            .execution_payload
            .block_access_list,
    )?;
    let input = tampered(&single, |p| {
        p.block_access_list = list.into();
    })?;
    invalid.push((
        "l2_block_1_access_list_missing_an_account",
        test(
            &spec,
            "Block 1 whose EIP-7928 access list (and the header's hash of it) leaves out the \
             last account execution touches.",
            &format!("{PROVEN_DIR}/block-1.hex"),
            &[TestBlock::of(
                input,
                Some("BlockException.INVALID_BLOCK_ACCESS_LIST"),
            )?],
        )?,
    ));
    files.push(("l2-block-1-invalid.json".to_owned(), file(invalid)));
    Ok(files)
}

/// A stateless vector file's text: pretty JSON and a final newline.
pub fn stateless_file(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}
