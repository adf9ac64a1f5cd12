#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rejoinder_fuzz_targets::raw_request(data));
