#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| errata_fuzz::scan(errata::model::FormatId::Bms, data));
