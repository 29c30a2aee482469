//! Per-position centring of an [S, T, H] tensor (`--centre-positions`, `Preprocess::
//! centre_positions`): each position's mean over sequences subtracted, the pooled
//! within-position covariance W/(N − T'). NumPy's eigenvalues for the writers' token tensor are
//! in tests/data/science/centred_positions.json (make_centred_positions.py beside it): the whole
//! tensor, with the first position skipped, and a row range that cuts sequences. Shares of rows
//! merged (as the CLI's threads do) give the one-reader answer; misuse is refused by name.

mod common;

use common::{data, json, run};
use eigenlens::analysis::{self, Preprocess, Share};
use eigenlens::read::{self, source::FileSource, ReadOptions};
use eigenlens::stats::FitRequest;

fn tokens() -> String {
    data("writers/tokens.npy").to_string_lossy().into_owned()
}

fn expected() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(data("science/centred_positions.json")).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    let worst = got.iter().zip(want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
    assert!(worst <= 1e-10 * want[0], "worst |Δλ| {worst} (λ₁ {})", want[0]);
}

#[test]
fn the_cli_gives_numpys_within_position_spectrum() {
    let cases = &expected()["cases"];
    for case in ["whole", "skip1", "rows5_100"] {
        let mut args = vec!["analyze".to_string(), tokens(), "--centre-positions".into(), "--json".into()];
        args.extend(cases[case]["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = json(&args);
        assert_close(&floats(&r["eigenvalues"]), &floats(&cases[case]["eigenvalues"]));
        assert_eq!(r["preprocessing"]["positions_centred"], true, "{case}");
    }
    // Without it, the positions' own signal dominates: total variance 574 against ≈ 3.
    let plain = json(&["analyze", &tokens(), "--json"]);
    let want = cases["plain_total_variance"].as_f64().unwrap();
    assert!((plain["total_variance"].as_f64().unwrap() - want).abs() <= 1e-9 * want);
}

#[test]
fn shares_of_rows_merge_to_the_one_reader_answer() {
    let path = data("writers/tokens.npy");
    let pre = Preprocess { centre_positions: true, ..Default::default() };
    let fit = FitRequest { lo: 2, hi: 10, ..Default::default() };
    let share = |rows: std::ops::Range<u64>| {
        let source = FileSource::open(&path).unwrap();
        let mut opened =
            read::open_matrix_with(source, "tokens.npy", None, Some(rows), &ReadOptions::default()).unwrap();
        let positions = analysis::position_sums_for(&opened.info, opened.rows.as_ref(), &pre).unwrap();
        assert!(positions.is_some());
        analysis::accumulate_share(opened.rows.as_mut(), "f32", false, positions, &mut |_, _| true).unwrap()
    };
    // Cuts inside sequences (T = 16), one share shorter than a sequence.
    let parts: Vec<Share> = [0u64, 7, 40, 45, 128].windows(2).map(|w| share(w[0]..w[1])).collect();
    let merged = analysis::report_from_share(Share::merge_all(parts).unwrap(), &fit, &pre).unwrap();
    let whole = analysis::report_from_share(share(0..128), &fit, &pre).unwrap();
    assert_close(&merged.eigenvalues, &whole.eigenvalues);
    assert_close(&merged.eigenvalues, &floats(&expected()["cases"]["whole"]["eigenvalues"]));
}

#[test]
fn misuse_is_refused_by_name() {
    let matrix = data("digits_mlp/plain_h1_test.f32.npy").to_string_lossy().into_owned();
    let (code, _, stderr) = run(&["analyze", &matrix, "--centre-positions"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("centre_positions applies to a 3-D [S, T, H] tensor"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &tokens(), "--centre-positions", "--drop-nonfinite"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot be combined with drop_nonfinite"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &tokens(), "--centre-positions", "--bootstrap", "20"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--centre-positions"), "{stderr}");
}
