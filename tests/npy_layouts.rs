//! Every .npy layout and dtype that 0.1 reads gives the eigenvalues of the same matrix: the
//! files are written here from a real reference layer, so the answer is known exactly.

mod common;

use eigenlens::analysis::{self, Options, Report};
use eigenlens::read::{self, MemSource};

/// An .npy file of format `version` with `dict` as header and `data` after it.
fn npy(version: u8, dict: &str, data: &[u8]) -> Vec<u8> {
    let prefix = if version == 1 { 10 } else { 12 };
    let mut h = dict.to_string();
    while (prefix + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out
}

fn dict(descr: &str, fortran: bool, shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let f = if fortran { "True" } else { "False" };
    format!("{{'descr': '{descr}', 'fortran_order': {f}, 'shape': ({}), }}", dims.join(", "))
}

fn analyze(bytes: Vec<u8>) -> Report {
    common::analyze_bytes("x.npy", bytes).unwrap()
}

fn analyze_memory(x: &[f64], d: usize) -> Report {
    let mut rows = read::SliceRows::new(x, d);
    analysis::analyze(&mut rows, &Options::default(), &mut |_, _| true).unwrap()
}

fn assert_same_spectrum(got: &Report, want: &Report, what: &str) {
    let l1 = want.eigenvalues[0];
    for (g, w) in got.eigenvalues.iter().zip(&want.eigenvalues) {
        assert!((g - w).abs() <= 1e-10 * l1, "{what}: {g} vs {w}");
    }
    assert_eq!((got.n_rows, got.n_cols), (want.n_rows, want.n_cols), "{what}");
    assert!((got.alpha_fit.alpha.unwrap() - want.alpha_fit.alpha.unwrap()).abs() < 1e-9, "{what}");
}

#[test]
fn versions_byte_orders_and_orders_agree() {
    let (n, d, x) = common::layer();
    let want = analyze_memory(&x, d);
    let le32: Vec<u8> = x.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
    for version in [1, 2, 3] {
        let got = analyze(npy(version, &dict("<f4", false, &[n, d]), &le32));
        assert_same_spectrum(&got, &want, &format!("version {version}"));
    }
    let be64: Vec<u8> = x.iter().flat_map(|v| v.to_be_bytes()).collect();
    assert_same_spectrum(&analyze(npy(1, &dict(">f8", false, &[n, d]), &be64)), &want, "big-endian f64");
    let fortran: Vec<u8> = (0..d)
        .flat_map(|j| (0..n).map(move |i| (i, j)))
        .flat_map(|(i, j)| (x[i * d + j] as f32).to_le_bytes())
        .collect();
    assert_same_spectrum(&analyze(npy(1, &dict("<f4", true, &[n, d]), &fortran)), &want, "Fortran order");
}

#[test]
fn three_d_tensors_are_read_as_s_t_by_h_in_both_orders() {
    let (n, d, x) = common::layer();
    let want = analyze_memory(&x, d);
    let (s, t) = (54, 10);
    assert_eq!(s * t, n);
    let c_order: Vec<u8> = x.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
    let got = analyze(npy(1, &dict("<f4", false, &[s, t, d]), &c_order));
    assert_same_spectrum(&got, &want, "3-D C order");
    assert_eq!(got.n_rows, 540);
    // Fortran [S, T, H]: (s, t, h) at s + S·t + S·T·h; row s·T + t.
    let mut f = vec![0f32; n * d];
    for si in 0..s {
        for ti in 0..t {
            for h in 0..d {
                f[si + s * ti + s * t * h] = x[(si * t + ti) * d + h] as f32;
            }
        }
    }
    let f_bytes: Vec<u8> = f.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_same_spectrum(&analyze(npy(1, &dict("<f4", true, &[s, t, d]), &f_bytes)), &want, "3-D Fortran");
    let mut opened =
        read::open_matrix(MemSource(npy(1, &dict("<f4", false, &[s, t, d]), &c_order)), "x.npy", None, None).unwrap();
    assert_eq!(opened.info.flattened.as_deref(), Some("3-D [S=54, T=10, H=256] read as [S·T=540, H=256], row s·T + t"));
    assert!(opened.rows.next_block(&mut Vec::new()).is_ok());
}

#[test]
fn half_precision_integers_and_bool_are_read_as_stored() {
    let (n, d, x) = common::layer();
    // f16: compare with the same values rounded to f16 in memory.
    let rounded: Vec<f64> = x.iter().map(|v| half::f16::from_f64(*v).to_f64()).collect();
    let f16_bytes: Vec<u8> = x.iter().flat_map(|v| half::f16::from_f64(*v).to_le_bytes()).collect();
    assert_same_spectrum(
        &analyze(npy(1, &dict("<f2", false, &[n, d]), &f16_bytes)),
        &analyze_memory(&rounded, d),
        "f16",
    );
    // Integers: the layer quantised to i16 and u8, compared with the same integers in memory.
    let q: Vec<f64> = x.iter().map(|v| (v * 1000.0).round()).collect();
    let i16_be: Vec<u8> = q.iter().flat_map(|v| (*v as i16).to_be_bytes()).collect();
    assert_same_spectrum(&analyze(npy(1, &dict(">i2", false, &[n, d]), &i16_be)), &analyze_memory(&q, d), "i16");
    let active: Vec<f64> = x.iter().map(|v| if *v > 0.0 { 1.0 } else { 0.0 }).collect();
    let bools: Vec<u8> = active.iter().map(|v| *v as u8).collect();
    assert_same_spectrum(&analyze(npy(1, &dict("|b1", false, &[n, d]), &bools)), &analyze_memory(&active, d), "bool");
    let u8s = analyze(npy(1, &dict("|u1", false, &[n, d]), &bools));
    assert_same_spectrum(&u8s, &analyze_memory(&active, d), "u8");
}
