//! `nr-vectors`: writes EXECUTE's call vectors for the EIP draft, or runs them.
//!
//! ```text
//! nr-vectors write [--root .]            regenerate eip-draft/vectors/execute/*.json
//! nr-vectors run   [--root .] [FILE...]  run the vectors (all of them by default)
//! ```

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
    /// Regenerates every vector from the proven blocks, replacing the directory's files.
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
    let dir = root.join(VECTORS_DIR);
    let vectors = nr_vectors::generate(root).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for (name, vector) in &vectors {
        let path = dir.join(name);
        std::fs::write(&path, nr_vectors::to_file(vector))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("wrote {} vectors to {}", vectors.len(), dir.display());
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
