//! Moments files (`eigenlens::moments_file`, docs/MOMENTS.md): the round trip Moments → file →
//! Moments is bit-exact; three shares of a reference matrix written as files, read back and
//! merged in any order give NumPy's eigenvalues (tests/data/reference.json, written by
//! /work/shared/tools/numpy_reference.py: `np.linalg.eigvalsh(np.cov(X, rowvar=False))[::-1]`)
//! as the whole matrix read at once does; and every malformed file is refused with its own
//! typed error.

mod common;

use common::{data, npy_vector, reference};
use eigenlens::analysis::{self, Accumulated};
use eigenlens::error::{Error, MomentsFileError, ShareError};
use eigenlens::moments_file::{self, LayerMoments};
use eigenlens::read::{self, source::FileSource, MemSource};
use eigenlens::stats::{FitRequest, Moments};
use std::ops::Range;

const H1: &str = "digits_mlp/plain_h1_test.f32.npy";

fn moments_of(rel: &str, rows: Option<Range<u64>>) -> Moments {
    let path = data(rel);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut opened = read::open_matrix(FileSource::open(&path).unwrap(), &name, None, rows).unwrap();
    analysis::accumulate(opened.rows.as_mut(), false, &mut |_, _| true).unwrap().moments
}

fn layer(name: &str, moments: Moments) -> LayerMoments {
    LayerMoments { layer: name.into(), moments, source_dtype: "float32".into(), cross_scatter: None }
}

fn read_bytes(bytes: &[u8]) -> eigenlens::Result<Vec<LayerMoments>> {
    moments_file::read(&mut MemSource(bytes))
}

fn small() -> Moments {
    let mut m = Moments::new(3);
    m.add_block(&mut [1.0, 2.0, 3.0, -1.0, 0.5, 4.0, 2.0, 2.0, 2.5, 0.25, -3.0, 1e3], 4);
    m
}

use common::safetensors_bytes as safetensors;

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

const META: [(&str, &str); 3] =
    [("format", "eigenlens-moments"), ("version", "1"), ("axis", "rows are inputs, columns are units")];

/// A 2-unit layer whose tensors are given explicitly, for the refusals.
fn two_units(count: i64, scatter: [f64; 4], mean0: f64) -> Vec<(&'static str, &'static str, Vec<u64>, Vec<u8>)> {
    vec![
        ("count", "I64", vec![1], count.to_le_bytes().to_vec()),
        ("mean", "F64", vec![2], f64_bytes(&[mean0, 1.0])),
        ("scatter", "F64", vec![2, 2], f64_bytes(&scatter)),
        ("min", "F64", vec![2], f64_bytes(&[-1.0, 0.0])),
        ("max", "F64", vec![2], f64_bytes(&[1.0, 2.0])),
    ]
}

#[test]
fn the_file_round_trip_is_exact_and_self_describing() {
    let m = small();
    let bytes = moments_file::to_bytes(&[layer("h1", m.clone())]).unwrap();
    // The header length is a multiple of 8, so each tensor is 8-byte aligned.
    assert_eq!(u64::from_le_bytes(bytes[..8].try_into().unwrap()) % 8, 0);
    let back = read_bytes(&bytes).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].layer, "h1");
    assert_eq!(back[0].source_dtype, "float32");
    assert_eq!(back[0].moments.to_flat(), m.to_flat(), "bit-identical");
    assert!(moments_file::is_moments_file(&mut MemSource(&bytes)));
    // The tensors are the documented ones, listed by the ordinary safetensors reader.
    let (tensors, meta) = read::safetensors::tensors_and_metadata(&mut MemSource(&bytes)).unwrap();
    let names: Vec<(&str, &str, &[u64])> =
        tensors.iter().map(|t| (t.name.as_str(), t.dtype.as_str(), t.shape.as_slice())).collect();
    assert_eq!(
        names,
        [
            ("count", "I64", &[1][..]),
            ("max", "F64", &[3]),
            ("mean", "F64", &[3]),
            ("min", "F64", &[3]),
            ("scatter", "F64", &[3, 3])
        ]
    );
    assert_eq!(meta["format"], "eigenlens-moments");
    assert_eq!(meta["version"], "1");
    assert_eq!(meta["layer"], "h1");
    assert_eq!(meta["axis"], "rows are inputs, columns are units");
    // The scatter is stored whole and symmetric: (0, 2) and (2, 0) both hold M₀₂ = Σ(x₀−μ₀)(x₂−μ₂).
    // Rows: (1,2,3), (−1,0.5,4), (2,2,2.5), (0.25,−3,1000); μ₀ = 0.5625, μ₂ = 252.375.
    let x = [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0], [2.0, 2.0, 2.5], [0.25, -3.0, 1e3]];
    let mu: Vec<f64> = (0..3).map(|j| x.iter().map(|r| r[j]).sum::<f64>() / 4.0).collect();
    let m02: f64 = x.iter().map(|r| (r[0] - mu[0]) * (r[2] - mu[2])).sum();
    let scatter = tensors.iter().find(|t| t.name == "scatter").unwrap();
    let off = scatter.array.as_ref().unwrap().offset as usize;
    let at = |k: usize| f64::from_le_bytes(bytes[off + 8 * k..off + 8 * k + 8].try_into().unwrap());
    assert_eq!(at(2), at(6));
    assert!((at(2) - m02).abs() <= 1e-12 * m02.abs(), "{} vs {m02}", at(2));
}

#[test]
fn several_layers_share_one_file_under_prefixes() {
    let bytes =
        moments_file::to_bytes(&[layer("blocks.0.mlp", small()), layer("h2", moments_of(H1, Some(0..9)))]).unwrap();
    let (tensors, _) = read::safetensors::tensors_and_metadata(&mut MemSource(&bytes)).unwrap();
    assert!(tensors.iter().any(|t| t.name == "blocks.0.mlp.scatter"));
    let layers = read_bytes(&bytes).unwrap();
    assert_eq!(layers.iter().map(|l| l.layer.as_str()).collect::<Vec<_>>(), ["blocks.0.mlp", "h2"]);
    assert_eq!(layers[1].moments.dim(), 256);
    assert_eq!(layers[1].moments.count(), 9);
    let e = moments_file::choose(layers.clone(), None).unwrap_err();
    assert_eq!(e, MomentsFileError::ChooseLayer { available: vec!["blocks.0.mlp".into(), "h2".into()] }.into());
    assert_eq!(moments_file::choose(layers.clone(), Some("h2")).unwrap().moments.count(), 9);
    let e = moments_file::choose(layers, Some("h3")).unwrap_err();
    assert!(e.to_string().starts_with("no layer named 'h3' in the moments file; it holds: blocks.0.mlp, h2"), "{e}");
}

#[test]
fn three_shares_through_files_merge_to_numpys_eigenvalues_in_any_order() {
    let reference = reference();
    let m = &reference["matrices"]["digits_mlp/plain_h1_test"];
    let want = npy_vector(m["eigenvalues_npy"].as_str().unwrap());
    let files: Vec<Vec<u8>> = [0..100u64, 100..102, 102..540]
        .into_iter()
        .map(|r| moments_file::to_bytes(&[layer("h1", moments_of(H1, Some(r)))]).unwrap())
        .collect();
    let whole = analysis::spectrum_report(
        Accumulated { moments: moments_of(H1, None), rows_dropped: 0 },
        &FitRequest::default(),
    )
    .unwrap();
    let tol = 1e-10 * want[0];
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
        let shares: Vec<Vec<LayerMoments>> = order.iter().map(|&i| read_bytes(&files[i]).unwrap()).collect();
        let (merged, notes) = moments_file::merge(shares).unwrap();
        assert!(notes.is_empty());
        let merged = merged.into_iter().next().unwrap();
        assert_eq!(merged.moments.count(), 540);
        // Written again and read back, the merged share is unchanged.
        let again = read_bytes(&moments_file::to_bytes(std::slice::from_ref(&merged)).unwrap()).unwrap();
        assert_eq!(again[0].moments.to_flat(), merged.moments.to_flat());
        let acc = Accumulated { moments: merged.moments, rows_dropped: 0 };
        let report = analysis::spectrum_report(acc, &FitRequest::default()).unwrap();
        for (i, w) in want.iter().enumerate() {
            assert!((report.eigenvalues[i] - w).abs() <= tol, "{order:?} λ{i}: {} vs NumPy {w}", report.eigenvalues[i]);
            assert!((report.eigenvalues[i] - whole.eigenvalues[i]).abs() <= tol, "{order:?} λ{i}: merged vs whole");
        }
        assert_eq!(report.numerical_rank, m["numerical_rank"].as_u64().unwrap() as usize);
        assert_eq!(report.n_constant_columns, m["n_constant_columns"].as_u64().unwrap() as usize);
        let (a, b) = (report.alpha_fit.alpha.unwrap(), whole.alpha_fit.alpha.unwrap());
        assert!((a - b).abs() < 1e-9, "α {a} vs {b}");
    }
}

#[test]
fn report_of_files_is_the_report_of_all_rows_and_says_what_it_is_and_what_it_cannot_give() {
    let reference = reference();
    let m = &reference["matrices"]["digits_mlp/plain_h1_test"];
    let want_alpha = m["alpha_fit_stringer"]["alpha"].as_f64().unwrap();
    let shares = [300..540u64, 0..120, 120..300].map(|r| vec![layer("h1", moments_of(H1, Some(r)))]);
    let fit = FitRequest::default();
    let pre = analysis::Preprocess::default();
    let report = moments_file::report_of_files(shares.to_vec(), None, "f.safetensors", &fit, &pre).unwrap();
    let alpha = report.alpha_fit.alpha.unwrap();
    assert!((alpha - want_alpha).abs() < 1e-6, "α {alpha} vs NumPy's {want_alpha}");
    let source = report.source.as_ref().unwrap();
    assert_eq!((source.name.as_str(), source.dtype.as_str(), source.rows, source.cols), ("h1", "moments", 540, 256));
    assert!(report.warnings[0].starts_with("analysed from a moments file (count, mean and scatter of 540 rows"));
    assert!(report.warnings[0].contains("the bootstrap needs the rows themselves"));
    assert_eq!(report.warnings[1], "3 moments files merged (the Chan update): rows of all of them");
    // One file: no merge note; a layer that is not there is named with those that are.
    let one = moments_file::report_of_files(vec![shares[0].clone()], None, "f", &fit, &pre).unwrap();
    assert!(!one.warnings.iter().any(|w| w.contains("merged")));
    let missing = moments_file::report_of_files(vec![shares[0].clone()], Some("h2"), "f", &fit, &pre).unwrap_err();
    assert!(matches!(missing, Error::MomentsFile(MomentsFileError::NoSuchLayer { .. })), "{missing}");
}

#[test]
fn row_settings_on_moments_are_refused_not_ignored() {
    let default = read::ReadOptions::default();
    assert!(moments_file::check_row_settings(false, false, &default, false).is_ok());
    let transposed = read::ReadOptions { transpose: true, ..Default::default() };
    for (rows, drop, opts, centre) in [
        (true, false, &default, false),
        (false, true, &default, false),
        (false, false, &transposed, false),
        (false, false, &default, true),
    ] {
        let e = moments_file::check_row_settings(rows, drop, opts, centre).unwrap_err();
        assert!(e.to_string().contains("a moments file holds no rows"), "{e}");
    }
}

#[test]
fn merging_refuses_unequal_widths_and_different_layers_and_drops_cross_scatter_with_a_note() {
    let a = vec![layer("h1", small())];
    let mut wide = Moments::new(4);
    wide.add_block(&mut [1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 0.0, 1.0], 2);
    let e = moments_file::merge(vec![a.clone(), vec![layer("h1", wide)]]).unwrap_err();
    assert_eq!(e, MomentsFileError::UnequalUnits { layer: "h1".into(), left: 3, right: 4 }.into());
    assert_eq!(
        e.to_string(),
        "cannot merge layer 'h1': 3 units in one file, 4 in another; the files must come from the same layer of the \
         same model"
    );
    let e = moments_file::merge(vec![a.clone(), vec![layer("h2", small())]]).unwrap_err();
    assert_eq!(e, MomentsFileError::DifferentLayers { left: vec!["h1".into()], right: vec!["h2".into()] }.into());
    let mut crossed = layer("h1", small());
    crossed.cross_scatter = Some(vec![0.5; 9]);
    // Written and read back with its cross_scatter.
    let back = read_bytes(&moments_file::to_bytes(std::slice::from_ref(&crossed)).unwrap()).unwrap();
    assert_eq!(back[0].cross_scatter, Some(vec![0.5; 9]));
    // Source dtypes: kept when equal or unknown, joined when they differ.
    let mut bf16 = layer("h1", small());
    bf16.source_dtype = "bfloat16".into();
    let mut unknown = layer("h1", small());
    unknown.source_dtype = String::new();
    let (joined, _) = moments_file::merge(vec![a.clone(), vec![unknown], vec![bf16], a.clone()]).unwrap();
    assert_eq!(joined[0].source_dtype, "float32+bfloat16");
    let (merged, notes) = moments_file::merge(vec![a, back]).unwrap();
    assert_eq!(merged[0].cross_scatter, None);
    assert_eq!(merged[0].moments.count(), 8);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with("h1: cross_scatter dropped"), "{notes:?}");
}

#[test]
fn malformed_files_are_refused_each_with_its_own_error() {
    let ok = safetensors(&META, &two_units(5, [2.0, 0.5, 0.5, 3.0], 0.0));
    assert_eq!(read_bytes(&ok).unwrap()[0].moments.count(), 5);
    let err = |meta: &[(&str, &str)], t: Vec<(&str, &str, Vec<u64>, Vec<u8>)>| {
        read_bytes(&safetensors(meta, &t)).unwrap_err()
    };

    // A plain activations file, and a file of another format.
    let e = err(&[], two_units(5, [2.0, 0.5, 0.5, 3.0], 0.0));
    assert_eq!(e, MomentsFileError::NotMoments { found: None }.into());
    assert_eq!(e.to_string(), "not a moments file: its __metadata__ has format = (none), not eigenlens-moments");
    assert_eq!(err(&[("format", "pt")], vec![]), MomentsFileError::NotMoments { found: Some("pt".into()) }.into());
    let e = err(&[META[0], ("version", "2"), META[2]], two_units(5, [2.0, 0.5, 0.5, 3.0], 0.0));
    assert_eq!(e, MomentsFileError::Version { found: "2".into() }.into());
    assert!(e.to_string().starts_with("moments file version '2' is not one this eigenlens reads (version 1)"), "{e}");
    assert_eq!(err(&[META[0], META[2]], vec![]), MomentsFileError::Version { found: "none".into() }.into());
    let e = err(&[META[0], META[1], ("axis", "rows are units")], vec![]);
    assert!(matches!(e, Error::MomentsFile(MomentsFileError::Metadata { ref key, .. }) if key == "axis"), "{e:?}");
    assert_eq!(err(&META, vec![]), MomentsFileError::NoLayers.into());

    // Tensors missing or of the wrong type or shape.
    let mut t = two_units(5, [2.0, 0.5, 0.5, 3.0], 0.0);
    t.remove(2);
    assert_eq!(
        err(&META, t),
        MomentsFileError::MissingTensor { layer: String::new(), tensor: "scatter".into() }.into()
    );
    let mut t = two_units(5, [2.0, 0.5, 0.5, 3.0], 0.0);
    t[0] = ("count", "F64", vec![1], f64_bytes(&[5.0]));
    let e = err(&META, t);
    assert_eq!(
        e,
        MomentsFileError::BadTensor {
            layer: String::new(),
            tensor: "count".into(),
            detail: "is F64 [1]; it must be I64 [1]".into()
        }
        .into()
    );
    assert_eq!(e.to_string(), "the layer of the moments file: tensor 'count' is F64 [1]; it must be I64 [1]");
    let mut t = two_units(5, [2.0, 0.5, 0.5, 3.0], 0.0);
    t[2] = ("scatter", "F64", vec![4], f64_bytes(&[2.0, 0.5, 0.5, 3.0]));
    assert!(
        matches!(err(&META, t), Error::MomentsFile(MomentsFileError::BadTensor { ref tensor, .. }) if tensor == "scatter")
    );

    // count below 2.
    let e = err(&META, two_units(1, [2.0, 0.5, 0.5, 3.0], 0.0));
    assert_eq!(e, MomentsFileError::TooFewRows { layer: String::new(), count: 1 }.into());
    assert_eq!(e.to_string(), "the layer of the moments file has count = 1; a covariance needs at least 2 rows");
    assert_eq!(
        err(&META, two_units(-3, [2.0, 0.5, 0.5, 3.0], 0.0)),
        MomentsFileError::TooFewRows { layer: String::new(), count: -3 }.into()
    );

    // NaN (in the mean, and in the scatter).
    let e = err(&META, two_units(5, [2.0, 0.5, 0.5, 3.0], f64::NAN));
    assert!(
        matches!(e, Error::MomentsFile(MomentsFileError::NonFinite { ref tensor, index: 0, value, .. })
            if tensor == "mean" && value.is_nan()),
        "{e:?}"
    );
    let e = err(&META, two_units(5, [2.0, 0.5, f64::INFINITY, 3.0], 0.0));
    assert!(
        matches!(e, Error::MomentsFile(MomentsFileError::NonFinite { ref tensor, index: 2, .. }) if tensor == "scatter"),
        "{e:?}"
    );

    // Asymmetric: 0.5 against 0.5 + 1e-9 (relative 2e-9 of √(2·3) ≈ 2.45); within 1e-12 passes.
    let e = err(&META, two_units(5, [2.0, 0.5, 0.5 + 1e-9, 3.0], 0.0));
    assert_eq!(
        e,
        MomentsFileError::AsymmetricScatter { layer: String::new(), row: 0, col: 1, upper: 0.5, lower: 0.5 + 1e-9 }
            .into()
    );
    assert!(e.to_string().contains("entry (0, 1) is 5e-1 but (1, 0) is 5.00000001e-1"), "{e}");
    assert!(read_bytes(&safetensors(&META, &two_units(5, [2.0, 0.5, 0.5 + 1e-13, 3.0], 0.0))).is_ok());

    // A negative diagonal.
    let e = err(&META, two_units(5, [2.0, 0.5, 0.5, -3.0], 0.0));
    assert_eq!(e, MomentsFileError::NegativeVariance { layer: String::new(), unit: 1, value: -3.0 }.into());

    // The writer refuses what the reader would: fewer than two rows.
    let mut one = Moments::new(2);
    one.add_block(&mut [1.0, 2.0], 1);
    let e = moments_file::to_bytes(&[layer("h1", one)]).unwrap_err();
    assert_eq!(e, MomentsFileError::TooFewRows { layer: "h1".into(), count: 1 }.into());

    // Moments::merge's own refusal is still the share error.
    let mut a = small();
    assert_eq!(a.merge(&Moments::new(2)).unwrap_err(), ShareError::UnequalUnits { left: 3, right: 2 }.into());
}
