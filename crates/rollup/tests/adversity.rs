//! The rollup under adversity, as real processes on loopback: the L1 (`nr-node`), the
//! sequencer with its settler (`nr-rollup run`) and the verifier (`nr-rollup verify`).
//!
//! - A sequencer that censors a sender: the sender's transfer still reaches the L2 through
//!   the L1 inbox (`nr-rollup force-include`) and a settlement resolves it.
//! - A poisoned L1 message (its L2 call always fails, with a gas limit near a whole block):
//!   the sequencer never relays it, so it burns nothing of the float, and an honest deposit
//!   sent after it arrives.
//! - A settlement made through a wrapper contract (its calldata is not `settle`'s): the
//!   verifier still rebuilds the settled block, from the call the trace shows.
//! - A rival settlement: someone settles a block of their own in place of the sequencer's
//!   next one. The sequencer follows the settled chain (its unsettled tail re-orged onto
//!   it, the tail's transactions pooled again) and goes on settling.
//! - An L1 re-org under an anchored message (the L1 rewound with `debug_setHead` below a
//!   deposit the L2 had claimed, settled and verified, and another message sent in its
//!   place): the sequencer reads the L1's messages again, rewinds the blocks anchoring the
//!   lost root and seals on the new one, the settler settles again, and the verifier
//!   follows the L1's settled chain back.
//! - SIGKILL of each process mid-run, restarted on the same datadir and port: no sealed or
//!   settled block is lost, no message is paid twice, and the heads converge.
//!
//! The L1 is `nr-node`, built beside `nr-rollup` by the workspace's `cargo test`.

mod common;

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, U64, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockId, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use common::*;
use nr_contracts::NativeRollup;
use nr_rollup::l1::Rollup;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_censored_sender_gets_in_through_the_l1_inbox() {
    // Dev account 3, whom the sequencer refuses at its RPC.
    let key = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
    let signer: PrivateKeySigner = key.parse().unwrap();
    let who = signer.address();
    let (rig, _l1) = Rig::new("censored").await;
    let _sequencer = rig
        .start_sequencer(&["--refuse-sender", &who.to_string()])
        .await;
    rig.deposit(key, "1");
    balance_is(&rig.l2_url(), who, ETH).await;

    // Sent to the sequencer, the transfer is refused, with the way around named.
    let sink = Address::repeat_byte(0xc5);
    let l2 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(rig.l2_url().parse().unwrap());
    let tx = TransactionRequest::default()
        .with_to(sink)
        .with_value(U256::from(ETH / 10));
    let err = l2.send_transaction(tx).await.unwrap_err().to_string();
    assert!(
        err.contains("refused by this node's policy") && err.contains("L1 inbox"),
        "{err}"
    );

    // Forced through the L1, it is included, and a settlement resolves it.
    let hash: B256 = cli(
        &[
            "force-include",
            "--l1-rpc",
            &rig.l1_url,
            "--l2-rpc",
            &rig.l2_url(),
            "--rollup",
            &rig.rollup.to_string(),
            "--to",
            &sink.to_string(),
            "--value",
            "0.1",
        ],
        key,
    )
    .expect("force-include")
    .parse()
    .unwrap();
    let receipt = eventually("the forced transaction is in an L2 block", 60, || async {
        l2.get_transaction_receipt(hash).await.ok().flatten()
    })
    .await;
    assert!(receipt.status());
    assert_eq!(
        l2.get_balance(sink).await.unwrap(),
        U256::from(ETH / 10),
        "the censored transfer happened"
    );
    let rollup = Rollup::connect(&rig.l1_url, rig.rollup, PrivateKeySigner::random()).unwrap();
    eventually("a settlement resolves it", 60, || async {
        let head = rollup
            .view(NativeRollup::forcedHeadCall {}, BlockId::latest())
            .await
            .ok()?;
        (head == 1).then_some(())
    })
    .await;
    let (block, settled) = (receipt.block_number.unwrap(), rig.settled().await.unwrap());
    assert!(settled >= block, "settled {settled}, included in {block}");
}

/// Scenario "a poisoned L1 message drains the float": a message to the ecPairing precompile
/// with bad data and 1.3M gas fails on the L2 whatever happens. Relayed blindly it burned a
/// whole L2 block from the sequencer's float in every other step; now the sequencer's dry
/// run refuses it, and only the honest deposit behind it is relayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poisoned_message_is_never_relayed() {
    // Dev account 5.
    let key = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
    let signer: PrivateKeySigner = key.parse().unwrap();
    let who = signer.address();
    let (rig, _l1) = Rig::new("poisoned").await;
    let _sequencer = rig.start_sequencer(&[]).await;
    let rollup = Rollup::connect(&rig.l1_url, rig.rollup, signer).unwrap();
    let poisoned = NativeRollup::sendMessageCall {
        to: Address::with_last_byte(8),
        value: U256::ZERO,
        data: vec![1u8; 100].into(),
        gasLimit: 1_300_000,
    };
    rollup.send(poisoned, U256::from(1)).await.unwrap();
    rig.deposit(key, "1");
    balance_is(&rig.l2_url(), who, ETH).await;
    // Ten more L2 blocks, with the poisoned message anchored all along.
    let l2 = provider(&rig.l2_url());
    let now = l2.get_block_number().await.unwrap();
    eventually("ten more L2 blocks", 60, || async {
        (l2.get_block_number().await.ok()? >= now + 10).then_some(())
    })
    .await;
    // The sequencer (dev account 0, the float) sent one claim: the deposit's.
    let sequencer: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        .parse()
        .unwrap();
    assert_eq!(
        l2.get_transaction_count(sequencer).await.unwrap(),
        1,
        "claims the sequencer sent"
    );
}

/// Scenario "one wrapped settlement stops every verifier": L2 block 1 is settled through a
/// forwarding contract whose own calldata is a 32-byte word followed by `settle`'s (as a
/// multisig's or a bundler's would not decode as `settle` either). The verifier, which once
/// decoded the outer transaction's calldata and stopped for good, rebuilds the block.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrapped_settlement_is_followed_by_the_verifier() {
    use alloy_sol_types::SolCall;
    // Dev account 6.
    let key = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
    let signer: PrivateKeySigner = key.parse().unwrap();
    let (rig, _l1) = Rig::new("wrapped").await;
    // The sequencer's own settler waits an hour between attempts: the settlement is ours.
    let _sequencer = rig.start_sequencer(&["--settle-interval", "3600"]).await;
    let l2 = provider(&rig.l2_url());
    eventually("L2 block 1", 60, || async {
        (l2.get_block_number().await.ok()? >= 1).then_some(())
    })
    .await;
    let input: alloy_primitives::Bytes = l2
        .raw_request("nr_getStatelessInput".into(), (BlockId::number(1),))
        .await
        .unwrap();

    // The forwarder: calls the rollup with its calldata past the first 32 bytes, and
    // reverts if that call does.
    let runtime = [
        &[
            0x60, 0x20, 0x36, 0x03, 0x60, 0x20, 0x5f, 0x37, 0x5f, 0x5f, 0x60, 0x20, 0x36, 0x03,
            0x5f, 0x5f, 0x73,
        ][..],
        rig.rollup.as_slice(),
        &[0x5a, 0xf1, 0x60, 0x2d, 0x57, 0x5f, 0x5f, 0xfd, 0x5b, 0x00],
    ]
    .concat();
    assert_eq!(runtime.len(), 47);
    let code = [
        &[0x60, 0x2f, 0x60, 0x0a, 0x5f, 0x39, 0x60, 0x2f, 0x5f, 0xf3][..],
        &runtime,
    ]
    .concat();
    let l1 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(rig.l1_url.parse().unwrap());
    let deployed = l1
        .send_transaction(TransactionRequest::default().with_deploy_code(code))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let forwarder = deployed
        .contract_address
        .expect("the forwarder is deployed");
    let settle = NativeRollup::settleCall {
        input,
        resolutions: vec![],
    }
    .abi_encode();
    let wrapped = [&[0x77; 32][..], &settle].concat();
    assert!(NativeRollup::settleCall::abi_decode(&wrapped).is_err());
    let receipt = l1
        .send_transaction(
            TransactionRequest::default()
                .with_to(forwarder)
                .with_input(wrapped)
                .with_gas_limit(3_000_000),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "the wrapped settlement");
    assert_eq!(rig.settled().await, Some(1));

    let _verifier = rig.start_verifier().await;
    let verifier = provider(&rig.verifier_url());
    verifier_agrees(&l2, &verifier, 1, Address::ZERO).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rival_settlement_is_followed_by_the_sequencer() {
    let dev0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    // Dev account 5 settles the rival's block.
    let rival_key = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
    let (rig, _l1) = Rig::new("rival").await;
    let sink = Address::repeat_byte(0xd5);

    // The sequencer seals a transfer (from the float's owner, the only funded L2 account)
    // and settles nothing: its settler waits an hour between attempts.
    let sequencer = rig.start_sequencer(&["--settle-interval", "3600"]).await;
    let l2 = ProviderBuilder::new()
        .wallet(EthereumWallet::from(
            dev0.parse::<PrivateKeySigner>().unwrap(),
        ))
        .connect_http(rig.l2_url().parse().unwrap());
    let transfer = l2
        .send_transaction(
            TransactionRequest::default()
                .with_to(sink)
                .with_value(U256::from(ETH / 10)),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let ours_1 = l2.get_block_by_number(1.into()).await.unwrap().unwrap();
    sequencer.kill();

    // A rival sequencer of the same rollup seals a block 1 of its own, and someone settles it.
    let rival_port = free_port();
    let rival = rig
        .start_sequencer_at("rival", rival_port, &["--settle-interval", "3600"])
        .await;
    let rival_l2 = provider(&format!("http://127.0.0.1:{rival_port}"));
    eventually("the rival's block 1", 60, || async {
        (rival_l2.get_block_number().await.ok()? >= 1).then_some(())
    })
    .await;
    let theirs_1 = rival_l2
        .get_block_by_number(1.into())
        .await
        .unwrap()
        .unwrap();
    let input: alloy_primitives::Bytes = rival_l2
        .raw_request("nr_getStatelessInput".into(), (BlockId::number(1),))
        .await
        .unwrap();
    rival.kill();
    assert_ne!(theirs_1.header.hash, ours_1.header.hash, "two blocks 1");
    let settler = Rollup::connect(&rig.l1_url, rig.rollup, rival_key.parse().unwrap()).unwrap();
    let call = NativeRollup::settleCall {
        input,
        resolutions: vec![],
    };
    settler
        .send(call, U256::ZERO)
        .await
        .expect("the rival settles its block 1");
    assert_eq!(rig.settled().await, Some(1));

    // The sequencer, back with a settler that settles every 2 s, takes the settled block 1,
    // seals the transfer again on top of it, and settles past it.
    let _sequencer = rig.start_sequencer(&[]).await;
    let l2 = provider(&rig.l2_url());
    eventually("the sequencer's block 1 is the settled one", 60, || async {
        let block = l2.get_block_by_number(1.into()).await.ok()??;
        (block.header.hash == theirs_1.header.hash).then_some(())
    })
    .await;
    let included = eventually("the transfer is sealed again", 60, || async {
        let r = l2
            .get_transaction_receipt(transfer.transaction_hash)
            .await
            .ok()??;
        Some(r)
    })
    .await;
    assert!(included.status());
    let at = included.block_number.unwrap();
    assert!(at >= 2, "on top of the rival's block 1 (at {at})");
    let settled = eventually(
        "the sequencer settles past the rival's block",
        60,
        || async {
            let n = rig.settled().await?;
            (n >= at).then_some(n)
        },
    )
    .await;
    balance_is(&rig.l2_url(), sink, ETH / 10).await;
    let _verifier = rig.start_verifier().await;
    verifier_agrees(&l2, &provider(&rig.verifier_url()), settled, sink).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_l1_reorg_under_an_anchored_message_is_recovered() {
    // Dev accounts 3 and 4 deposit; neither holds anything on the L2 before.
    let first_key = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
    let second_key = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
    let address = |key: &str| key.parse::<PrivateKeySigner>().unwrap().address();
    let (first, second) = (address(first_key), address(second_key));
    let (rig, _l1) = Rig::new("l1-reorg").await;
    let _sequencer = rig.start_sequencer(&[]).await;
    let _verifier = rig.start_verifier().await;
    let l1 = provider(&rig.l1_url);

    // A deposit is anchored, claimed on the L2, settled and rebuilt by the verifier.
    let before = l1.get_block_number().await.unwrap();
    assert_eq!(rig.deposit(first_key, "1"), 0, "message 0");
    balance_is(&rig.verifier_url(), first, ETH).await;
    let settled = rig.settled().await.unwrap();

    // The L1 re-orgs below it: the deposit and the settlements after it are gone, and
    // another message takes index 0 (a root the L2's blocks never anchored).
    let removed: U64 = l1
        .raw_request("debug_setHead".into(), (U64::from(before),))
        .await
        .unwrap();
    assert!(removed.to::<u64>() >= 2, "the deposit and a settlement");
    assert!(
        rig.settled().await.unwrap() < settled,
        "the settlement is gone"
    );
    assert_eq!(rig.deposit(second_key, "2"), 0, "message 0 again");

    // The L2 pays the new message and not the lost one, and settles past it; the verifier
    // agrees.
    balance_is(&rig.l2_url(), second, 2 * ETH).await;
    balance_is(&rig.l2_url(), first, 0).await;
    balance_is(&rig.verifier_url(), second, 2 * ETH).await;
    balance_is(&rig.verifier_url(), first, 0).await;
    let l2 = provider(&rig.l2_url());
    let settled = rig.settled().await.unwrap();
    verifier_agrees(&l2, &provider(&rig.verifier_url()), settled, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_each_process_loses_nothing() {
    // Dev account 4.
    let key = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
    let signer: PrivateKeySigner = key.parse().unwrap();
    let who = signer.address();
    let (rig, l1) = Rig::new("sigkill").await;
    let sequencer = rig.start_sequencer(&[]).await;
    let verifier = rig.start_verifier().await;
    assert_eq!(rig.deposit(key, "1"), 0);
    balance_is(&rig.l2_url(), who, ETH).await;
    let l2 = provider(&rig.l2_url());

    // The sequencer (and its settler) killed; a deposit arrives while it is down.
    let before = l2.get_block_number().await.unwrap();
    let sealed = l2
        .get_block_by_number(before.into())
        .await
        .unwrap()
        .unwrap();
    sequencer.kill();
    assert_eq!(rig.deposit(key, "0.5"), 1);
    let sequencer = rig.start_sequencer(&[]).await;
    let again = l2
        .get_block_by_number(before.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.header.hash, sealed.header.hash, "block {before} kept");
    // Message 1 is paid once, message 0 not again.
    balance_is(&rig.l2_url(), who, ETH + ETH / 2).await;

    // A transfer, settled; then the L1 killed and restarted on the same port.
    let sink = Address::repeat_byte(0xfa);
    let wallet = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(rig.l2_url().parse().unwrap());
    let send = |value| {
        let tx = TransactionRequest::default()
            .with_to(sink)
            .with_value(U256::from(value));
        let wallet = wallet.clone();
        async move {
            let r = wallet
                .send_transaction(tx)
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap();
            assert!(r.status());
            r.block_number.unwrap()
        }
    };
    let block = send(ETH / 10).await;
    let settled = eventually("the transfer is settled", 60, || async {
        rig.settled().await.filter(|&s| s >= block)
    })
    .await;
    l1.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _l1 = rig.start_l1().await;
    assert!(
        rig.settled().await.unwrap() >= settled,
        "settled head {settled} kept"
    );

    // The verifier killed and restarted; one more transfer after all three restarts.
    verifier.kill();
    let _verifier = rig.start_verifier().await;
    let last = send(ETH / 10).await;
    let settled = eventually("settlement goes on after the restarts", 90, || async {
        rig.settled().await.filter(|&s| s >= last)
    })
    .await;
    let verifier = provider(&rig.verifier_url());
    verifier_agrees(&l2, &verifier, settled, sink).await;
    assert_eq!(
        l2.get_balance(sink)
            .block_id(BlockId::number(settled))
            .await
            .unwrap(),
        U256::from(ETH / 5)
    );
    drop(sequencer);
}
