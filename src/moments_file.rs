//! Moments files: a layer's activations reduced to what every spectrum analysis needs, so that
//! they can be computed where the activations are produced and merged from many shares
//! (`docs/MOMENTS.md` is the format's definition).
//!
//! A moments file is a safetensors file. For each layer, with N rows x₁…x_N ∈ ℝᴰ (rows are
//! inputs, columns are units):
//!
//! - `count`: I64 [1], N;
//! - `mean`: F64 [D], μ = (1/N) Σₖ xₖ;
//! - `scatter`: F64 [D, D], M = Σₖ (xₖ − μ)(xₖ − μ)ᵀ (symmetric; C = M / (N − 1));
//! - `min`, `max`: F64 [D], each unit's smallest and largest value (a constant unit has
//!   min = max);
//! - optionally `cross_scatter`: F64 [D, D], Σₖ (aₖ − μ_a)(bₖ − μ_b)ᵀ for two repeats a, b of the
//!   same inputs (for cross-validated PCA; read and written here, not yet merged or analysed).
//!
//! One layer may be stored unprefixed (`count`, `mean`, …) or, like several layers in one
//! file, under its name as a prefix (`blocks.5.count`, `blocks.5.mean`, …): the layer of a
//! tensor `P.count` is `P`. `__metadata__` holds `format = eigenlens-moments`, `version = 1`,
//! `axis = rows are inputs, columns are units`, and optionally `layer` (the name of an
//! unprefixed layer) and `source_dtype` (the activations' dtype; `P.source_dtype` per layer).
//!
//! Shares merge by the Chan–Golub–LeVeque update ([`crate::stats::Moments::merge`]): the merge
//! of files over disjoint rows equals the moments of all the rows in one pass, to round-off,
//! in any order. The file ↔ [`Moments`] round trip is exact: the core keeps the upper
//! triangle of M, the file stores it mirrored, and reading takes the upper triangle back.
//!
//! Reading refuses ([`MomentsFileError`]): a file without the format or of another version, a
//! missing tensor or one of the wrong dtype or shape, a count below 2, a NaN or ±Inf, a scatter
//! whose (i, j) and (j, i) entries differ by more than 1e-12 of max(|M_ij|, |M_ji|, √(M_ii M_jj))
//! (the Cauchy–Schwarz bound on |M_ij|, so that tiny cross terms are judged on the units'
//! scale), and a negative diagonal. What a moments file cannot give: anything that needs the
//! rows themselves (the bootstrap, shuffles, smoothness along a sweep) and the rounding-noise
//! floor of f16/bf16 storage, which needs per-unit sums the file does not hold.

use crate::analysis::{self, check_units, Accumulated, Preprocess, Report};
use crate::error::{Error, MomentsFileError, Result};
use crate::read::safetensors::{self, Tensor};
use crate::read::{ArrayInfo, ReadOptions, Source};
use crate::stats::{FitRequest, Moments};
use std::collections::BTreeMap;
use std::io::Write;

/// `__metadata__["format"]` of every moments file.
pub const FORMAT: &str = crate::read::safetensors::MOMENTS_FORMAT;
/// The version this build writes and reads.
pub const VERSION: &str = "1";
/// `__metadata__["axis"]`: the orientation of the rows the moments were taken over.
pub const AXIS: &str = "rows are inputs, columns are units";
/// The largest count read exactly: the core holds N as a double.
const MAX_COUNT: i64 = 1 << 53;

/// One layer's moments as a file holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerMoments {
    /// The layer's name: the tensors' prefix, or for unprefixed tensors the `layer` metadata
    /// (empty when absent).
    pub layer: String,
    pub moments: Moments,
    /// The dtype of the activations the moments were taken from ("float32", "bfloat16", …;
    /// empty when unknown).
    pub source_dtype: String,
    /// Σ (a − μ_a)(b − μ_b)ᵀ of two repeats, row-major D × D, when the file has it.
    pub cross_scatter: Option<Vec<f64>>,
}

/// Whether the safetensors bytes in `source` are a moments file (their metadata names the
/// format). Any other file, or one that is not safetensors at all, is `false`.
pub fn is_moments_file<S: Source>(source: &mut S) -> bool {
    safetensors::tensors_and_metadata(source)
        .is_ok_and(|(_, meta)| meta.get("format").map(String::as_str) == Some(FORMAT))
}

/// Reads and checks every layer of a moments file, in name order (an unprefixed layer first).
pub fn read<S: Source>(source: &mut S) -> Result<Vec<LayerMoments>> {
    let (tensors, meta) = safetensors::tensors_and_metadata(source)?;
    check_metadata(&meta)?;
    let by_name: BTreeMap<&str, &Tensor> = tensors.iter().map(|t| (t.name.as_str(), t)).collect();
    let prefixes: Vec<&str> = tensors
        .iter()
        .filter_map(|t| if t.name == "count" { Some("") } else { t.name.strip_suffix(".count") })
        .collect();
    if prefixes.is_empty() {
        return Err(MomentsFileError::NoLayers.into());
    }
    prefixes.iter().map(|&prefix| read_layer(source, &by_name, &meta, prefix)).collect()
}

/// The layer `key` of `layers`, or without a key the only one.
pub fn choose(mut layers: Vec<LayerMoments>, key: Option<&str>) -> Result<LayerMoments> {
    let names = || layers.iter().map(|l| l.layer.clone()).collect::<Vec<_>>();
    match key {
        Some(k) => match layers.iter().position(|l| l.layer == k) {
            Some(i) => Ok(layers.swap_remove(i)),
            None => Err(MomentsFileError::NoSuchLayer { layer: k.to_string(), available: names() }.into()),
        },
        None if layers.len() == 1 => Ok(layers.swap_remove(0)),
        None => Err(MomentsFileError::ChooseLayer { available: names() }.into()),
    }
}

/// Merges the layers of several files over disjoint rows, layer by layer (the Chan update).
/// Every file must hold the same layers with the same widths. The source dtype is kept when
/// all agree, else joined ("float32+bfloat16"). A `cross_scatter` cannot be merged from what
/// the file holds (it needs both repeats' means), so it is dropped: the returned notes say so.
pub fn merge(files: Vec<Vec<LayerMoments>>) -> Result<(Vec<LayerMoments>, Vec<String>)> {
    let mut files = files.into_iter();
    let Some(mut total) = files.next() else {
        return Err(MomentsFileError::NoLayers.into());
    };
    let mut notes = Vec::new();
    let names = |ls: &[LayerMoments]| ls.iter().map(|l| l.layer.clone()).collect::<Vec<_>>();
    for file in files {
        if names(&total) != names(&file) {
            return Err(MomentsFileError::DifferentLayers { left: names(&total), right: names(&file) }.into());
        }
        for (t, l) in total.iter_mut().zip(file) {
            let (left, right) = (t.moments.dim(), l.moments.dim());
            if left != right {
                return Err(MomentsFileError::UnequalUnits { layer: t.layer.clone(), left, right }.into());
            }
            t.moments.merge(&l.moments)?;
            t.source_dtype = join_dtypes(&t.source_dtype, &l.source_dtype);
            if t.cross_scatter.is_some() || l.cross_scatter.is_some() {
                t.cross_scatter = None;
                notes.push(format!(
                    "{}: cross_scatter dropped: merging it needs both repeats' means, which the file does not hold",
                    if t.layer.is_empty() { "the layer" } else { &t.layer }
                ));
            }
        }
    }
    notes.dedup();
    Ok((total, notes))
}

/// A moments file holds no rows: a row range, dropping non-finite rows, the reading options
/// (header, index column, transpose, skipped positions) and per-position centring apply when
/// the moments are written (`eigenlens moments`, `eigenlens.Moments`), so asking for them here
/// is refused rather than silently ignored.
pub fn check_row_settings(rows: bool, drop_nonfinite: bool, read: &ReadOptions, centre_positions: bool) -> Result<()> {
    if rows || drop_nonfinite || *read != ReadOptions::default() || centre_positions {
        return Err(Error::Setting(
            "a moments file holds no rows: a row range, dropping non-finite rows, centring positions and the \
             reading settings (header, index column, transpose, skipped positions) apply when the moments are \
             written (eigenlens moments, or eigenlens.Moments in Python)"
                .into(),
        ));
    }
    Ok(())
}

/// How a layer of a moments file stands among arrays: N rows × D units, dtype `moments`, named
/// by its layer (or by the file, `file_name`, when the layer has no name).
pub fn describe(layer: &LayerMoments, file_name: &str) -> ArrayInfo {
    let (n, d) = (layer.moments.count(), layer.moments.dim());
    let name = if layer.layer.is_empty() { file_name.to_string() } else { layer.layer.clone() };
    ArrayInfo { name, dtype: "moments".into(), shape: vec![n, d as u64], rows: n, cols: d, ..ArrayInfo::default() }
}

/// The report of one layer: the same spectrum, α and figures as the rows the moments were taken
/// from (the covariance is M / (N − 1) either way), with no precision floor, since the file
/// holds no rounding noise. The first warning says what was analysed and what a moments file
/// cannot give. `file_name` names an unnamed layer.
pub fn report(layer: LayerMoments, file_name: &str, fit: &FitRequest, pre: &Preprocess) -> Result<Report> {
    let info = describe(&layer, file_name);
    let n = info.rows;
    let stored = if layer.source_dtype.is_empty() { "an unrecorded dtype".to_string() } else { layer.source_dtype };
    let mut report = analysis::report_from(Accumulated { moments: layer.moments, rows_dropped: 0 }, None, fit, pre)?;
    report.source = Some(info);
    report.warnings.insert(
        0,
        format!(
            "analysed from a moments file (count, mean and scatter of {n} rows of {stored}), not from the rows: \
             the spectrum and α are those of the rows, but the precision floor of their storage is not measured, \
             and the bootstrap needs the rows themselves"
        ),
    );
    Ok(report)
}

/// The report of layer `key` of several moments files over disjoint rows, merged first
/// ([`merge`]; in any order, the result is that of one pass over all the rows). One file is
/// read as it is. `file_name` names an unnamed layer; merging adds a warning naming how many
/// files were merged, and the merge's notes.
pub fn report_of_files(
    files: Vec<Vec<LayerMoments>>,
    key: Option<&str>,
    file_name: &str,
    fit: &FitRequest,
    pre: &Preprocess,
) -> Result<Report> {
    let count = files.len();
    let (layers, notes) = merge(files)?;
    let mut report = report(choose(layers, key)?, file_name, fit, pre)?;
    if count > 1 {
        report.warnings.insert(1, format!("{count} moments files merged (the Chan update): rows of all of them"));
    }
    report.warnings.extend(notes);
    Ok(report)
}

/// The source dtype of merged shares: `a` when `b` is already among its '+'-joined names (or
/// empty), else both joined ("float32+bfloat16").
fn join_dtypes(a: &str, b: &str) -> String {
    if b.is_empty() || a.split('+').any(|d| d == b) {
        a.to_string()
    } else if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}+{b}")
    }
}

/// Writes `layers` as a moments file. A single layer is written unprefixed with its name in the
/// `layer` metadata; several layers are written under their names as prefixes (which must then
/// be distinct and non-empty). The header is padded with spaces to a multiple of 8 bytes, as
/// the safetensors reference writer does, so every tensor is 8-byte aligned.
pub fn write<W: Write>(layers: &[LayerMoments], out: &mut W) -> Result<()> {
    let single = layers.len() == 1;
    if layers.is_empty() {
        return Err(MomentsFileError::NoLayers.into());
    }
    if !single {
        let mut seen = std::collections::BTreeSet::new();
        if let Some(l) = layers.iter().find(|l| l.layer.is_empty() || !seen.insert(l.layer.as_str())) {
            return Err(Error::Setting(format!(
                "several layers in one moments file need distinct, non-empty names; '{}' is not",
                l.layer
            )));
        }
    }
    if let Some(l) = layers.iter().find(|l| l.moments.count() < 2) {
        let count = l.moments.count() as i64;
        return Err(MomentsFileError::TooFewRows { layer: l.layer.clone(), count }.into());
    }
    let mut meta = serde_json::Map::new();
    for (k, v) in [("format", FORMAT), ("version", VERSION), ("axis", AXIS)] {
        meta.insert(k.into(), v.into());
    }
    // (name, dtype, shape) of every tensor, in the order their bytes follow the header.
    let mut entries: Vec<(String, &str, Vec<u64>)> = Vec::new();
    for l in layers {
        let prefix = if single { String::new() } else { format!("{}.", l.layer) };
        if single {
            meta.insert("layer".into(), l.layer.clone().into());
            meta.insert("source_dtype".into(), l.source_dtype.clone().into());
        } else {
            meta.insert(format!("{prefix}source_dtype"), l.source_dtype.clone().into());
        }
        let d = l.moments.dim() as u64;
        entries.push((format!("{prefix}count"), "I64", vec![1]));
        entries.push((format!("{prefix}mean"), "F64", vec![d]));
        entries.push((format!("{prefix}scatter"), "F64", vec![d, d]));
        entries.push((format!("{prefix}min"), "F64", vec![d]));
        entries.push((format!("{prefix}max"), "F64", vec![d]));
        if l.cross_scatter.is_some() {
            entries.push((format!("{prefix}cross_scatter"), "F64", vec![d, d]));
        }
    }
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), meta.into());
    let mut offset = 0u64;
    for (name, dtype, shape) in &entries {
        let bytes = 8 * shape.iter().product::<u64>();
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    let mut header = serde_json::to_vec(&header).map_err(|e| Error::Io(e.to_string()))?;
    header.resize(header.len().div_ceil(8) * 8, b' ');
    out.write_all(&(header.len() as u64).to_le_bytes())?;
    out.write_all(&header)?;
    for l in layers {
        let m = &l.moments;
        let d = m.dim();
        let flat = m.to_flat();
        let (mean, rest) = flat[2..].split_at(d);
        let (min, rest) = rest.split_at(d);
        let (max, tri) = rest.split_at(d);
        // Row i of the upper triangle starts at Σ_{r<i} (d − r) = i·d − i(i−1)/2.
        let upper = |i: usize, j: usize| tri[i * d - i * i.saturating_sub(1) / 2 + (j - i)];
        out.write_all(&(m.count() as i64).to_le_bytes())?;
        write_f64s(out, mean)?;
        let mut row = vec![0.0; d];
        for i in 0..d {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if j >= i { upper(i, j) } else { upper(j, i) };
            }
            write_f64s(out, &row)?;
        }
        write_f64s(out, min)?;
        write_f64s(out, max)?;
        if let Some(cross) = &l.cross_scatter {
            write_f64s(out, cross)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// [`write`] into a new buffer.
pub fn to_bytes(layers: &[LayerMoments]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(layers, &mut out)?;
    Ok(out)
}

fn write_f64s<W: Write>(out: &mut W, values: &[f64]) -> Result<()> {
    let mut bytes = Vec::with_capacity(8 * values.len());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    out.write_all(&bytes)?;
    Ok(())
}

fn check_metadata(meta: &BTreeMap<String, String>) -> Result<()> {
    let format = meta.get("format");
    if format.map(String::as_str) != Some(FORMAT) {
        return Err(MomentsFileError::NotMoments { found: format.cloned() }.into());
    }
    match meta.get("version") {
        Some(v) if v == VERSION => {}
        other => return Err(MomentsFileError::Version { found: other.map_or("none".into(), Clone::clone) }.into()),
    }
    match meta.get("axis") {
        Some(a) if a == AXIS => Ok(()),
        other => Err(MomentsFileError::Metadata {
            key: "axis".into(),
            found: other.map_or("(none)".into(), Clone::clone),
            want: AXIS.into(),
        }
        .into()),
    }
}

/// Reads one layer's tensors (`prefix` + name) and checks them.
fn read_layer<S: Source>(
    source: &mut S,
    by_name: &BTreeMap<&str, &Tensor>,
    meta: &BTreeMap<String, String>,
    prefix: &str,
) -> Result<LayerMoments> {
    let layer = if prefix.is_empty() { meta.get("layer").cloned().unwrap_or_default() } else { prefix.to_string() };
    let full = |t: &str| if prefix.is_empty() { t.to_string() } else { format!("{prefix}.{t}") };
    let missing = |t: &str| MomentsFileError::MissingTensor { layer: layer.clone(), tensor: t.to_string() };
    let bad =
        |t: &str, detail: String| MomentsFileError::BadTensor { layer: layer.clone(), tensor: t.to_string(), detail };
    let get = |t: &str| by_name.get(full(t).as_str()).copied();

    // The width comes from the mean, and is checked before anything D × D is allocated.
    let mean_t = get("mean").ok_or_else(|| missing("mean"))?;
    let d = match *mean_t.shape.as_slice() {
        [d] => usize::try_from(d).unwrap_or(usize::MAX),
        _ => return Err(bad("mean", format!("has shape {:?}; it must be [D]", mean_t.shape)).into()),
    };
    check_units(d)?;
    let count_t = get("count").ok_or_else(|| missing("count"))?;
    let count = read_values(source, count_t, "I64", &[1], &layer)?;
    let count = i64::from_le_bytes(count[..8].try_into().map_err(|_| missing("count"))?);
    if count < 2 {
        return Err(MomentsFileError::TooFewRows { layer, count }.into());
    }
    if count > MAX_COUNT {
        return Err(bad("count", format!("is {count}, past 2⁵³, the largest count held exactly")).into());
    }
    let vector = |source: &mut S, t: &str| -> Result<Vec<f64>> {
        let tensor = get(t).ok_or_else(|| missing(t))?;
        f64s(&read_values(source, tensor, "F64", &[d as u64], &layer)?, &layer, t)
    };
    let mean = vector(source, "mean")?;
    let min = vector(source, "min")?;
    let max = vector(source, "max")?;
    let square = |source: &mut S, t: &str, tensor: &Tensor| -> Result<Vec<f64>> {
        f64s(&read_values(source, tensor, "F64", &[d as u64, d as u64], &layer)?, &layer, t)
    };
    let scatter = square(source, "scatter", get("scatter").ok_or_else(|| missing("scatter"))?)?;
    check_scatter(&scatter, d, &layer)?;
    let cross_scatter = match get("cross_scatter") {
        Some(t) => Some(square(source, "cross_scatter", t)?),
        None => None,
    };
    let mut flat = Vec::with_capacity(2 + 3 * d + d * (d + 1) / 2);
    flat.extend([d as f64, count as f64]);
    flat.extend_from_slice(&mean);
    flat.extend_from_slice(&min);
    flat.extend_from_slice(&max);
    for i in 0..d {
        flat.extend_from_slice(&scatter[i * d + i..(i + 1) * d]);
    }
    drop(scatter);
    let moments = Moments::from_flat(&flat)?;
    let source_dtype = meta
        .get(&format!("{prefix}.source_dtype"))
        .or_else(|| prefix.is_empty().then(|| meta.get("source_dtype")).flatten())
        .cloned()
        .unwrap_or_default();
    Ok(LayerMoments { layer, moments, source_dtype, cross_scatter })
}

/// The raw little-endian bytes of `tensor`, which must be of `scalar` and `shape`.
fn read_values<S: Source>(source: &mut S, tensor: &Tensor, want: &str, shape: &[u64], layer: &str) -> Result<Vec<u8>> {
    let bad = |detail: String| MomentsFileError::BadTensor {
        layer: layer.to_string(),
        tensor: tensor.name.rsplit('.').next().unwrap_or(&tensor.name).to_string(),
        detail,
    };
    if tensor.dtype != want || tensor.shape != shape {
        return Err(bad(format!("is {} {:?}; it must be {want} {shape:?}", tensor.dtype, tensor.shape)).into());
    }
    let array = tensor.array.as_ref().map_err(|e| bad(e.to_string()))?;
    let bytes = 8 * shape.iter().product::<u64>();
    let mut buf = vec![0u8; usize::try_from(bytes).map_err(|_| bad("is too large for this machine".into()))?];
    // The safetensors reader has checked every tensor against the file's length, so a short
    // read means the file changed while it was read.
    source.read_exact_at(array.offset, &mut buf, |done| {
        Error::Io(format!("the file ended {done} bytes into tensor '{}': it changed while being read", tensor.name))
    })?;
    Ok(buf)
}

/// Decodes little-endian doubles, refusing NaN and ±Inf.
fn f64s(bytes: &[u8], layer: &str, tensor: &str) -> Result<Vec<f64>> {
    let values: Vec<f64> = bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).collect();
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MomentsFileError::NonFinite {
            layer: layer.to_string(),
            tensor: tensor.to_string(),
            index: index as u64,
            value,
        }
        .into());
    }
    Ok(values)
}

/// Refuses a negative diagonal, then an asymmetry past 1e-12 relative (see the module docs).
fn check_scatter(s: &[f64], d: usize, layer: &str) -> Result<()> {
    if let Some(unit) = (0..d).find(|&i| s[i * d + i] < 0.0) {
        return Err(
            MomentsFileError::NegativeVariance { layer: layer.to_string(), unit, value: s[unit * d + unit] }.into()
        );
    }
    for i in 0..d {
        for j in i + 1..d {
            let (upper, lower) = (s[i * d + j], s[j * d + i]);
            let scale = upper.abs().max(lower.abs()).max((s[i * d + i] * s[j * d + j]).sqrt());
            if (upper - lower).abs() > 1e-12 * scale {
                return Err(MomentsFileError::AsymmetricScatter {
                    layer: layer.to_string(),
                    row: i,
                    col: j,
                    upper,
                    lower,
                }
                .into());
            }
        }
    }
    Ok(())
}
