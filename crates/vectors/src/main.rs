//! `nr-vectors`: writes EXECUTE's call vectors for the EIP draft, or runs them.
//!
//! ```text
//! nr-vectors write [--root .]            regenerate eip-draft/vectors/{execute,stateless}/*.json
//! nr-vectors run   [--root .] [FILE...]  run the call vectors (all of them by default)
//! ```
//!
//! The stateless vectors are EEST `blockchain_test` fixtures: `ef-tests --fixtures
//! eip-draft/vectors/stateless` runs them, as other clients' fixture runners do.

use clap::{Parser, Subcommand};
use nr_vectors::{CallVector, VECTORS_DIR};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "EXECUTE's call vectors for the EIP draft: write them, or run them")]
struct Cli {
    /// The repository's root.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerates every vector from the proven blocks, replacing the directories' files.
    Write,
    /// Runs vectors against this implementation's EXECUTE (all of the directory's by default).
    Run {
        /// Vector files.
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Write => write(&cli.root),
        Command::Run { files } => run(&cli.root, files),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn write(root: &Path) -> Result<(), String> {
    let vectors = nr_vectors::generate(root).map_err(|e| e.to_string())?;
    let files: Vec<(String, String)> = vectors
        .iter()
        .map(|(name, v)| (name.clone(), nr_vectors::to_file(v)))
        .collect();
    replace_files(&root.join(VECTORS_DIR), &files)?;
    let stateless = nr_vectors::generate_stateless(root).map_err(|e| e.to_string())?;
    let files: Vec<(String, String)> = stateless
        .iter()
        .map(|(name, v)| (name.clone(), nr_vectors::stateless_file(v)))
        .collect();
    replace_files(&root.join(nr_vectors::STATELESS_DIR), &files)
}

/// Replaces the JSON files of `dir` with `files`.
fn replace_files(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("wrote {} files to {}", files.len(), dir.display());
    Ok(())
}

fn run(root: &Path, mut files: Vec<PathBuf>) -> Result<(), String> {
    if files.is_empty() {
        let dir = root.join(VECTORS_DIR);
        files = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
    }
    let mut failed = 0;
    for file in &files {
        let outcome = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<CallVector>(&text).map_err(|e| e.to_string()))
            .and_then(|vector| nr_vectors::run(root, &vector).map_err(|e| e.to_string()));
        match outcome {
            Ok(()) => println!("pass  {}", file.display()),
            Err(why) => {
                failed += 1;
                println!("FAIL  {}: {why}", file.display());
            }
        }
    }
    println!("{} passed, {failed} failed", files.len() - failed);
    if failed > 0 {
        return Err(format!("{failed} vectors failed"));
    }
    Ok(())
}
