//! Proof-carrying settlement with a real proof: an L2 block sealed by the L2 engine, proven
//! by this project's prover with the committed program, settled on the embedded L1 through
//! a proof sidecar and EXECUTE's proof-dependency mode.
//!
//! The block is rebuilt here from the dev genesis, deterministically, and must be byte for
//! byte the one the committed proof is of. When the block changes (a new L2 genesis, a new
//! bridge predeploy), the test says so; `scripts/prove-vector` then rebuilds the vector.

mod harness;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use harness::{proven::*, *};
use nr_contracts::NativeRollup::{self, NativeRollupErrors as E};
use nr_execute::{NATIVE_ROLLUP_PROGRAM_VKEY, NativeRollupEvmFactory, Program, ProgramRegistry};
use nr_node::{Chain, Role};
use nr_statement::{ProofSidecar, SidecarProof};

#[test]
fn the_proven_block_is_the_committed_one() {
    let rig = proven_rig();
    let input = rig.settle_input(1, 1);
    let path = vector_dir().join("block-1.hex");
    let hex = format!("0x{}\n", alloy_primitives::hex::encode(&input));
    if std::env::var_os("NR_UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &hex).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == hex,
        "L2 block 1 of the dev rollup is no longer the proven one in {}: rebuild the vector \
         with scripts/prove-vector",
        path.display()
    );
}

// ------------------------------------------------------------ the proof and its settlement

#[test]
fn a_real_proof_in_a_sidecar_settles_the_block_through_execute() {
    on_big_stack(a_real_proof_in_a_sidecar_settles_the_block_through_execute_body);
}

fn a_real_proof_in_a_sidecar_settles_the_block_through_execute_body() {
    let mut rig = proven_rig();
    let job = job(&rig);
    let statement = job.native_statement().unwrap();
    let bytes = committed_sidecar();
    let sidecar = ProofSidecar::decode(&bytes).unwrap();
    assert_eq!(sidecar.proofs.len(), 1);
    assert_eq!(sidecar.proofs[0].program, NATIVE_ROLLUP_PROGRAM_VKEY);
    assert_eq!(
        sidecar.proofs[0].statement[..],
        statement.encode()[..],
        "the committed proof is of this block's statement"
    );
    assert_eq!(
        nr_execute::stark::committed_key(&sidecar.proofs[0].proof).unwrap(),
        nr_execute::NATIVE_ROLLUP_PROGRAM_STARK_VKEY,
        "the committed proof is of the committed program"
    );

    let data = settlement(&rig, &job, &statement, vec![NATIVE_ROLLUP_PROGRAM_VKEY]);
    let raw = blob_call(&rig, &key(2), data, &job.blobs);
    let hash = rig.l1.submit_with_proofs(&raw, &bytes).unwrap();
    assert_eq!(
        rig.l1
            .pool
            .get(&hash)
            .unwrap()
            .proofs
            .as_ref()
            .unwrap()
            .verified
            .len(),
        1
    );
    let (ok, gas) = seal_l1(&mut rig);
    assert!(ok, "the settlement succeeds");
    let head = rig.l2.store().block(1).unwrap().unwrap().header;
    assert_eq!(rig.view(NativeRollup::headNumberCall {}), 1);
    assert_eq!(rig.view(NativeRollup::headHashCall {}), head.hash_slow());
    assert_eq!(
        rig.view(NativeRollup::headStateRootCall {}),
        head.state_root
    );
    // The node keeps the sidecar with the block and serves it back.
    assert_eq!(rig.l1.store().proof_sidecar(&hash).unwrap(), Some(bytes));
    eprintln!("proof-dependency settlement of one block: {gas} gas");
}

#[test]
fn the_proven_range_is_the_committed_one() {
    let rig = range_rig();
    let update = std::env::var_os("NR_UPDATE_VECTORS").is_some();
    for n in 1..=RANGE {
        let hex = format!(
            "0x{}\n",
            alloy_primitives::hex::encode(rig.settle_input(n, n))
        );
        let path = range_input_path(n);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &hex).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == hex,
            "L2 block {n} of the proven range is no longer the one in {}: rebuild the vector \
             with scripts/prove-vector",
            path.display()
        );
    }
}

#[test]
fn a_real_proof_of_a_range_settles_ten_blocks_through_execute() {
    on_big_stack(a_real_proof_of_a_range_settles_ten_blocks_through_execute_body);
}

fn a_real_proof_of_a_range_settles_ten_blocks_through_execute_body() {
    let mut rig = range_rig();
    let job = range_job(&rig);
    let statement = job.native_statement().unwrap();
    let bytes = committed_range_sidecar();
    let sidecar = ProofSidecar::decode(&bytes).unwrap();
    assert_eq!(sidecar.proofs.len(), 1);
    assert_eq!(
        sidecar.proofs[0].statement[..],
        statement.encode()[..],
        "the committed proof is of the range's statement"
    );
    let programs = vec![NATIVE_ROLLUP_PROGRAM_VKEY];
    let data = settlement_of(&rig, RANGE, &job, &statement, programs);
    let raw = blob_call_with_gas(&rig, &key(2), data, &job.blobs, 8_000_000);
    rig.l1.submit_with_proofs(&raw, &bytes).unwrap();
    let (ok, gas) = seal_l1(&mut rig);
    assert!(ok, "the settlement of the range succeeds");
    let head = rig.l2.store().block(RANGE).unwrap().unwrap().header;
    assert_eq!(rig.view(NativeRollup::headNumberCall {}), RANGE);
    assert_eq!(rig.view(NativeRollup::headHashCall {}), head.hash_slow());
    assert_eq!(
        rig.view(NativeRollup::headStateRootCall {}),
        head.state_root
    );
    eprintln!("proof-dependency settlement of {RANGE} blocks: {gas} gas");
}

#[test]
fn bad_sidecars_are_refused_before_the_pool() {
    on_big_stack(bad_sidecars_are_refused_before_the_pool_body);
}

fn bad_sidecars_are_refused_before_the_pool_body() {
    let mut rig = proven_rig();
    let job = job(&rig);
    let statement = job.native_statement().unwrap();
    let bytes = committed_sidecar();
    let data = settlement(&rig, &job, &statement, vec![NATIVE_ROLLUP_PROGRAM_VKEY]);
    let raw = blob_call(&rig, &key(2), data, &job.blobs);
    let refused = |rig: &mut Rig, sidecar: &ProofSidecar| {
        let err = rig
            .l1
            .submit_with_proofs(&raw, &sidecar.encode())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid proof sidecar"), "{err}");
        err
    };
    let good = ProofSidecar::decode(&bytes).unwrap();
    // The committed sidecar with its one proof edited.
    let edited = |edit: &dyn Fn(&mut SidecarProof)| {
        let mut proof = good.proofs[0].clone();
        edit(&mut proof);
        ProofSidecar {
            proofs: vec![proof].try_into().unwrap(),
        }
    };

    // Any corrupted proof byte (a few spread over the proof).
    for at in [
        0,
        7,
        100,
        good.proofs[0].proof.len() / 2,
        good.proofs[0].proof.len() - 1,
    ] {
        let bad = edited(&|p| {
            let mut proof = p.proof.to_vec();
            proof[at] ^= 0x01;
            p.proof = proof.try_into().unwrap();
        });
        refused(&mut rig, &bad);
    }
    // The proof presented as a proof of another statement.
    let other = edited(&|p| {
        let mut s = p.statement.to_vec();
        let last = s.len() - 1;
        s[last] ^= 0x01;
        p.statement = s.try_into().unwrap();
    });
    assert!(refused(&mut rig, &other).contains("public values"));
    // A program the L1 does not accept, and a truncated or empty sidecar.
    let unknown = edited(&|p| p.program = [0x01; 32]);
    assert!(refused(&mut rig, &unknown).contains("not accepted as a proof dependency"));
    let err = rig
        .l1
        .submit_with_proofs(&raw, &bytes[..bytes.len() - 1])
        .unwrap_err();
    assert!(
        err.to_string().starts_with("invalid proof sidecar"),
        "{err}"
    );
    let empty = ProofSidecar {
        proofs: vec![].try_into().unwrap(),
    };
    assert!(refused(&mut rig, &empty).contains("no proof"));
    // A transaction whose gas limit cannot pay EXECUTE for its proofs: refused before any
    // verification.
    let data = settlement(&rig, &job, &statement, vec![NATIVE_ROLLUP_PROGRAM_VKEY]);
    let cheap = blob_call_with_gas(&rig, &key(2), data, &job.blobs, 6_000_000);
    let err = rig
        .l1
        .submit_with_proofs(&cheap, &bytes)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot pay for 1 proof dependencies"), "{err}");
    assert!(rig.l1.pool.is_empty(), "nothing refused was pooled");
}

/// The same proof checked against another program's key (an L1 that lists another program
/// under this vkey): the proof commits to this program's key and is refused.
#[test]
fn a_proof_of_another_program_is_refused() {
    let program = Program {
        stark_vkey: Some([0x02; 32]),
        ..Program::native_rollup()
    };
    let registry = ProgramRegistry::sp1_v6(1).with_program(program);
    let err = nr_execute::verify_sidecar(&registry, &committed_sidecar()).unwrap_err();
    assert!(err.to_string().contains("sp1 vk hash mismatch"), "{err}");
    // And the right key accepts it.
    let verified =
        nr_execute::verify_sidecar(&ProgramRegistry::native_rollup(1), &committed_sidecar())
            .unwrap();
    assert_eq!(verified.len(), 1);
}

#[test]
fn without_its_proofs_the_settlement_halts_in_execute() {
    on_big_stack(without_its_proofs_the_settlement_halts_in_execute_body);
}

fn without_its_proofs_the_settlement_halts_in_execute_body() {
    let mut rig = proven_rig();
    let job = job(&rig);
    let statement = job.native_statement().unwrap();
    let bytes = committed_sidecar();
    // No sidecar: the transaction is an ordinary blob transaction and EXECUTE finds no
    // verified proof of its statement.
    let data = settlement(&rig, &job, &statement, vec![NATIVE_ROLLUP_PROGRAM_VKEY]);
    assert_eq!(
        rig.rollup_try(
            key(2).address(),
            &NativeRollup::settleCall::abi_decode(&data).unwrap(),
            U256::ZERO
        )
        .unwrap_err(),
        E::ExecuteRejected(NativeRollup::ExecuteRejected {})
    );
    rig.l1
        .submit(&blob_call(&rig, &key(2), data, &job.blobs))
        .unwrap();
    let (ok, _) = seal_l1(&mut rig);
    assert!(!ok, "the settlement reverts");
    assert_eq!(rig.view(NativeRollup::headNumberCall {}), 0);

    // With the sidecar, but naming a program twice, or a program that did not prove it.
    for programs in [
        vec![NATIVE_ROLLUP_PROGRAM_VKEY, NATIVE_ROLLUP_PROGRAM_VKEY],
        vec![[0x01; 32]],
        vec![],
    ] {
        let data = settlement(&rig, &job, &statement, programs);
        rig.l1
            .submit_with_proofs(&blob_call(&rig, &key(2), data, &job.blobs), &bytes)
            .unwrap();
        let (ok, _) = seal_l1(&mut rig);
        assert!(!ok, "the settlement reverts");
    }
    assert_eq!(rig.view(NativeRollup::headNumberCall {}), 0);
}

/// EXECUTE's dependency mode on the real proof, call by call: exact gas, the threshold,
/// the blob binding, and the charge before any work.
#[test]
fn dependency_mode_rules_on_the_real_proof() {
    on_big_stack(dependency_mode_rules_on_the_real_proof_body);
}

fn dependency_mode_rules_on_the_real_proof_body() {
    use nr_execute::{ExecuteConfig, ExecuteError, execute_in, gas};
    let rig = proven_rig();
    let job = job(&rig);
    let statement = job.native_statement().unwrap();
    let input = job
        .dependency_input(&statement, vec![NATIVE_ROLLUP_PROGRAM_VKEY])
        .unwrap()
        .encode();
    let blob_hashes = blob_hashes(&job);
    let config = rig.l1.spec.execute.clone().unwrap();
    let proofs = nr_execute::verify_sidecar(&config.programs, &committed_sidecar()).unwrap();
    let want = gas::dependency_gas(input.len(), 1, 1);

    let settled = execute_in(&config, &input, 10_000_000, &blob_hashes, &proofs).unwrap();
    assert_eq!(settled.gas_used, want);
    assert_eq!(settled.output[..], statement.output[..]);
    // Both modes return the same bytes: re-execution of the block gives this output too.
    let reexecuted =
        nr_execute::execute(&config, &rig.settle_input(1, 1), 10_000_000, &[]).unwrap();
    assert_eq!(reexecuted.output, settled.output);

    let halt = |config: &ExecuteConfig, gas_limit: u64, hashes: &[B256]| {
        execute_in(config, &input, gas_limit, hashes, &proofs).unwrap_err()
    };
    assert!(matches!(
        halt(&config, want - 1, &blob_hashes),
        ExecuteError::OutOfGas { .. }
    ));
    assert!(matches!(halt(&config, want, &[]), ExecuteError::Blob(_)));
    let two = ExecuteConfig {
        programs: ProgramRegistry::native_rollup(2),
        ..config.clone()
    };
    assert!(matches!(
        halt(&two, want, &blob_hashes),
        ExecuteError::BelowThreshold {
            verified: 1,
            threshold: 2
        }
    ));
    // No sidecar: nothing verified for this transaction.
    assert!(matches!(
        execute_in(&config, &input, want, &blob_hashes, &Default::default()).unwrap_err(),
        ExecuteError::MissingProof { index: 0, .. }
    ));
}

/// The L1 node over JSON-RPC: `nr_sendRawTransactionWithProofs` verifies and pools, the
/// sealed settlement advances the rollup, `nr_getProofSidecar` serves the sidecar back, a
/// bad sidecar is a JSON-RPC error, and a pending proof-carrying transaction survives a
/// restart with its sidecar.
#[test]
fn the_l1_node_takes_proof_sidecars_over_json_rpc() {
    on_big_stack(the_l1_node_takes_proof_sidecars_over_json_rpc_body);
}

fn the_l1_node_takes_proof_sidecars_over_json_rpc_body() {
    use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
    let rig = proven_rig();
    let job = job(&rig);
    let statement = job.native_statement().unwrap();
    let data = settlement(&rig, &job, &statement, vec![NATIVE_ROLLUP_PROGRAM_VKEY]);
    let raw = Bytes::from(blob_call(&rig, &key(2), data, &job.blobs));
    let sidecar = Bytes::from(committed_sidecar());
    let rollup = rig.rollup;
    // The restarted node reads the same chain specification (its L1 lists the Amsterdam L2).
    let l1_spec = rig.l1.spec.clone();
    let Rig { l1, dirs, .. } = rig;
    let datadir = dirs.0.path().to_path_buf();
    let config = |block_time| nr_node::NodeConfig {
        http: ([127, 0, 0, 1], 0).into(),
        block_time,
        fee_recipient: Address::ZERO,
        datadir: datadir.clone(),
        wait_for_anchor: false,
        refuse_senders: Default::default(),
        rpc: Default::default(),
        set_head: false,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Sealing every hour: the transaction stays pending across a restart.
        let node = nr_node::start(l1, config(Some(std::time::Duration::from_secs(3600))))
            .await
            .unwrap();
        let client = HttpClientBuilder::default()
            .max_request_size(64 << 20)
            .build(format!("http://{}", node.addr))
            .unwrap();
        let mut bad = sidecar.to_vec();
        let middle = bad.len() / 2;
        bad[middle] ^= 1;
        let err = client
            .request::<B256, _>(
                "nr_sendRawTransactionWithProofs",
                rpc_params![&raw, Bytes::from(bad)],
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid proof sidecar"), "{err}");
        let hash: B256 = client
            .request(
                "nr_sendRawTransactionWithProofs",
                rpc_params![&raw, &sidecar],
            )
            .await
            .unwrap();
        let served: Option<Bytes> = client
            .request("nr_getProofSidecar", rpc_params![hash])
            .await
            .unwrap();
        assert_eq!(served.as_ref(), Some(&sidecar), "served from the pool");
        let chain = {
            drop(client);
            node.stop().await.unwrap();
            // The server's connection tasks may hold the stopped node (and its database) a
            // moment longer: retry, bounded, while the datadir is still locked.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let spec = l1_spec.clone();
                let execute = spec.execute.clone().unwrap();
                match Chain::open(
                    Role::L1,
                    spec,
                    NativeRollupEvmFactory::new(execute),
                    &datadir,
                ) {
                    Err(nr_node::chain::ChainError::Store(nr_node::store::StoreError::Locked(
                        _,
                    ))) if std::time::Instant::now() < deadline => {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await
                    }
                    other => break other.unwrap(),
                }
            }
        };
        // Restarted sealing at once: the journaled transaction comes back with its sidecar.
        let node = nr_node::start(chain, config(None)).await.unwrap();
        assert!(
            node.node
                .chain()
                .pool
                .get(&hash)
                .is_some_and(|t| t.proofs.is_some())
        );
        node.node.seal().unwrap();
        let client = HttpClientBuilder::default()
            .build(format!("http://{}", node.addr))
            .unwrap();
        let receipt: serde_json::Value = client
            .request("eth_getTransactionReceipt", rpc_params![hash])
            .await
            .unwrap();
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        let served: Option<Bytes> = client
            .request("nr_getProofSidecar", rpc_params![hash])
            .await
            .unwrap();
        assert_eq!(served, Some(sidecar), "served from the block's store");
        let call = NativeRollup::headNumberCall {}.abi_encode();
        let head: Bytes = client
            .request(
                "eth_call",
                rpc_params![serde_json::json!({"to": rollup, "data": Bytes::from(call)})],
            )
            .await
            .unwrap();
        assert_eq!(U256::from_be_slice(&head), U256::from(1));
        node.stop().await.unwrap();
    });
}

/// The other program's proof of the same block (`block-1.other.sidecar`, see
/// `scripts/prove-vector`): the previous release of this project's program (commit db9e07a's
/// ELF: the same statement code, another binary, so another verifying key), and its keys.
fn other_program() -> (Vec<u8>, Program) {
    let dir = vector_dir();
    let sidecar = std::fs::read(dir.join("block-1.other.sidecar")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("block-1.other.json")).unwrap()).unwrap();
    let key =
        |field: &str| -> [u8; 32] { summary[field].as_str().unwrap().parse::<B256>().unwrap().0 };
    let program = Program {
        vkey: key("vkey"),
        stark_vkey: Some(key("starkVkey")),
        ..Program::native_rollup()
    };
    (sidecar, program)
}

/// Two real programs: a proof of one is refused as the other's, and with both listed and a
/// threshold of 2, a sidecar carrying both proofs settles the statement (2-of-2), while one
/// proof alone stays below the threshold.
#[test]
fn two_real_programs_and_a_threshold() {
    on_big_stack(two_real_programs_and_a_threshold_body);
}

fn two_real_programs_and_a_threshold_body() {
    use nr_execute::{ExecuteConfig, ExecuteError, execute_in, gas};
    let (other_bytes, other) = other_program();
    assert_ne!(other.vkey, NATIVE_ROLLUP_PROGRAM_VKEY);
    let ours = ProofSidecar::decode(&committed_sidecar()).unwrap().proofs[0].clone();
    let theirs = ProofSidecar::decode(&other_bytes).unwrap().proofs[0].clone();
    assert_eq!(
        theirs.statement[..],
        ours.statement[..],
        "both prove the same statement"
    );

    // The other program's proof presented as this program's: refused.
    let impostor = ProofSidecar {
        proofs: vec![SidecarProof {
            program: NATIVE_ROLLUP_PROGRAM_VKEY,
            ..theirs.clone()
        }]
        .try_into()
        .unwrap(),
    };
    let err = nr_execute::verify_sidecar(&ProgramRegistry::native_rollup(1), &impostor.encode())
        .unwrap_err();
    assert!(err.to_string().contains("sp1 vk hash mismatch"), "{err}");
    // Under its own name, on an L1 that does not list it: refused before any work.
    let err =
        nr_execute::verify_sidecar(&ProgramRegistry::native_rollup(1), &other_bytes).unwrap_err();
    assert!(err.to_string().contains("not accepted"), "{err}");

    // An L1 listing both, threshold 2.
    let rig = proven_rig();
    let job = job(&rig);
    let statement = job.native_statement().unwrap();
    let base = rig.l1.spec.execute.clone().unwrap();
    let config = ExecuteConfig {
        programs: ProgramRegistry::native_rollup(2).with_program(other.clone()),
        ..base
    };
    let both = ProofSidecar {
        proofs: vec![ours, theirs].try_into().unwrap(),
    };
    let proofs = nr_execute::verify_sidecar(&config.programs, &both.encode()).unwrap();
    assert_eq!(proofs.len(), 2);
    let blob_hashes = blob_hashes(&job);
    let input = |programs| job.dependency_input(&statement, programs).unwrap().encode();
    let two = input(vec![NATIVE_ROLLUP_PROGRAM_VKEY, other.vkey]);
    let settled = execute_in(&config, &two, 20_000_000, &blob_hashes, &proofs).unwrap();
    assert_eq!(settled.gas_used, gas::dependency_gas(two.len(), 2, 1));
    assert_eq!(settled.output[..], statement.output[..]);
    let one = input(vec![NATIVE_ROLLUP_PROGRAM_VKEY]);
    assert!(matches!(
        execute_in(&config, &one, 20_000_000, &blob_hashes, &proofs).unwrap_err(),
        ExecuteError::BelowThreshold {
            verified: 1,
            threshold: 2
        }
    ));
    // Both named, only one proof carried.
    let ours_only = nr_execute::verify_sidecar(&config.programs, &committed_sidecar()).unwrap();
    assert!(matches!(
        execute_in(&config, &two, 20_000_000, &blob_hashes, &ours_only).unwrap_err(),
        ExecuteError::MissingProof { index: 1, .. }
    ));
}
