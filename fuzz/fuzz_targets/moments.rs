#![no_main]
// Moments files (docs/MOMENTS.md): the bytes read as a moments file, merged with themselves and
// analysed to α when small. Any panic, hang or huge allocation is a bug; errors are the answer.
use eigenlens::analysis::Preprocess;
use eigenlens::moments_file;
use eigenlens::read::MemSource;
use eigenlens::stats::FitRequest;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = moments_file::is_moments_file(&mut MemSource(data));
    let Ok(layers) = moments_file::read(&mut MemSource(data)) else { return };
    if layers.iter().all(|l| l.moments.dim() <= 64) {
        let fit = FitRequest::default();
        let pre = Preprocess { remove_top: 1, ..Default::default() };
        let _ = moments_file::report_of_files(vec![layers.clone(), layers.clone()], None, "x", &fit, &pre);
        if let Some(first) = layers.first() {
            let key = Some(first.layer.as_str());
            let _ = moments_file::report_of_files(vec![layers.clone()], key, "x", &fit, &Preprocess::default());
        }
    }
    let _ = moments_file::to_bytes(&layers);
});
