//! The committed vectors (`eip-draft/vectors/execute` and `…/stateless`) are exactly what
//! the generator makes now, and every call vector passes against this project's EXECUTE (the
//! stateless ones run in `ef-tests`' own test, through its fixture runner).

use nr_vectors::{CallVector, STATELESS_DIR, VECTORS_DIR, repository_root};
use std::{collections::BTreeMap, path::Path};

/// The JSON files of `dir`, by name.
fn committed_in(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn assert_same(committed: &BTreeMap<String, String>, generated: &BTreeMap<String, String>) {
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "the vector files (regenerate: cargo run --release -p nr-vectors -- write)"
    );
    for (name, text) in generated {
        assert!(
            committed[name] == *text,
            "{name} differs from what the generator makes now \
             (regenerate: cargo run --release -p nr-vectors -- write)"
        );
    }
}

#[test]
fn committed_stateless_vectors_regenerate_identically() {
    let root = repository_root();
    let generated: BTreeMap<String, String> = nr_vectors::generate_stateless(&root)
        .unwrap()
        .into_iter()
        .map(|(name, v)| (name, nr_vectors::stateless_file(&v)))
        .collect();
    assert_same(&committed_in(&root.join(STATELESS_DIR)), &generated);
}

#[test]
fn committed_vectors_regenerate_identically_and_pass() {
    let root = repository_root();
    let committed = committed_in(&root.join(VECTORS_DIR));
    let generated: BTreeMap<String, String> = nr_vectors::generate(&root)
        .unwrap()
        .into_iter()
        .map(|(name, v)| (name, nr_vectors::to_file(&v)))
        .collect();
    assert_same(&committed, &generated);
    for (name, text) in &committed {
        let vector: CallVector = serde_json::from_str(text).unwrap();
        nr_vectors::run(&root, &vector).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// The valid cases succeed, every other case halts, and the runner notices a wrong answer.
#[test]
fn the_cases_say_what_their_names_say() {
    let root = repository_root();
    let vectors = nr_vectors::generate(&root).unwrap();
    for (name, v) in &vectors {
        let valid = name.contains("valid") && !name.contains("invalid");
        assert_eq!(
            v.expected.output.is_some(),
            valid,
            "{name}: {:?}",
            v.expected
        );
        if let Some(output) = &v.expected.output {
            let range = name.contains("range");
            let decoded = nr_statement::ExecuteOutput::decode(output, range).unwrap();
            assert!(decoded.result.successful(), "{name}");
            assert_eq!(decoded.blocks.len(), if range { 10 } else { 1 }, "{name}");
        } else {
            assert_eq!(
                v.expected.gas_used, v.gas_limit,
                "{name}: a halt uses all gas"
            );
        }
    }
    // Proof mode answers exactly what re-execution answers.
    let output = |n: &str| {
        vectors
            .iter()
            .find(|(name, _)| name == n)
            .unwrap()
            .1
            .expected
            .output
            .clone()
    };
    assert_eq!(output("dependency-valid.json"), output("single-valid.json"));
    // An unreferenced witness entry at a cap changes the charge (a longer input), not the
    // answer.
    for at_cap in [
        "single-valid-witness-node-at-cap.json",
        "single-valid-code-at-cap.json",
    ] {
        assert_eq!(output(at_cap), output("single-valid.json"), "{at_cap}");
    }
    assert_eq!(
        output("dependency-range-valid.json"),
        output("range-valid.json")
    );
    // A runner must fail a vector whose answer is wrong.
    let (_, mut wrong) = vectors
        .into_iter()
        .find(|(name, _)| name == "single-valid.json")
        .unwrap();
    wrong.expected.gas_used += 1;
    assert!(nr_vectors::run(&root, &wrong).is_err());
}
