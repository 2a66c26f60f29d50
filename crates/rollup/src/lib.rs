//! The running native rollup.
//!
//! - [`l1`]: the rollup contract on the L1, over JSON-RPC (alloy provider, `nr-contracts`
//!   bindings).
//! - [`sequencer`]: makes an L2 node follow its L1: each block anchors the newest message
//!   root the L1 has confirmed, and the sequencer relays the claims of the messages it
//!   anchored.
//! - [`settler`]: keeps the L1's settled head close to the L2's, settling ranges by
//!   re-execution.
//! - [`genesis`]: the rollup's L2 genesis and the contract's deployment parameters.

pub mod bridge;
pub mod genesis;
pub mod l1;
pub mod sequencer;
pub mod settler;
pub mod verifier;
