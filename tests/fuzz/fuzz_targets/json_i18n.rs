#![no_main]
//! The `json_i18n` scanner on arbitrary bytes; see `errata_fuzz::scan`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| errata_fuzz::scan(
    errata::model::FormatId::JsonI18n,
    data
));
