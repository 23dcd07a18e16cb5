#![no_main]
//! The decoding layer (`errata::read`) on arbitrary files; see `errata_fuzz::read`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| errata_fuzz::read(data));
