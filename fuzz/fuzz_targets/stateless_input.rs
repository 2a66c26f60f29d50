//! The SSZ decoders of single-block and range inputs: no panic, and whatever decodes
//! re-encodes to the same bytes (one encoding per value).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_stateless::{StatelessInput, StatelessRangeInput};

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = StatelessInput::decode(data) {
        assert_eq!(input.encode(), data);
    }
    if let Ok(range) = StatelessRangeInput::decode(data) {
        assert_eq!(range.encode(), data);
    }
});
