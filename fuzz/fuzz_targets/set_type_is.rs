#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rejoinder_fuzz_targets::set_type_is(data));
