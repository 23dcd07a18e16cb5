#![no_main]
//! The `kotlin` scanner on arbitrary bytes; see `errata_fuzz::scan`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| errata_fuzz::scan(
    errata::model::FormatId::Kotlin,
    data
));
