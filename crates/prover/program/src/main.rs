//! native-rollup's zk program. It reads one `ProgramInput` (SSZ), runs
//! [`nr_statement::statement`], the same code the native host and EXECUTE's re-execution
//! mode run, and commits the statement's SSZ bytes as SP1 public values: exactly what
//! EXECUTE's proof mode checks. Invalid blocks have a statement that says
//! `successful_validation = false`, and a single block's input that does not decode has
//! EIP-8025's sentinel statement; input with no statement at all (a malformed
//! `ProgramInput`, chain rules out of canonical form, a wrong blob count, an undecodable
//! range) panics, so no proof of it exists.

#![no_main]
sp1_zkvm::entrypoint!(main);

mod crypto;

pub fn main() {
    crypto::install();
    let input = sp1_zkvm::io::read_vec();
    match nr_statement::statement_bytes(&input) {
        Ok(public_values) => sp1_zkvm::io::commit_slice(&public_values),
        Err(e) => panic!("no statement, so no proof, for this input: {e}"),
    }
}
