//! Fuzz target: `discburn_reader::fuzzing::el_torito` (the logic lives in the reader crate so
//! that `cargo test` runs it over the corpus too).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = discburn_reader::fuzzing::el_torito(data);
});
