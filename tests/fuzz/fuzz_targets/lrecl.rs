#![no_main]
//! Fixed-length record files (`errata::read::open_records`) on arbitrary
//! bytes; see `errata_fuzz::read_records`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| errata_fuzz::read_records(data));
