//! native-rollup's zk program. It reads one `ProgramInput` (SSZ), runs
//! [`nr_statement::statement`], the same code the native host and EXECUTE's re-execution
//! mode run, and commits the statement's SSZ bytes as SP1 public values: exactly what
//! EXECUTE's proof mode checks. Input with no statement (malformed SSZ, a wrong blob
//! count) panics, so no proof of it exists; invalid blocks do have a statement, one that
//! says `successful_validation = false`.

#![no_main]
sp1_zkvm::entrypoint!(main);

mod crypto;

pub fn main() {
    crypto::install();
    let input = sp1_zkvm::io::read_vec();
    match nr_statement::statement_bytes(&input) {
        Ok(public_values) => sp1_zkvm::io::commit_slice(&public_values),
        Err(e) => panic!("no statement for this input: {e}"),
    }
}
