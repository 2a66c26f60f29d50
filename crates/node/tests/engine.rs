//! The engine in process: transactions through the pool into sealed blocks, every L2
//! block's stored `StatelessInput` re-validated by `validate_stateless`, the datadir
//! reopened at the same head and state root, and the pool's refusals in geth's words.

use alloy_consensus::{SignableTransaction, TxEip4844, TxEip4844WithSidecar};
use alloy_eips::{
    eip2718::Encodable2718,
    eip4844::{Blob, BlobTransactionSidecar, DATA_GAS_PER_BLOB},
    eip7594::BlobTransactionSidecarVariant,
};
mod common;

use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, U256, address};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use common::{NEW_ACCOUNT_STATE_GAS, TRANSFER_GAS, transfer};
use nr_node::{
    BlockAttributes, Chain, ChainSpec, Role,
    blobs::{StoredBlob, decode_record},
    genesis,
    pool::{NetworkTx, PoolError},
};
use nr_stateless::{StatelessInput, db::TrieState, validate_stateless};
use revm::Database;

const CHAIN_ID: u64 = 901;
/// Dev account 0 of the "test ... junk" mnemonic.
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RECIPIENT: Address = address!("0x000000000000000000000000000000000000bEEF");

fn signer() -> PrivateKeySigner {
    DEV_KEY.parse().unwrap()
}

fn attrs(timestamp: u64) -> BlockAttributes {
    BlockAttributes {
        timestamp,
        fee_recipient: Address::ZERO,
        prev_randao: B256::ZERO,
        parent_beacon_block_root: B256::ZERO,
    }
}

/// A 1,000-wei transfer to [`RECIPIENT`] at 10 gwei, with room for creating it on Amsterdam.
fn dev_transfer(key: &PrivateKeySigner, nonce: u64) -> Vec<u8> {
    transfer(key, nonce, 1000, TRANSFER_GAS, CHAIN_ID, 10_000_000_000)
}

fn balance(chain: &Chain<EthEvmFactory>, who: Address) -> U256 {
    let hashes = Default::default();
    let s = chain.state();
    let mut db = TrieState::new(chain.head().state_root, &s.nodes, &s.codes, &hashes);
    db.basic(who).unwrap().map_or(U256::ZERO, |a| a.balance)
}

#[test]
fn dev_accounts_are_the_usual_ones() {
    let accounts = genesis::dev_accounts();
    assert_eq!(accounts[0], signer().address());
    assert_eq!(
        accounts[1],
        address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    );
}

#[test]
fn l2_blocks_seal_persist_and_validate_statelessly() {
    let dir = tempfile::tempdir().unwrap();
    let spec = ChainSpec::dev(Role::L2, CHAIN_ID);
    let mut chain =
        Chain::open(Role::L2, spec.clone(), EthEvmFactory::default(), dir.path()).unwrap();
    assert_eq!(chain.head().number, 0);
    let key = signer();
    for nonce in 0..3 {
        chain.submit(&dev_transfer(&key, nonce)).unwrap();
    }
    let sealed = chain.seal(attrs(12)).unwrap();
    assert_eq!(sealed.block.body.transactions.len(), 3);
    let store = chain.store();
    assert_eq!(store.block_number(&sealed.hash).unwrap(), Some(1));
    let receipts = store.receipts(1).unwrap().unwrap();
    assert_eq!(receipts, sealed.receipts);
    // Amsterdam: the first transfer creates RECIPIENT and pays EIP-8037's new-account state
    // gas; the block's gas used is the larger of its regular and its state gas.
    let cumulative: Vec<u64> = receipts.iter().map(|r| r.cumulative_gas_used()).collect();
    let created = 21_000 + NEW_ACCOUNT_STATE_GAS;
    assert_eq!(
        cumulative,
        [created, created + 21_000, created + 2 * 21_000]
    );
    let third = *sealed.block.body.transactions[2].tx_hash();
    let at = store.tx_location(&third).unwrap().unwrap();
    assert_eq!((at.block, at.index), (1, 2));
    assert_eq!(
        sealed.block.header.gas_used,
        (3 * 21_000).max(NEW_ACCOUNT_STATE_GAS)
    );
    assert!(chain.pool.is_empty());
    assert_eq!(balance(&chain, RECIPIENT), U256::from(3000));
    // An empty block too.
    chain.seal(attrs(24)).unwrap();

    for number in 1..=2 {
        let bytes = chain
            .store()
            .stateless_input(number)
            .unwrap()
            .expect("stored input");
        let input = StatelessInput::decode(&bytes).unwrap();
        let validated = validate_stateless(&input, &spec.config).expect("validates statelessly");
        let block = chain.store().block(number).unwrap().unwrap();
        assert_eq!(validated.block_hash, block.header.hash_slow());
        assert_eq!(validated.state_root, block.header.state_root);
    }

    // Reopen: same head, same state.
    let (head, root) = (chain.head_hash(), chain.head().state_root);
    drop(chain);
    let chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    assert_eq!(chain.head_hash(), head);
    assert_eq!(chain.head().state_root, root);
    assert_eq!(balance(&chain, RECIPIENT), U256::from(3000));
}

#[test]
fn another_chains_datadir_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let l2 = ChainSpec::dev(Role::L2, CHAIN_ID);
    drop(Chain::open(Role::L2, l2, EthEvmFactory::default(), dir.path()).unwrap());
    let before = std::fs::read(dir.path().join(nr_node::store::DB_FILE)).unwrap();
    let other = ChainSpec::dev(Role::L2, CHAIN_ID + 1);
    let err = Chain::open(Role::L2, other, EthEvmFactory::default(), dir.path())
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("holds chain id 901, not 902"),
        "{err}"
    );
    let l1 = ChainSpec::dev(Role::L1, CHAIN_ID);
    let err = Chain::open(Role::L1, l1, EthEvmFactory::default(), dir.path())
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("holds the chain with genesis"),
        "{err}"
    );
    assert!(
        std::fs::read(dir.path().join(nr_node::store::DB_FILE)).unwrap() == before,
        "a refused datadir was modified"
    );

    let garbage = tempfile::tempdir().unwrap();
    std::fs::write(
        garbage.path().join(nr_node::store::DB_FILE),
        b"not a database",
    )
    .unwrap();
    let err = Chain::open(
        Role::L2,
        ChainSpec::dev(Role::L2, CHAIN_ID),
        EthEvmFactory::default(),
        garbage.path(),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("not a readable chain database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(garbage.path().join(nr_node::store::DB_FILE)).unwrap(),
        b"not a database"
    );
}

#[test]
fn pool_refuses_with_geth_words() {
    let dir = tempfile::tempdir().unwrap();
    let spec = ChainSpec::dev(Role::L2, CHAIN_ID);
    let mut chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    let key = signer();
    let fee = 10_000_000_000;
    chain
        .submit(&transfer(&key, 0, 1, 21_000, CHAIN_ID, fee))
        .unwrap();
    assert_eq!(
        chain.submit(&transfer(&key, 0, 1, 21_000, CHAIN_ID, fee)),
        Err(PoolError::AlreadyKnown)
    );
    assert_eq!(
        chain.submit(&transfer(&key, 0, 2, 21_000, CHAIN_ID, fee + 1)),
        Err(PoolError::ReplacementUnderpriced)
    );
    chain.seal(attrs(12)).unwrap();
    let err = chain
        .submit(&transfer(&key, 0, 1, 21_000, CHAIN_ID, fee))
        .unwrap_err();
    assert_eq!(err, PoolError::NonceTooLow { state: 1, tx: 0 });
    assert!(err.to_string().starts_with("nonce too low"));
    let err = chain
        .submit(&transfer(&key, 1, 1, 21_000, CHAIN_ID + 1, fee))
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid chain id"), "{err}");
    let err = chain
        .submit(&transfer(&key, 1, 1, 20_000, CHAIN_ID, fee))
        .unwrap_err();
    assert_eq!(
        err,
        PoolError::IntrinsicGas {
            gas: 20_000,
            needed: 21_000
        }
    );
    let pauper = PrivateKeySigner::random();
    let err = chain
        .submit(&transfer(&pauper, 0, 1, 21_000, CHAIN_ID, fee))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("insufficient funds for gas * price + value"),
        "{err}"
    );
    let err = chain
        .submit(&transfer(&key, 1, 1, 40_000_000, CHAIN_ID, fee))
        .unwrap_err();
    assert!(
        matches!(err, PoolError::ExceedsBlockGasLimit { .. }),
        "{err}"
    );
    assert!(matches!(
        chain.submit(&[0x02, 0xc0]),
        Err(PoolError::Decode(_))
    ));
    // A nonce gap waits; closing it makes both executable.
    chain
        .submit(&transfer(&key, 2, 1, 21_000, CHAIN_ID, fee))
        .unwrap();
    assert_eq!(
        chain.seal(attrs(24)).unwrap().block.body.transactions.len(),
        0
    );
    chain
        .submit(&transfer(&key, 1, 1, 21_000, CHAIN_ID, fee))
        .unwrap();
    assert_eq!(
        chain.seal(attrs(36)).unwrap().block.body.transactions.len(),
        2
    );
}

/// Pool hygiene: a max fee no block can meet is refused; a full pool evicts its cheapest
/// transaction for a better-paying one and refuses the rest; transactions older than the
/// pool's lifetime are dropped.
#[test]
fn pool_floor_capacity_and_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let spec = ChainSpec::dev(Role::L2, CHAIN_ID);
    let mut chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    let key = signer();
    let err = chain
        .submit(&transfer(&key, 0, 1, 21_000, CHAIN_ID, 1))
        .unwrap_err();
    assert_eq!(err, PoolError::Underpriced { fee: 1, floor: 7 });
    assert!(
        err.to_string().starts_with("transaction underpriced"),
        "{err}"
    );

    chain.pool.set_capacity(2);
    let start = std::time::Instant::now();
    let fee = 10_000_000_000;
    let cheap = chain
        .submit(&transfer(&key, 0, 1, 21_000, CHAIN_ID, fee))
        .unwrap();
    chain
        .submit(&transfer(&key, 1, 1, 21_000, CHAIN_ID, fee + 5))
        .unwrap();
    let err = chain
        .submit(&transfer(&key, 2, 1, 21_000, CHAIN_ID, fee))
        .unwrap_err();
    assert_eq!(err, PoolError::PoolFull { cheapest: fee });
    assert!(err.to_string().starts_with("txpool is full"), "{err}");
    let better = chain
        .submit(&transfer(&key, 2, 1, 21_000, CHAIN_ID, fee + 9))
        .unwrap();
    assert_eq!(chain.pool.len(), 2);
    assert!(chain.pool.get(&cheap).is_none(), "the cheapest was evicted");
    assert!(chain.pool.get(&better).is_some());

    let lifetime = nr_node::pool::POOL_LIFETIME;
    assert!(
        chain.pool.evict_stale(start + lifetime).is_empty(),
        "not older than the lifetime yet"
    );
    let dropped = chain
        .pool
        .evict_stale(std::time::Instant::now() + lifetime + std::time::Duration::from_secs(1));
    assert_eq!(dropped.len(), 2);
    assert!(chain.pool.is_empty());
}

/// Scenario "settler deadlock", the pool's side: a pool filled with better-paying
/// transactions refuses a transaction sent as usual, but takes the same transaction forced
/// through the rollup's L1 inbox, and the next block carries it first.
#[test]
fn a_forced_transaction_enters_a_full_pool_and_leads_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let spec = ChainSpec::dev(Role::L2, CHAIN_ID);
    let mut chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    chain.pool.set_capacity(2);
    let flood = signer();
    let rich = 100_000_000_000;
    for nonce in 0..2 {
        chain
            .submit(&transfer(&flood, nonce, 1, 21_000, CHAIN_ID, rich))
            .unwrap();
    }
    // Dev account 1.
    let user: PrivateKeySigner = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
        .parse()
        .unwrap();
    let raw = transfer(&user, 0, 1, 21_000, CHAIN_ID, 10_000_000_000);
    assert_eq!(
        chain.submit(&raw).unwrap_err(),
        PoolError::PoolFull { cheapest: rich }
    );
    let hash = chain.submit_forced(&raw).unwrap();
    assert!(chain.pool.get(&hash).is_some_and(|t| t.forced));
    assert_eq!(chain.pool.len(), 2, "an unforced transaction made room");
    let sealed = chain.seal(attrs(12)).unwrap();
    assert_eq!(
        *sealed.block.body.transactions[0].tx_hash(),
        hash,
        "the forced transaction leads, ahead of better tips"
    );
    // Submitting it forced again is harmless; one already pending is marked forced.
    let pending = transfer(&user, 1, 1, 21_000, CHAIN_ID, 10_000_000_000);
    let pending_hash = chain.submit(&pending).unwrap();
    assert!(!chain.pool.get(&pending_hash).unwrap().forced);
    assert_eq!(chain.submit_forced(&pending).unwrap(), pending_hash);
    assert!(chain.pool.get(&pending_hash).unwrap().forced);
}

#[test]
fn genesis_files_parse_like_the_dev_genesis_and_bad_schedules_are_refused() {
    let dev = genesis::dev_genesis(Role::L2, CHAIN_ID);
    let json = serde_json::to_string(&dev).unwrap();
    let parsed = ChainSpec::from_json(&json).unwrap();
    assert_eq!(parsed.header, ChainSpec::dev(Role::L2, CHAIN_ID).header);
    assert_eq!(parsed.config.chain_id, CHAIN_ID);

    let mut late = dev.clone();
    late.config.shanghai_time = Some(10);
    late.config.cancun_time = Some(5);
    let err = ChainSpec::from_genesis(late).unwrap_err();
    assert!(
        err.to_string().contains("cancun (5) before shanghai (10)"),
        "{err}"
    );
    let mut gap = dev;
    gap.config.cancun_time = None;
    let err = ChainSpec::from_genesis(gap).unwrap_err();
    assert!(
        err.to_string()
            .contains("prague is scheduled but cancun is not"),
        "{err}"
    );
    assert!(ChainSpec::from_json("{not json").is_err());
}

/// A database created but killed before its genesis transaction committed holds no chain:
/// it is initialised, not refused.
#[test]
fn an_uninitialised_database_is_initialised() {
    let dir = tempfile::tempdir().unwrap();
    drop(redb::Database::create(dir.path().join(nr_node::store::DB_FILE)).unwrap());
    let spec = ChainSpec::dev(Role::L2, CHAIN_ID);
    let chain = Chain::open(Role::L2, spec.clone(), EthEvmFactory::default(), dir.path()).unwrap();
    assert_eq!(chain.head_hash(), spec.header.hash_slow());
}

/// A signed one-blob transaction in network form, carrying `sidecar`.
fn blob_tx(
    key: &PrivateKeySigner,
    nonce: u64,
    chain_id: u64,
    sidecar: BlobTransactionSidecarVariant,
) -> Vec<u8> {
    let tx = TxEip4844 {
        chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: RECIPIENT,
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 1_000_000_000,
        ..Default::default()
    };
    let tx = TxEip4844WithSidecar { tx, sidecar };
    let signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    NetworkTx::from(tx.into_signed(signature)).encoded_2718()
}

/// Before Osaka (a Prague L1), blob transactions carry EIP-4844 sidecars: one is accepted,
/// sealed with its blob gas, and its blob kept with its proof (the `getBlobsV1` shape); a
/// cell-proof sidecar is refused as the wrong version, and a wrong proof as invalid.
#[test]
fn prague_l1_takes_eip4844_sidecars() {
    let mut genesis = genesis::dev_genesis(Role::L1, 1337);
    genesis.config.osaka_time = None;
    genesis.config.amsterdam_time = None;
    let spec = ChainSpec::from_genesis(genesis).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut chain = Chain::open(Role::L1, spec, EthEvmFactory::default(), dir.path()).unwrap();
    let key = signer();
    let mut blob = Blob::default();
    blob[..4].copy_from_slice(b"data");
    let legacy = BlobTransactionSidecar::try_from_blobs_with_settings(
        vec![blob],
        c_kzg::ethereum_kzg_settings(0),
    )
    .unwrap();
    let cells = legacy
        .clone()
        .try_into_7594(c_kzg::ethereum_kzg_settings(0))
        .unwrap();

    let refused = |chain: &mut Chain<EthEvmFactory>, sidecar| {
        chain.submit(&blob_tx(&key, 0, 1337, sidecar)).unwrap_err()
    };
    let err = refused(&mut chain, BlobTransactionSidecarVariant::Eip7594(cells));
    assert!(
        err.to_string()
            .contains("EIP-7594 (cell proofs) is not accepted at this fork"),
        "{err}"
    );
    let mut wrong = legacy.clone();
    wrong.proofs[0] = wrong.commitments[0];
    let err = refused(&mut chain, BlobTransactionSidecarVariant::Eip4844(wrong));
    assert!(matches!(err, PoolError::Blob(_)), "{err}");
    assert!(err.to_string().starts_with("invalid blob sidecar"), "{err}");

    chain
        .submit(&blob_tx(
            &key,
            0,
            1337,
            BlobTransactionSidecarVariant::Eip4844(legacy.clone()),
        ))
        .unwrap();
    let sealed = chain.seal(attrs(12)).unwrap();
    assert_eq!(sealed.block.body.transactions.len(), 1);
    assert_eq!(sealed.block.header.blob_gas_used, Some(DATA_GAS_PER_BLOB));
    let hash = legacy.versioned_hashes().next().unwrap();
    let stored = chain.store().blob(&hash).unwrap().expect("blob kept");
    match decode_record(&stored) {
        Some(StoredBlob::V1(b)) => {
            assert_eq!(*b.blob, blob);
            assert_eq!(b.proof, legacy.proofs[0]);
        }
        other => panic!("expected a V1 blob, got {other:?}"),
    }
}

/// A chain of either role that moves from Osaka to Amsterdam at time 24: the Osaka block
/// carries no access list, the Amsterdam ones carry the EIP-7928 list hash and a slot number,
/// their stored stateless inputs are 0x1501 with one public key per transaction, and all
/// validate.
#[test]
fn a_chain_moves_to_amsterdam_and_its_blocks_validate_as_0x1501() {
    moves_to_amsterdam(Role::L2);
    moves_to_amsterdam(Role::L1);
}

fn moves_to_amsterdam(role: Role) {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis = genesis::dev_genesis(role, CHAIN_ID);
    genesis.config.amsterdam_time = Some(24);
    // Through the file format, as `nr-node --genesis` reads it.
    let spec = ChainSpec::from_json(&serde_json::to_string(&genesis).unwrap()).unwrap();
    assert_eq!(spec.config.amsterdam_time, Some(24));
    let mut chain = Chain::open(role, spec.clone(), EthEvmFactory::default(), dir.path()).unwrap();
    let key = signer();
    let mut nonce = 0;
    for (timestamp, transfers) in [(12, 2), (24, 3), (36, 0)] {
        for _ in 0..transfers {
            chain.submit(&dev_transfer(&key, nonce)).unwrap();
            nonce += 1;
        }
        let sealed = chain.seal(attrs(timestamp)).unwrap();
        assert_eq!(sealed.block.body.transactions.len(), transfers);
        let h = &sealed.block.header;
        let amsterdam = timestamp >= 24;
        assert_eq!(h.block_access_list_hash.is_some(), amsterdam);
        assert_eq!(h.slot_number, amsterdam.then_some(h.number));
        let bytes = chain.store().stateless_input(h.number).unwrap().unwrap();
        let input = StatelessInput::decode(&bytes).unwrap();
        assert_eq!(
            input.schema.to_u16(),
            if amsterdam { 0x1501 } else { 0x1201 }
        );
        assert_eq!(
            input.public_keys.as_ref().map(Vec::len),
            amsterdam.then_some(transfers)
        );
        let payload = &input.new_payload_request.execution_payload;
        if amsterdam {
            // The payload's list is the one the header commits to, and it is not empty
            // (the system contracts and the fee recipient at least).
            assert_eq!(
                h.block_access_list_hash,
                Some(alloy_primitives::keccak256(&payload.block_access_list[..]))
            );
            assert!(payload.block_access_list.len() > 1);
        }
        let validated = validate_stateless(&input, &spec.config)
            .unwrap_or_else(|e| panic!("{role:?} block at {timestamp}: {e}"));
        assert_eq!(validated.block_hash, sealed.hash);
    }
    assert_eq!(balance(&chain, RECIPIENT), U256::from(5000));
}

/// EIP-7928's cap: an Amsterdam block may hold at most `gas_limit / 2000` access-list items.
/// With a 10,000 gas limit even an empty block's system calls touch more (the history,
/// beacon-root and request contracts), so it cannot be sealed, and the import names the rule.
#[test]
fn an_access_list_over_the_gas_limits_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis = genesis::dev_genesis(Role::L2, CHAIN_ID).with_gas_limit(10_000);
    genesis.config.amsterdam_time = Some(0);
    let spec = ChainSpec::from_genesis(genesis).unwrap();
    let mut chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    let err = chain.seal(attrs(12)).unwrap_err().to_string();
    assert!(err.contains("block access list of"), "{err}");
}

/// Two nodes of the dev L2, each on its own datadir: the spec, then ours and theirs with
/// their datadirs.
fn two_nodes() -> (
    ChainSpec,
    tempfile::TempDir,
    Chain<EthEvmFactory>,
    tempfile::TempDir,
    Chain<EthEvmFactory>,
) {
    let spec = ChainSpec::dev(Role::L2, CHAIN_ID);
    let open = |dir: &std::path::Path| {
        Chain::open(Role::L2, spec.clone(), EthEvmFactory::default(), dir).unwrap()
    };
    let (ours_dir, theirs_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ours, theirs) = (open(ours_dir.path()), open(theirs_dir.path()));
    (spec, ours_dir, ours, theirs_dir, theirs)
}

/// A re-org onto another chain: two nodes of one genesis seal different blocks 1 and 2; one
/// rewinds to the genesis and imports the other's, its removed transactions come back (and
/// pool again where still valid), and nothing of its old blocks remains findable.
#[test]
fn a_chain_rewinds_and_takes_another_chains_blocks() {
    let (spec, ours_dir, mut ours, _theirs_dir, mut theirs) = two_nodes();
    let key = signer();
    // Ours: transfers 0 and 1 in block 1, transfer 2 in block 2.
    ours.submit(&dev_transfer(&key, 0)).unwrap();
    ours.submit(&dev_transfer(&key, 1)).unwrap();
    let ours_1 = ours.seal(attrs(12)).unwrap();
    ours.submit(&dev_transfer(&key, 2)).unwrap();
    let ours_2 = ours.seal(attrs(24)).unwrap();
    // Theirs: transfer 0 (the same transaction) in block 1, an empty block 2.
    theirs.submit(&dev_transfer(&key, 0)).unwrap();
    let theirs_1 = theirs.seal(attrs(13)).unwrap();
    let theirs_2 = theirs.seal(attrs(25)).unwrap();
    assert_ne!(ours_1.hash, theirs_1.hash);

    // A block that does not extend the head is refused.
    assert!(ours.import_block(theirs_2.block.clone()).is_err());
    let removed = ours.rewind(0).unwrap();
    let hashes: Vec<B256> = removed.iter().map(|(t, _)| *t.tx_hash()).collect();
    let sent: Vec<B256> = ours_1
        .block
        .body
        .transactions
        .iter()
        .chain(&ours_2.block.body.transactions)
        .map(|t| *t.tx_hash())
        .collect();
    assert_eq!(hashes, sent, "the removed transactions, in order");
    assert!(removed.iter().all(|(_, sidecar)| sidecar.is_none()));
    assert_eq!(ours.head().number, 0);
    assert_eq!(ours.head_hash(), spec.header.hash_slow());
    assert_eq!(ours.rewinds(), 1);
    assert_eq!(ours.rewound_to_since(0), Some(0));
    assert_eq!(ours.rewound_to_since(1), None);
    let store = ours.store();
    for (number, hash) in [(1, ours_1.hash), (2, ours_2.hash)] {
        assert!(store.block(number).unwrap().is_none());
        assert!(store.block_number(&hash).unwrap().is_none());
        assert!(store.receipts(number).unwrap().is_none());
        assert!(store.stateless_input(number).unwrap().is_none());
        assert!(store.block_access_list(number).unwrap().is_none());
    }
    assert!(sent.iter().all(|h| store.tx_location(h).unwrap().is_none()));
    assert_eq!(balance(&ours, RECIPIENT), U256::ZERO);

    ours.import_block(theirs_1.block.clone()).unwrap();
    ours.import_block(theirs_2.block.clone()).unwrap();
    assert_eq!(ours.head_hash(), theirs_2.hash);
    assert_eq!(ours.head().state_root, theirs_2.block.header.state_root);
    // Transfer 0 is in their block 1; 1 and 2 pool again on top of it and seal.
    let mut again = Vec::new();
    for (t, _) in &removed {
        if ours.store().tx_location(t.tx_hash()).unwrap().is_none() {
            again.push(ours.submit(&t.encoded_2718()).unwrap());
        }
    }
    assert_eq!(again, sent[1..]);
    let sealed = ours.seal(attrs(36)).unwrap();
    assert_eq!(sealed.block.body.transactions.len(), 2);
    assert_eq!(balance(&ours, RECIPIENT), U256::from(3000));

    // The new chain is what the datadir holds after a restart.
    let head = ours.head_hash();
    drop(ours);
    let reopened = Chain::open(
        Role::L2,
        spec.clone(),
        EthEvmFactory::default(),
        ours_dir.path(),
    )
    .unwrap();
    assert_eq!(reopened.head_hash(), head);
    assert_eq!(
        reopened
            .store()
            .block(1)
            .unwrap()
            .unwrap()
            .header
            .hash_slow(),
        theirs_1.hash
    );
}

/// `value` wei from `key` to `to` at 10 gwei, with room for creating `to` on Amsterdam.
fn pay(key: &PrivateKeySigner, nonce: u64, to: Address, value: u64) -> Vec<u8> {
    pay_with_gas(key, nonce, to, value, TRANSFER_GAS)
}

/// A re-org whose removed blocks held a payment and a transfer that spends it: the payment
/// pools again at once, the transfer (refused until the payment is sealed again) after the
/// next block, and both end up sealed on the new chain.
#[test]
fn a_reorg_pools_again_what_the_removed_blocks_held_in_order() {
    let (_spec, _ours_dir, mut ours, _theirs_dir, mut theirs) = two_nodes();
    let fresh = PrivateKeySigner::random();
    ours.submit(&pay(&signer(), 0, fresh.address(), 10u64.pow(16)))
        .unwrap();
    ours.seal(attrs(12)).unwrap();
    let spend = ours.submit(&pay(&fresh, 0, RECIPIENT, 1000)).unwrap();
    ours.seal(attrs(24)).unwrap();
    let theirs_1 = theirs.seal(attrs(13)).unwrap();

    let done = ours.reorg(0, vec![theirs_1.block], &|_| false).unwrap();
    assert_eq!((done.removed_txs, done.imported, done.repooled), (2, 1, 1));
    assert_eq!(ours.head_hash(), theirs_1.hash);
    assert!(
        ours.pool.get(&spend).is_none(),
        "unfunded until the payment is sealed"
    );
    assert_eq!(
        ours.orphan_nonces(fresh.address()).collect::<Vec<_>>(),
        [0],
        "its nonce still counts as taken"
    );
    let paid = ours.seal(attrs(36)).unwrap();
    assert_eq!(paid.block.body.transactions.len(), 1);
    assert!(
        ours.pool.get(&spend).is_some(),
        "offered again after the block"
    );
    assert_eq!(ours.orphan_nonces(fresh.address()).count(), 0);
    let spent = ours.seal(attrs(48)).unwrap();
    assert_eq!(*spent.block.body.transactions[0].tx_hash(), spend);
    assert_eq!(balance(&ours, RECIPIENT), U256::from(1000));
}

/// EIP-8037: a block's state gas counts against its gas limit as its regular gas does. Ten
/// transfers that each create an account (183,600 state gas, 21,000 regular) under a
/// 1,500,000 gas limit: the builder seals the eight that fit and leaves two for the next
/// block, instead of a block its own import refuses.
#[test]
fn a_block_holds_no_more_state_gas_than_its_gas_limit() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = genesis::dev_genesis(Role::L2, CHAIN_ID).with_gas_limit(1_500_000);
    let spec = ChainSpec::from_genesis(genesis).unwrap();
    let mut chain = Chain::open(Role::L2, spec, EthEvmFactory::default(), dir.path()).unwrap();
    let key = signer();
    for nonce in 0..10 {
        let to = Address::with_last_byte(0x40 + nonce as u8);
        chain
            .submit(&pay_with_gas(&key, nonce, to, 1, 250_000))
            .unwrap();
    }
    let first = chain.seal(attrs(12)).unwrap();
    assert_eq!(first.block.body.transactions.len(), 8);
    assert_eq!(first.block.header.gas_used, 8 * NEW_ACCOUNT_STATE_GAS);
    let second = chain.seal(attrs(24)).unwrap();
    assert_eq!(second.block.body.transactions.len(), 2);
    assert!(chain.pool.is_empty());
}

/// [`pay`] with a gas limit of `gas`.
fn pay_with_gas(key: &PrivateKeySigner, nonce: u64, to: Address, value: u64, gas: u64) -> Vec<u8> {
    common::transfer_to(key, nonce, to, value, gas, CHAIN_ID, 10_000_000_000)
}
