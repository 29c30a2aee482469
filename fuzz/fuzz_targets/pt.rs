#![no_main]
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::read_all("x.pt", data, None);
    common::read_all("x.pt", data, Some("a"));
    // The unpickler alone, on the bytes as data.pkl: the zip layer rejects most mutations first.
    let _ = eigenlens::read::pickle::unpickle(data);
});
