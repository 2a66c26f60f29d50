//! What a node keeps of old blocks: the state of its last blocks and a window of stateless
//! inputs, the rest deleted from memory and the datadir, and what it no longer keeps
//! refused in words. Witnesses built over a pruned state still validate statelessly.

mod common;

use alloy_evm::eth::EthEvmFactory;
use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use common::{DEV_KEY, NodeProcess, RECIPIENT, TRANSFER_GAS};
use nr_node::{
    BlockAttributes, Chain, ChainSpec, Keep, Retention, Role,
    history::{HEADERS_IN_MEMORY, PRUNE_INTERVAL, live_nodes},
};
use nr_stateless::{StatelessInput, validate_stateless};
use std::{path::Path, process::Command};

const CHAIN_ID: u64 = 901;
/// A transfer of `value` wei to [`RECIPIENT`] from dev account 0.
fn transfer(nonce: u64, value: u64) -> Vec<u8> {
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    common::transfer(&key, nonce, value, TRANSFER_GAS, CHAIN_ID, 10_000_000_000)
}

fn open(dir: &Path, retention: Retention) -> Chain<EthEvmFactory> {
    Chain::open_with(
        Role::L2,
        ChainSpec::dev(Role::L2, CHAIN_ID),
        EthEvmFactory::default(),
        dir,
        retention,
    )
    .unwrap()
}

fn seal_until(chain: &mut Chain<EthEvmFactory>, number: u64) {
    while chain.head().number < number {
        chain
            .seal(BlockAttributes {
                timestamp: chain.head().timestamp + 2,
                fee_recipient: Address::ZERO,
                prev_randao: B256::ZERO,
                parent_beacon_block_root: B256::with_last_byte(7),
            })
            .unwrap();
    }
}

fn state_root(chain: &Chain<EthEvmFactory>, number: u64) -> B256 {
    chain.header(number).unwrap().unwrap().state_root
}

/// The block's stored input validates statelessly to the block's hash and state root.
fn assert_input_validates(chain: &Chain<EthEvmFactory>, number: u64) {
    let bytes = chain.store().stateless_input(number).unwrap().unwrap();
    let input = StatelessInput::decode(&bytes).unwrap();
    let validated = validate_stateless(&input, &chain.spec.config).unwrap();
    let header = chain.header(number).unwrap().unwrap();
    assert_eq!(validated.block_hash, header.hash_slow());
    assert_eq!(validated.state_root, header.state_root);
}

#[test]
fn old_state_and_inputs_are_deleted_and_the_kept_state_still_builds_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let window = 4;
    let retention = Retention {
        state: Keep::Last(window),
        inputs: Keep::Last(window),
        until_settled: false,
    };
    let mut chain = open(dir.path(), retention);
    chain.submit(&transfer(0, 1000)).unwrap();
    seal_until(&mut chain, 1);
    // Pruning runs at open and every PRUNE_INTERVAL blocks: stop right after one.
    let head = 3 * PRUNE_INTERVAL;
    seal_until(&mut chain, head);

    // The state of block 1 is gone, from the answers and from memory.
    assert!(!chain.state_kept(1));
    assert!(chain.state_kept(head - window));
    let old = chain.account(state_root(&chain, 1), RECIPIENT);
    assert!(old.unwrap_err().contains("not in the witness"));
    let (_, balance, _) = chain
        .account(state_root(&chain, head - window), RECIPIENT)
        .unwrap();
    assert_eq!(balance, U256::from(1000));

    // Memory holds no state: it is read from the datadir, which holds exactly what the kept
    // roots reach.
    assert!(chain.state().nodes.is_empty() && chain.state().codes.is_empty());
    let roots: Vec<B256> = (head - window..=head)
        .map(|n| state_root(&chain, n))
        .collect();
    let live = live_nodes(roots, |h| chain.state().nodes.preimage(h));
    let nodes = chain.store().node_count().unwrap();
    assert_eq!(nodes, live.len() as u64);

    // An archive of the same chain holds several times more.
    let archive_dir = tempfile::tempdir().unwrap();
    let mut archive = open(
        archive_dir.path(),
        Retention {
            state: Keep::All,
            inputs: Keep::All,
            until_settled: false,
        },
    );
    archive.submit(&transfer(0, 1000)).unwrap();
    seal_until(&mut archive, head);
    assert_eq!(archive.head_hash(), chain.head_hash(), "the same chain");
    let archived = archive.store().node_count().unwrap();
    assert!(
        archived > 2 * nodes,
        "archive {archived} nodes, pruned {nodes}"
    );

    // Inputs: those below the window are deleted; the kept ones, built over the pruned
    // state, validate statelessly.
    assert_eq!(chain.store().stateless_input(1).unwrap(), None);
    assert_eq!(
        chain.store().stateless_input(head - window - 1).unwrap(),
        None
    );
    for n in head - window..=head {
        assert_input_validates(&chain, n);
    }

    // Reopened, the node has the same nodes, and goes on.
    drop(chain);
    let mut chain = open(dir.path(), retention);
    assert_eq!(chain.head().number, head);
    assert_eq!(chain.store().node_count().unwrap(), nodes);
    chain.submit(&transfer(1, 5)).unwrap();
    seal_until(&mut chain, head + 1);
    assert_input_validates(&chain, head + 1);
    let (_, balance, _) = chain.account(chain.head().state_root, RECIPIENT).unwrap();
    assert_eq!(balance, U256::from(1005));
}

#[test]
fn the_state_and_inputs_of_unsettled_blocks_stay() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = open(
        dir.path(),
        Retention {
            state: Keep::Last(4),
            inputs: Keep::Last(4),
            until_settled: true,
        },
    );
    // Nothing settled yet: every input and every block's state stays.
    seal_until(&mut chain, PRUNE_INTERVAL + 10);
    assert!(chain.store().stateless_input(1).unwrap().is_some());
    assert!(chain.state_kept(1));
    // Settled through 10: at the next pruning, what is below block 10 goes; the state at
    // the settled head (which resolves forced transactions) and every input above it stay,
    // far past the window.
    chain.set_settled(10);
    seal_until(&mut chain, 2 * PRUNE_INTERVAL);
    assert_eq!(chain.store().stateless_input(9).unwrap(), None);
    assert_input_validates(&chain, 11);
    assert!(
        chain
            .store()
            .stateless_input(PRUNE_INTERVAL)
            .unwrap()
            .is_some()
    );
    assert!(chain.state_kept(10) && !chain.state_kept(9));
    let root = chain.header(10).unwrap().unwrap().state_root;
    chain.account(root, RECIPIENT).unwrap();
    let below = chain.header(9).unwrap().unwrap().state_root;
    assert!(chain.account(below, RECIPIENT).is_err());
}

#[test]
fn blockhash_reaches_past_the_headers_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = open(dir.path(), Retention::default());
    let head = HEADERS_IN_MEMORY + 300;
    seal_until(&mut chain, head);
    // A call at block `at` sees the 256 hashes before it; the older ones are read from the
    // datadir.
    let at = head - 200;
    let hashes = chain.block_hashes(at);
    assert_eq!(hashes.len(), 256);
    for n in at - 256..at {
        assert_eq!(
            hashes[&n],
            chain.header(n).unwrap().unwrap().hash_slow(),
            "{n}"
        );
    }
}

#[test]
fn pruned_state_is_refused_in_words_over_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(
        "l2",
        &dir.path().join("l2"),
        &["--prune.state", "2", "--block-time", "0.05"],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while node.block_number() < 5 {
        assert!(std::time::Instant::now() < deadline, "no blocks");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let who = "0x000000000000000000000000000000000000bEEF";
    let err = node
        .try_cast(&["balance", "--block", "1", who])
        .unwrap_err();
    assert!(
        err.contains("state at block 1 is pruned")
            && err.contains("--prune.state archive keeps all"),
        "{err}"
    );
    assert_eq!(node.cast(&["balance", who]), "0");
    // Blocks themselves are kept.
    assert!(
        node.cast(&["block", "1", "--field", "hash"])
            .starts_with("0x")
    );
    node.terminate();

    let out = Command::new(env!("CARGO_BIN_EXE_nr-node"))
        .args(["run", "--role", "l2", "--prune.state", "soon", "--datadir"])
        .arg(dir.path().join("other"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("neither a number of blocks nor \"archive\""),
        "{stderr}"
    );
    assert!(!dir.path().join("other").exists(), "nothing written");
}
