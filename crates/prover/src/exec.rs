//! Running the program in SP1's executor: no proof, the exact public values and cycles.

use sp1_core_executor::MinimalExecutorEnum;
pub use sp1_core_executor::Program;
use std::sync::Arc;

/// One run of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// RISC-V cycles (instructions) executed.
    pub cycles: u64,
    /// The program's exit code: 0 when it committed a statement.
    pub exit_code: u32,
    /// The committed public values (a statement's SSZ when `exit_code == 0`).
    pub public_values: Vec<u8>,
}

/// Why the program could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// The ELF does not load.
    #[error("the program ELF does not load: {0}")]
    Elf(String),
}

/// Loads `elf` for repeated runs.
pub fn load(elf: &[u8]) -> Result<Arc<Program>, ExecutionError> {
    Program::from(elf)
        .map(Arc::new)
        .map_err(|e| ExecutionError::Elf(e.to_string()))
}

/// Runs `program` on `input` (one stdin buffer, what `sp1_zkvm::io::read_vec` returns).
pub fn run(program: &Arc<Program>, input: &[u8]) -> Execution {
    let mut executor = MinimalExecutorEnum::new(program.clone(), false, None);
    executor.with_input(input);
    while executor.execute_chunk().is_some() {}
    Execution {
        cycles: executor.global_clk(),
        exit_code: executor.exit_code(),
        public_values: executor.public_values_stream().clone(),
    }
}

/// Loads `elf` and runs it once on `input`.
pub fn execute(elf: &[u8], input: &[u8]) -> Result<Execution, ExecutionError> {
    Ok(run(&load(elf)?, input))
}
