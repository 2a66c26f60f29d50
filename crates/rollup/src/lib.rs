//! The running native rollup.
//!
//! - [`l1`]: the rollup contract on the L1, over JSON-RPC (alloy provider, `nr-contracts`
//!   bindings).
//! - [`sequencer`]: makes an L2 node follow its L1: each block anchors the newest message
//!   root the L1 has confirmed, and the sequencer relays the claims of the messages it
//!   anchored.
//! - [`settler`]: keeps the L1's settled head close to the L2's, settling ranges by
//!   re-execution.
//! - [`status`]: where the rollup stands (heads, what the bridge owes, the last settlement),
//!   and the stage of one deposit or withdrawal.
//! - [`genesis`]: the rollup's L2 genesis and the contract's deployment parameters.

pub mod bridge;
pub mod genesis;
pub mod l1;
pub mod sequencer;
pub mod settler;
pub mod status;
pub mod verifier;

use std::time::Duration;
use tokio::sync::watch;

/// The wait between rounds of a service: its interval after a round that worked, doubled
/// after each that failed, up to 30 s.
pub(crate) struct Backoff {
    interval: Duration,
    current: Duration,
}

impl Backoff {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            current: interval,
        }
    }

    /// The wait after a round that worked.
    pub(crate) fn ok(&mut self) -> Duration {
        self.current = self.interval;
        self.current
    }

    /// The wait after a round that failed.
    pub(crate) fn failed(&mut self) -> Duration {
        self.current = (self.current * 2).min(Duration::from_secs(30));
        self.current
    }
}

/// Waits `delay`; false if `stop` turned true first.
pub(crate) async fn pause(stop: &mut watch::Receiver<bool>, delay: Duration) -> bool {
    tokio::select! {
        _ = stop.changed() => false,
        _ = tokio::time::sleep(delay) => true,
    }
}
