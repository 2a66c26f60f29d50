//! `ef-tests --fixtures <dir>`: Ethereum's blockchain and trie tests, validated statelessly.
//!
//! Prints a per-fork table, the failures, and ends with `N passed, M failed, K skipped`
//! (K: tests of pre-merge forks, which the chain config does not cover). Exits non-zero on
//! any failure or when the folder is missing.

use clap::Parser;
use ef_tests::{BlockchainTest, Outcome, json_files, run_blockchain_test, run_trie_test};
use eyre::{WrapErr, bail};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

#[derive(Parser)]
#[command(about = "Run Ethereum's blockchain and trie tests through stateless validation")]
struct Args {
    /// The ethereum-tests folder (holding BlockchainTests/ and TrieTests/).
    #[arg(long)]
    fixtures: PathBuf,
    /// Only run files whose path contains this string.
    #[arg(long)]
    filter: Option<String>,
    /// Worker threads (default: available cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// List every skipped test by name.
    #[arg(long)]
    list_skipped: bool,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

struct Record {
    group: String,
    name: String,
    outcome: Outcome,
}

fn run_file(path: &Path) -> eyre::Result<Vec<Record>> {
    let text =
        std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))?;
    let is_trie = path.components().any(|c| c.as_os_str() == "TrieTests");
    let mut records = Vec::new();
    if is_trie {
        let tests: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&text).wrap_err_with(|| format!("parsing {}", path.display()))?;
        let secure = path
            .file_name()
            .and_then(|f| f.to_str())
            .is_some_and(|f| f.contains("secure"));
        for (name, t) in &tests {
            records.push(Record {
                group: "TrieTests".into(),
                name: format!("{}::{name}", path.display()),
                outcome: run_trie_test(name, t, secure),
            });
        }
    } else {
        let tests: BTreeMap<String, BlockchainTest> =
            serde_json::from_str(&text).wrap_err_with(|| format!("parsing {}", path.display()))?;
        for (name, t) in &tests {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_blockchain_test(name, t, |_| {})
            }))
            .unwrap_or_else(|_| Outcome::Failed("panicked".into()));
            let group = if outcome == Outcome::Skipped(ef_tests::EIP_7610) {
                "EIP-7610 (see README)".into()
            } else {
                t.network.clone()
            };
            records.push(Record {
                group,
                name: name.clone(),
                outcome,
            });
        }
    }
    Ok(records)
}

fn main() -> eyre::Result<()> {
    let args = Args::parse();
    if !args.fixtures.is_dir() {
        bail!("fixtures folder {} does not exist", args.fixtures.display());
    }
    let mut files = json_files(&args.fixtures)?;
    if let Some(f) = &args.filter {
        files.retain(|p| p.to_string_lossy().contains(f.as_str()));
    }
    if files.is_empty() {
        bail!("no test files under {}", args.fixtures.display());
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    eprintln!("running {} files on {jobs} threads", files.len());

    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let records = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    match run_file(path) {
                        Ok(r) => records.lock().unwrap().extend(r),
                        Err(e) => errors.lock().unwrap().push(format!("{e:#}")),
                    }
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if d.is_multiple_of(200) || d == files.len() {
                        eprintln!("  {d}/{} files, {:.0?}", files.len(), start.elapsed());
                    }
                }
            });
        }
    });
    let records = records.into_inner().unwrap();
    let errors = errors.into_inner().unwrap();

    let mut by_group: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for r in &records {
        let t = by_group.entry(&r.group).or_default();
        match &r.outcome {
            Outcome::Passed => (t.passed += 1, total.passed += 1),
            Outcome::Failed(_) => (t.failed += 1, total.failed += 1),
            Outcome::Skipped(_) => (t.skipped += 1, total.skipped += 1),
        };
    }
    println!(
        "{:<34} {:>8} {:>8} {:>8}",
        "fork / suite", "passed", "failed", "skipped"
    );
    for (g, t) in &by_group {
        println!("{g:<34} {:>8} {:>8} {:>8}", t.passed, t.failed, t.skipped);
    }
    let mut reasons: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for r in &records {
        if let Outcome::Skipped(why) = r.outcome {
            *reasons.entry(why).or_default().entry(&r.group).or_default() += 1;
            if args.list_skipped {
                println!("  skipped {} ({}): {why}", r.name, r.group);
            }
        }
    }
    for (why, groups) in &reasons {
        let n: usize = groups.values().sum();
        let names: Vec<&str> = groups.keys().copied().collect();
        println!("\nskipped {n}: {why}: {}", names.join(", "));
    }
    let failures: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .collect();
    if !failures.is_empty() {
        println!("\nfailures:");
        for r in failures.iter().take(200) {
            if let Outcome::Failed(why) = &r.outcome {
                println!("  [{}] {}: {why}", r.group, r.name);
            }
        }
    }
    for e in &errors {
        println!("error: {e}");
    }
    let failed = total.failed + errors.len();
    println!("\nfinished in {:.1?}", start.elapsed());
    println!(
        "{} passed, {failed} failed, {} skipped",
        total.passed, total.skipped
    );
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
