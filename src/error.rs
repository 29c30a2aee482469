//! Errors, as typed enums: every way user data can be wrong has a name and a message that
//! says what is wrong and where, so that the CLI and the page can show it as it is.

use std::fmt;

/// Everything that can go wrong between a file and a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The bytes of the file are not what the format says they must be.
    Format(FormatError),
    /// The matrix was read but cannot be analysed as it is.
    Data(DataError),
    /// The underlying file could not be read (I/O, permissions, a browser read that failed).
    Io(String),
    /// A setting is out of its range (a fit range, an unknown estimator, …).
    Setting(String),
    /// The user cancelled the work.
    Cancelled,
    /// A computation on valid input could not give a trustworthy number (an iteration that did
    /// not converge, a result that overflowed).
    Numerical(NumericalError),
    /// A share of partial moments, handed from a worker or thread, cannot be combined.
    Share(ShareError),
    /// A moments file (`docs/MOMENTS.md`) that cannot be read or merged.
    MomentsFile(MomentsFileError),
    /// A standalone HTML report (`report_html`) cannot be written: the JSON handed in is not a
    /// spectrum report, or a package file (bundle, worker, wasm) is missing or not what it must be.
    Report(String),
}

/// A moments file (a safetensors file of `count`, `mean`, `scatter`, `min`, `max` per layer,
/// `docs/MOMENTS.md`) that cannot be used. `layer` is the layer's name as the file gives it
/// (the tensors' prefix; empty for unprefixed tensors).
#[derive(Debug, Clone, PartialEq)]
pub enum MomentsFileError {
    /// The safetensors file's `__metadata__` has no `format = eigenlens-moments` (`found`: the
    /// format it names, if any): it holds activations or something else, not moments.
    NotMoments { found: Option<String> },
    /// The file's `version` is not one this build reads (`found`; "none" when missing).
    Version { found: String },
    /// A metadata entry other than format and version is wrong (the axis convention).
    Metadata { key: String, found: String, want: String },
    /// The file names itself a moments file but has no `count` tensor, so no layer.
    NoLayers,
    /// A layer lacks one of its required tensors.
    MissingTensor { layer: String, tensor: String },
    /// A tensor has the wrong dtype or shape (`detail` says which and what is needed).
    BadTensor { layer: String, tensor: String, detail: String },
    /// A layer's count is below 2: a covariance needs two rows.
    TooFewRows { layer: String, count: i64 },
    /// A NaN or ±Inf in a tensor (0-based flat index into it).
    NonFinite { layer: String, tensor: String, index: u64, value: f64 },
    /// The scatter is not symmetric: entries (row, col) and (col, row) differ by more than
    /// 1e-12 of the larger of their magnitudes and √(S_row,row · S_col,col).
    AsymmetricScatter { layer: String, row: usize, col: usize, upper: f64, lower: f64 },
    /// A diagonal entry of the scatter (a unit's sum of squared deviations) is negative.
    NegativeVariance { layer: String, unit: usize, value: f64 },
    /// Two files to merge hold the same layer with different numbers of units.
    UnequalUnits { layer: String, left: usize, right: usize },
    /// Two files to merge do not hold the same layers.
    DifferentLayers { left: Vec<String>, right: Vec<String> },
    /// The layer asked for (FILE:LAYER) is not in the file.
    NoSuchLayer { layer: String, available: Vec<String> },
    /// The file holds several layers and none was chosen.
    ChooseLayer { available: Vec<String> },
}

/// A computation that could not give a trustworthy result. Raised by [`crate::linalg`]; the
/// input was valid (finite, the right shape), so these are failures of the method on this
/// matrix, reported instead of approximate numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum NumericalError {
    /// The symmetric tridiagonal QL/QR iteration reached its cap (LAPACK's: 30 iterations per
    /// eigenvalue) before the off-diagonal entry at `index` (0-based position along the
    /// tridiagonal, not a rank) fell below the tolerance; `iterations` were spent.
    NoConvergence { index: usize, iterations: usize },
    /// A matrix handed to the eigensolver has a NaN or ±Inf entry (0-based row and column).
    NonFiniteMatrix { row: usize, col: usize, value: f64 },
    /// A matrix handed to the eigensolver does not hold `d × d` values.
    NotSquare { values: usize, d: usize },
    /// The eigenvalues of a finite matrix came out infinite: its entries are within a factor
    /// of the largest double (about 1.8e308).
    EigenvalueOverflow,
}

/// A share of partial moments ([`crate::stats::Moments::to_flat`]) that cannot be used: the
/// page's workers and the CLI's threads each accumulate a share of rows and merge them.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareError {
    /// The flat array is not what `to_flat` writes: `values` long, and what is wrong with it.
    Malformed { values: usize, detail: String },
    /// Two shares with different numbers of units cannot be merged: they come from different
    /// arrays.
    UnequalUnits { left: usize, right: usize },
}

/// A file that is not a valid array of the format it claims to be.
#[derive(Debug, Clone, PartialEq)]
pub enum FormatError {
    /// The file has no bytes at all.
    Empty,
    /// The first bytes are not the format's magic string.
    BadMagic { format: &'static str },
    /// The file ends before the header does.
    TruncatedHeader { format: &'static str },
    /// The header is not the dict (or JSON object) the format requires.
    BadHeader { format: &'static str, detail: String },
    /// The element type cannot hold activations (complex, object, strings, …).
    UnsupportedDtype { dtype: String },
    /// The array has a shape eigenlens cannot read as rows × units.
    BadShape { shape: Vec<u64>, detail: String },
    /// The header promises more data than the file holds.
    TruncatedData { expected_bytes: u64, actual_bytes: u64, rows_complete: u64 },
    /// A line of a text table that cannot be read (1-based line, and column when known).
    Text { line: u64, column: Option<u64>, detail: String },
    /// The array asked for is not in the file.
    NoSuchArray { name: String, available: Vec<String> },
    /// The file holds several arrays and none was chosen.
    ChooseArray { available: Vec<String> },
    /// A structural limit was exceeded (a zip bomb, an absurd header length, …).
    Limit { what: String },
    /// The file is not of a type eigenlens reads. `kind` names what its first bytes show it
    /// to be (HDF5, a pickle, Parquet, …) when they show it; `advice` says how to convert it.
    UnknownType { name: String, kind: Option<String>, advice: String },
    /// A safetensors file written as an eigenlens moments file (`__metadata__.format =
    /// "eigenlens-moments"`): a layer's count, mean and scatter, not its rows. Read as tensors it
    /// would analyse the D × D scatter as if it were N × D activations.
    MomentsFile,
    /// A container (.npz, a zip) that holds no arrays at all; `entries` lists what it holds
    /// instead (empty for an empty archive).
    NoArrays { format: &'static str, entries: Vec<String> },
    /// The file holds arrays but none can be read as rows × units; each entry is
    /// "name [shape]: why".
    NoAnalysableArray { arrays: Vec<String> },
    /// A `torch.save` file (`.pt`) that cannot be read: see [`PtError`].
    Pt(PtError),
}

/// A `torch.save` zip file (`.pt`, `.pth`) that eigenlens refuses or cannot read.
#[derive(Debug, Clone, PartialEq)]
pub enum PtError {
    /// The pickle names a global outside the table of what tensors need (`module.name`, e.g.
    /// `os.system`): refused at that opcode, nothing was imported or run.
    ForbiddenGlobal { module: String, name: String },
    /// The pickle is malformed, or uses an opcode or a call shape `torch.save` does not write
    /// for tensors (`offset`: byte of the opcode in `data.pkl`).
    Pickle { offset: u64, detail: String },
    /// The zip has no `data.pkl` entry, so it was not written by `torch.save`; `entries` lists
    /// what it holds.
    NoPickle { entries: Vec<String> },
    /// A tensor that cannot be read as stored (a missing or compressed storage entry, a view
    /// past its storage, a byte order other than little/big); `tensor` is its key.
    Tensor { tensor: String, detail: String },
}

/// A matrix that was read correctly but cannot be analysed.
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// Fewer than two rows: a covariance needs N ≥ 2.
    TooFewRows { rows: u64 },
    /// Fewer than three rows along a sweep: a structure function needs two steps.
    TooShortSweep { rows: u64 },
    /// Two matrices that must have the same units do not (row counts not known yet).
    WidthMismatch { left: usize, right: usize },
    /// Every row the same (total variance 0): nothing varies to measure.
    ConstantRows,
    /// No columns at all.
    NoColumns,
    /// More units than the D × D moments can be held for.
    TooManyColumns { cols: usize, limit: usize },
    /// A NaN or ±Inf value (0-based row and column of the first one).
    NonFinite { row: u64, col: u64, value: f64 },
    /// Two matrices that must match (cross-validated repeats) do not.
    ShapeMismatch { left: (u64, usize), right: (u64, usize) },
    /// An analysis that needs every row at once (shuffles, lags, bootstrap) met a matrix
    /// larger than it may hold.
    TooLargeForMemory { values: u64, limit: u64 },
    /// An array to be transposed that must be held in memory to do so (a text table, a
    /// compressed .npz member: neither can be read column by column) is larger than allowed.
    TransposeTooLarge { values: u64, limit: u64 },
    /// The covariance overflows double precision: a variance is ±Inf (values ≳ 1.3e154 square
    /// past the largest double), or the total variance is so large (≳ 1.3e154) that Σλ²
    /// overflows. `col` (0-based) is the first column whose variance is not finite, else the
    /// column of largest variance; `max_abs` is the largest |value| read, for the advice.
    CovarianceOverflow { col: usize, variance: f64, max_abs: f64 },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Format(e) => e.fmt(f),
            Error::Data(e) => e.fmt(f),
            Error::Io(msg) => write!(f, "could not read the file: {msg}"),
            Error::Setting(msg) => write!(f, "invalid setting: {msg}"),
            Error::Cancelled => write!(f, "cancelled"),
            Error::Numerical(e) => e.fmt(f),
            Error::Share(e) => e.fmt(f),
            Error::MomentsFile(e) => e.fmt(f),
            Error::Report(msg) => write!(f, "cannot write the report: {msg}"),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Empty => write!(f, "the file is empty (0 bytes)"),
            FormatError::BadMagic { format } => {
                write!(f, "not a valid {format} file: its first bytes are not the {format} magic string")
            }
            FormatError::TruncatedHeader { format } => {
                write!(f, "truncated {format} file: it ends inside the header")
            }
            FormatError::BadHeader { format, detail } => write!(f, "bad {format} header: {detail}"),
            FormatError::UnsupportedDtype { dtype } => write!(
                f,
                "unsupported dtype '{dtype}': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"
            ),
            FormatError::BadShape { shape, detail } => {
                write!(f, "cannot read an array of shape {shape:?} as rows × units: {detail}")
            }
            FormatError::TruncatedData { expected_bytes, actual_bytes, rows_complete } => write!(
                f,
                "truncated data: the header promises {expected_bytes} bytes of data but the file holds \
                 {actual_bytes} ({rows_complete} complete rows)"
            ),
            FormatError::Text { line, column: Some(c), detail } => write!(f, "line {line}, column {c}: {detail}"),
            FormatError::Text { line, column: None, detail } if *line == 0 => write!(f, "{detail}"),
            FormatError::Text { line, column: None, detail } => write!(f, "line {line} {detail}"),
            FormatError::NoSuchArray { name, available } => {
                write!(f, "no array named '{name}' in the file; it holds: {}", available.join(", "))
            }
            FormatError::ChooseArray { available } => write!(
                f,
                "the file holds {} arrays that can be analysed; choose one: {}",
                available.len(),
                available.join(", ")
            ),
            FormatError::Limit { what } => write!(f, "refused: {what}"),
            FormatError::UnknownType { name, kind: Some(kind), advice } => {
                write!(f, "'{name}' is not a file type eigenlens reads: it is {kind}; {advice}")
            }
            FormatError::UnknownType { name, kind: None, advice } => {
                write!(f, "'{name}' is not a file type eigenlens reads; {advice}")
            }
            FormatError::MomentsFile => write!(
                f,
                "this is an eigenlens moments file (a layer's count, mean and scatter, not its rows): the \
                 spectrum, α and comparisons come from it, but this analysis needs the rows themselves"
            ),
            FormatError::NoArrays { format, entries } if entries.is_empty() => {
                write!(f, "the {format} holds no arrays (it is an empty archive, as np.savez writes when given none)")
            }
            FormatError::NoArrays { format, entries } => {
                let shown: Vec<&str> = entries.iter().take(5).map(String::as_str).collect();
                let more = if entries.len() > 5 { format!(" and {} more", entries.len() - 5) } else { String::new() };
                write!(
                    f,
                    "the {format} holds no .npy arrays (its entries: {}{more}); an .npz is written by np.savez",
                    shown.join(", ")
                )
            }
            FormatError::NoAnalysableArray { arrays } => write!(
                f,
                "none of the file's {} arrays can be analysed as rows × units (a 2-D [N, D] matrix or a 3-D \
                 [S, T, H] tensor): {}",
                arrays.len(),
                arrays.join("; ")
            ),
            FormatError::Pt(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for PtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PtError::ForbiddenGlobal { module, name } => write!(
                f,
                "refused: the torch.save file's pickle calls {module}.{name}, which is not one of the tensor \
                 rebuilders eigenlens allows (nothing was run); a file of tensors or a state dict names only \
                 torch._utils, torch.*Storage and collections.OrderedDict. Save the tensors alone with \
                 torch.save(model.state_dict()) or safetensors, if you trust the file"
            ),
            PtError::Pickle { offset, detail } => {
                write!(f, "cannot read the torch.save file's pickle (data.pkl, byte {offset}): {detail}")
            }
            PtError::NoPickle { entries } => {
                let shown: Vec<&str> = entries.iter().take(5).map(String::as_str).collect();
                let more = if entries.len() > 5 { format!(" and {} more", entries.len() - 5) } else { String::new() };
                write!(
                    f,
                    "a zip without data.pkl is not a torch.save file (its entries: {}{more}); save tensors with \
                     torch.save, arrays with np.savez",
                    shown.join(", ")
                )
            }
            PtError::Tensor { tensor, detail } => {
                write!(f, "cannot read tensor '{tensor}' of the torch.save file: {detail}")
            }
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::WidthMismatch { left, right } => {
                write!(f, "the repeats differ in width: {left} units against {right}")
            }
            DataError::ConstantRows => write!(f, "every row is the same (total variance 0): nothing varies along the sweep"),
            DataError::TooShortSweep { rows } => {
                write!(f, "too few rows: the sweep has N = {rows} row(s); roughness and lags need at least 3")
            }
            DataError::TooFewRows { rows } => write!(
                f,
                "too few rows: the matrix has N = {rows} row(s); a covariance needs at least 2"
            ),
            DataError::NoColumns => write!(f, "the matrix has no columns (D = 0)"),
            DataError::TooManyColumns { cols, limit } => write!(
                f,
                "D = {cols} units is more than eigenlens handles ({limit}): the D × D covariance alone would need {:.1} GiB",
                (*cols as f64).powi(2) * 8.0 / (1u64 << 30) as f64
            ),
            DataError::NonFinite { row, col, value } => write!(
                f,
                "non-finite value {value} at row {row}, column {col} (0-based); \
                 fix the data or choose to drop rows with NaN/Inf"
            ),
            DataError::TooLargeForMemory { values, limit } => write!(
                f,
                "this analysis holds every row in memory and the matrix has {values} values, more than \
                 the limit of {limit}; choose a row range"
            ),
            DataError::TransposeTooLarge { values, limit } => write!(
                f,
                "transposing a text table or a compressed .npz member holds it whole in memory, and this one has \
                 more than {limit} values ({values} read so far); save it with np.save (or np.savez), where a \
                 transpose is read in place"
            ),
            DataError::ShapeMismatch { left, right } => write!(
                f,
                "the repeats differ in shape: {} × {} against {} × {}",
                left.0, left.1, right.0, right.1
            ),
            DataError::CovarianceOverflow { col, variance, max_abs } => {
                write!(f, "the covariance overflows double precision: column {col} (0-based) has variance {variance:.3e}")?;
                // The power of ten that brings the largest value near 1 (the advice needs a
                // finite, nonzero largest value; otherwise plain words).
                if max_abs.is_finite() && *max_abs > 1.0 {
                    write!(f, "; divide the data by 1e{:.0} (its largest |value| is {max_abs:.3e})", max_abs.log10().floor())?;
                } else {
                    write!(f, "; divide the data by a constant")?;
                }
                write!(
                    f,
                    " and run again: α, the participation ratio and the effective rank do not change \
                     when the data is scaled"
                )
            }
        }
    }
}

impl fmt::Display for NumericalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumericalError::NoConvergence { index, iterations } => write!(
                f,
                "the eigenvalue iteration did not converge (position {index} of the tridiagonal, after \
                 {iterations} iterations): no eigenvalues are reported rather than approximate ones; \
                 please report the file, this should not happen on finite data"
            ),
            NumericalError::NonFiniteMatrix { row, col, value } => write!(
                f,
                "the matrix handed to the eigensolver holds {value} at row {row}, column {col} (0-based); \
                 its eigenvalues are undefined"
            ),
            NumericalError::NotSquare { values, d } => {
                write!(f, "the eigensolver was given {values} values for a {d} × {d} matrix ({} needed)", d * d)
            }
            NumericalError::EigenvalueOverflow => write!(
                f,
                "the eigenvalues overflow double precision (the matrix's entries are near 1e308); \
                 divide the data by a constant and run again"
            ),
        }
    }
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::Malformed { values, detail } => write!(
                f,
                "malformed share of partial moments ({values} values): {detail}; a share must be \
                 [d, n, mean (d), min (d), max (d), upper triangle of the scatter (d(d+1)/2)] as \
                 Moments::to_flat writes it"
            ),
            ShareError::UnequalUnits { left, right } => write!(
                f,
                "cannot merge partial moments of {left} units with partial moments of {right} units: \
                 the shares must come from the same array"
            ),
        }
    }
}

/// A layer's name in messages: unprefixed tensors are "the layer".
fn layer_name(layer: &str) -> String {
    if layer.is_empty() {
        "the layer".to_string()
    } else {
        format!("layer '{layer}'")
    }
}

impl fmt::Display for MomentsFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MomentsFileError::NotMoments { found } => write!(
                f,
                "not a moments file: its __metadata__ has format = {}, not eigenlens-moments",
                found.as_deref().map_or("(none)".to_string(), |s| format!("'{s}'"))
            ),
            MomentsFileError::Version { found } => write!(
                f,
                "moments file version '{found}' is not one this eigenlens reads (version 1); write it again with \
                 this version's `eigenlens moments` or Python package"
            ),
            MomentsFileError::Metadata { key, found, want } => {
                write!(f, "moments file metadata '{key}' is '{found}', expected '{want}'")
            }
            MomentsFileError::NoLayers => {
                write!(f, "the moments file holds no layer (no 'count' or 'NAME.count' tensor)")
            }
            MomentsFileError::MissingTensor { layer, tensor } => {
                write!(f, "{} of the moments file has no '{tensor}' tensor", layer_name(layer))
            }
            MomentsFileError::BadTensor { layer, tensor, detail } => {
                write!(f, "{} of the moments file: tensor '{tensor}' {detail}", layer_name(layer))
            }
            MomentsFileError::TooFewRows { layer, count } => write!(
                f,
                "{} of the moments file has count = {count}; a covariance needs at least 2 rows",
                layer_name(layer)
            ),
            MomentsFileError::NonFinite { layer, tensor, index, value } => write!(
                f,
                "{} of the moments file holds {value} in '{tensor}' at flat index {index} (0-based); \
                 the rows it was computed from held NaN/Inf",
                layer_name(layer)
            ),
            MomentsFileError::AsymmetricScatter { layer, row, col, upper, lower } => write!(
                f,
                "{} of the moments file has a scatter that is not symmetric: entry ({row}, {col}) is {upper:e} \
                 but ({col}, {row}) is {lower:e} (0-based; they must agree to 1e-12 relative)",
                layer_name(layer)
            ),
            MomentsFileError::NegativeVariance { layer, unit, value } => write!(
                f,
                "{} of the moments file has a negative scatter diagonal {value:e} at unit {unit} (0-based): \
                 a sum of squared deviations cannot be negative",
                layer_name(layer)
            ),
            MomentsFileError::UnequalUnits { layer, left, right } => write!(
                f,
                "cannot merge {}: {left} units in one file, {right} in another; the files must come from the \
                 same layer of the same model",
                layer_name(layer)
            ),
            MomentsFileError::DifferentLayers { left, right } => write!(
                f,
                "cannot merge moments files holding different layers: [{}] against [{}]",
                left.join(", "),
                right.join(", ")
            ),
            MomentsFileError::NoSuchLayer { layer, available } => {
                write!(f, "no layer named '{layer}' in the moments file; it holds: {}", available.join(", "))
            }
            MomentsFileError::ChooseLayer { available } => write!(
                f,
                "the moments file holds {} layers; choose one as FILE:LAYER: {}",
                available.len(),
                available.join(", ")
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Format(e)
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}

impl From<NumericalError> for Error {
    fn from(e: NumericalError) -> Self {
        Error::Numerical(e)
    }
}

impl From<ShareError> for Error {
    fn from(e: ShareError) -> Self {
        Error::Share(e)
    }
}

impl From<MomentsFileError> for Error {
    fn from(e: MomentsFileError) -> Self {
        Error::MomentsFile(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
