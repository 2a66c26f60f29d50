//! The blocks the benches measure are what their names say, on both forks: the Amsterdam
//! blocks (schema 0x1501) validate, the transfer block carries the same 640 transfers as
//! Osaka's, and both ERC-20 blocks fill the 15M-gas limit (fewer transfers on Amsterdam,
//! where EIP-8038 makes a storage write dearer).

use nr_benches::l2_blocks_for_benches;
use nr_stateless::{StatelessInput, validate_stateless};

#[test]
fn the_bench_blocks_validate_on_osaka_and_amsterdam() {
    let blocks = l2_blocks_for_benches();
    let mut summary = Vec::new();
    for b in &blocks {
        let input = StatelessInput::decode(&b.input).unwrap();
        validate_stateless(&input, &b.config).unwrap_or_else(|e| panic!("{}: {e}", b.name));
        let txs = input
            .new_payload_request
            .execution_payload
            .transactions
            .len();
        summary.push((input.schema.to_u16(), txs, b.gas_used));
        println!(
            "{}: {} gas, schema {:#06x}",
            b.name,
            b.gas_used,
            input.schema.to_u16()
        );
    }
    assert_eq!(
        summary.iter().map(|s| s.0).collect::<Vec<_>>(),
        [0x1201, 0x1201, 0x1501, 0x1501]
    );
    assert_eq!((summary[0].1, summary[2].1), (640, 640));
    assert!(summary[3].1 < summary[1].1);
    for (_, _, gas) in [summary[1], summary[3]] {
        assert!((14_900_000..=15_000_000).contains(&gas), "{gas}");
    }
}
