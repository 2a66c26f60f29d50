//! Shared setup for the criterion benches: finding the heaviest shipped blocks.

use ef_tests::{json_files, prepared_inputs};
use nr_stateless::{ChainConfig, StatelessInput};
use std::path::Path;

/// One block to bench, with where it came from.
pub struct BenchBlock {
    /// Test name.
    pub name: String,
    /// The chain it runs on.
    pub config: ChainConfig,
    /// Its encoded stateless input.
    pub input: Vec<u8>,
    /// Gas it uses.
    pub gas_used: u64,
}

/// Blocks above this are state tests run with an enormous gas limit, where a transaction
/// that runs out of gas "uses" all of it: heavy in gas, light in work.
pub const MAX_REALISTIC_GAS: u64 = 60_000_000;

/// The `count` valid blocks using the most gas (up to [`MAX_REALISTIC_GAS`]) among the
/// blockchain tests under `dir` (one per test file), with their stateless inputs.
pub fn heaviest_blocks(dir: &Path, count: usize) -> Vec<BenchBlock> {
    // Rank files by the largest gasUsed of any block header they declare (cheap: no execution).
    let mut ranked: Vec<(u64, std::path::PathBuf)> = json_files(&dir.join("BlockchainTests"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            let max = json
                .as_object()?
                .values()
                .filter(|t| {
                    ef_tests::chain_config(t["network"].as_str().unwrap_or_default()).is_some()
                })
                .flat_map(|t| t["blocks"].as_array().cloned().unwrap_or_default())
                .filter_map(|b| {
                    u64::from_str_radix(
                        b["blockHeader"]["gasUsed"]
                            .as_str()?
                            .trim_start_matches("0x"),
                        16,
                    )
                    .ok()
                })
                .filter(|g| *g <= MAX_REALISTIC_GAS)
                .max()?;
            Some((max, path))
        })
        .collect();
    ranked.sort_by_key(|(gas, _)| std::cmp::Reverse(*gas));
    let mut out = Vec::new();
    for (_, path) in ranked {
        if out.len() == count {
            break;
        }
        let Ok(inputs) = prepared_inputs(&path) else {
            continue;
        };
        let best = inputs
            .into_iter()
            .filter(|(_, _, b)| b.valid_on_full_state)
            .map(|(name, config, b)| {
                let gas = StatelessInput::decode(&b.input)
                    .map(|i| i.new_payload_request.execution_payload.gas_used)
                    .unwrap_or(0);
                (name, config, b.input, gas)
            })
            .filter(|(.., gas)| *gas <= MAX_REALISTIC_GAS)
            .max_by_key(|(.., gas)| *gas);
        if let Some((name, config, input, gas_used)) = best {
            out.push(BenchBlock {
                name,
                config,
                input,
                gas_used,
            });
        }
    }
    out
}
