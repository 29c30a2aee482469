//! safetensors written here from a real layer: the same eigenvalues whatever the dtype or
//! container, tensors chosen by name, and every lie a header can tell refused by name.

mod common;

use eigenlens::read::{self, MemSource};

/// A safetensors file of (name, dtype, shape, bytes) tensors laid out in order.
fn safetensors(tensors: &[(&str, &str, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let tensors: Vec<_> =
        tensors.iter().map(|(n, d, s, b)| (*n, *d, s.iter().map(|&x| x as u64).collect(), b.clone())).collect();
    common::safetensors_bytes(&[("format", "pt")], &tensors)
}

use common::raw_safetensors as raw;

fn analyze(bytes: Vec<u8>, key: Option<&str>) -> eigenlens::Result<eigenlens::analysis::Report> {
    let mut opened = read::open_matrix(MemSource(bytes), "x.safetensors", key, None)?;
    eigenlens::analysis::analyze(opened.rows.as_mut(), &Default::default(), &mut |_, _| true)
}

#[test]
fn every_dtype_gives_the_reference_spectrum() {
    let (n, d, x) = common::layer();
    let want = common::npy_vector("reference/eigenvalues/digits_mlp__plain_h1_test.npy");
    let f32s: Vec<u8> = x.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
    let f64s: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let file = safetensors(&[
        ("h1", "F32", vec![n, d], f32s.clone()),
        ("h1_f64", "F64", vec![n, d], f64s),
        ("h1_3d", "F32", vec![54, 10, d], f32s),
    ]);
    for key in ["h1", "h1_f64", "h1_3d"] {
        let got = analyze(file.clone(), Some(key)).unwrap();
        for (g, w) in got.eigenvalues.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-8 * want[0], "{key}");
        }
    }
    let listed = read::list_arrays(MemSource(file.clone()), "x.safetensors").unwrap();
    assert_eq!(listed.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["h1", "h1_3d", "h1_f64"]);
    assert_eq!(listed[1].flattened.as_deref(), Some("3-D [S=54, T=10, H=256] read as [S·T=540, H=256], row s·T + t"));
    assert_eq!(
        analyze(file, None).unwrap_err().to_string(),
        "the file holds 3 arrays that can be analysed; choose one: h1, h1_3d, h1_f64"
    );
}

#[test]
fn half_precision_matches_the_rounded_matrix() {
    let (n, d, x) = common::layer();
    for (dtype, round, bits) in [
        (
            "F16",
            (|v: f64| half::f16::from_f64(v).to_f64()) as fn(f64) -> f64,
            (|v: f64| half::f16::from_f64(v).to_bits()) as fn(f64) -> u16,
        ),
        ("BF16", |v| half::bf16::from_f64(v).to_f64(), |v| half::bf16::from_f64(v).to_bits()),
    ] {
        let bytes: Vec<u8> = x.iter().flat_map(|v| bits(*v).to_le_bytes()).collect();
        let got = analyze(safetensors(&[("h", dtype, vec![n, d], bytes)]), None).unwrap();
        let rounded: Vec<f64> = x.iter().map(|v| round(*v)).collect();
        let mut rows = read::SliceRows::new(&rounded, d);
        let want = eigenlens::analysis::analyze(&mut rows, &Default::default(), &mut |_, _| true).unwrap();
        for (g, w) in got.eigenvalues.iter().zip(&want.eigenvalues) {
            assert!((g - w).abs() <= 1e-10 * want.eigenvalues[0], "{dtype}");
        }
    }
}

#[test]
fn lying_headers_are_refused_by_name() {
    let data = vec![0u8; 64];
    let e = |bytes: Vec<u8>| analyze(bytes, Some("a")).unwrap_err().to_string();
    let mut beyond = raw("{}", &data);
    beyond[..8].copy_from_slice(&1000u64.to_le_bytes());
    assert_eq!(e(beyond), "bad safetensors header: the header length 1000 runs past the end of the file (74 bytes)");
    let overlap = r#"{"a":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]},"b":{"dtype":"F32","shape":[2,4],"data_offsets":[16,48]}}"#;
    assert_eq!(e(raw(overlap, &data)), "bad safetensors header: tensors 'a' and 'b' overlap");
    let out_of_range = r#"{"a":{"dtype":"F32","shape":[4,8],"data_offsets":[0,128]}}"#;
    assert_eq!(
        e(raw(out_of_range, &data)),
        "bad safetensors header: tensor 'a': data_offsets [0, 128] run past the data section (64 bytes)"
    );
    let wrong_size = r#"{"a":{"dtype":"F32","shape":[4,8],"data_offsets":[0,64]}}"#;
    assert_eq!(
        e(raw(wrong_size, &data)),
        "bad safetensors header: tensor 'a': data_offsets [0, 64] hold 64 bytes but its shape and dtype need 128"
    );
    let fine = r#"{"x":{"dtype":"F32","shape":[2,8],"data_offsets":[0,64]}}"#;
    assert_eq!(e(raw(fine, &data)), "no array named 'a' in the file; it holds: x");
    assert_eq!(e(raw("[1,2]", &data)).split(':').next(), Some("bad safetensors header"));
}

/// A tensor of a dtype eigenlens does not read (FP8 here) is listed as not analysable and does
/// not stop the file's other tensors from being read; its size is still checked.
#[test]
fn unread_dtypes_are_listed_beside_readable_tensors() {
    let (n, d, x) = common::layer();
    let f32s: Vec<u8> = x.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
    let bytes = safetensors(&[("q", "F8_E4M3", vec![4, 8], vec![0u8; 32]), ("h", "F32", vec![n, d], f32s)]);
    let listed = read::list_arrays(MemSource(bytes.clone()), "x.safetensors").unwrap();
    let summary: Vec<(&str, bool, &str)> =
        listed.iter().map(|a| (a.name.as_str(), a.analysable, a.dtype.as_str())).collect();
    assert_eq!(summary, [("h", true, "f32"), ("q", false, "F8_E4M3")]);
    assert_eq!(
        listed[1].why.as_deref(),
        Some("unsupported dtype 'F8_E4M3': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays")
    );
    let want = common::npy_vector("reference/eigenvalues/digits_mlp__plain_h1_test.npy");
    let got = analyze(bytes, None).unwrap();
    assert!((got.eigenvalues[0] - want[0]).abs() <= 1e-6 * want[0]);

    let short = safetensors(&[("q", "F8_E4M3", vec![4, 8], vec![0u8; 16])]);
    assert_eq!(
        read::list_arrays(MemSource(short), "x.safetensors").unwrap_err().to_string(),
        "bad safetensors header: tensor 'q': data_offsets [0, 16] hold 16 bytes but its shape and dtype need 32"
    );
}
