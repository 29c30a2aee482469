//! What the commands share: the fit flags, the preprocessing flags, the reading flags,
//! `--rows A:B`, `FILE[:KEY]`, opening a matrix, the reader's guesses worded as flags, the three
//! ways a command ends early (bad usage, bad input, a closed stdout) and writing output.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use eigenlens::analysis::Preprocess;
use eigenlens::bootstrap::BootstrapSettings;
use eigenlens::read::{ArrayInfo, Header, IndexCol, ReadOptions};
use eigenlens::stats::{Estimator, FitRequest, RangePreset};
use std::io::Write;
use std::ops::Range;
use std::path::Path;

/// A failure and the exit status it maps to.
pub enum Failure {
    /// Bad usage found after parsing (a setting out of range): exit status 2.
    Usage(String),
    /// Bad input (the file, the data): exit status 1, one line on stderr.
    Input(String),
    /// Stdout was closed before the output was written (`eigenlens … | head`): exit quietly
    /// with status 141, as a tool killed by SIGPIPE reports in the shell.
    Closed,
}

/// The fit flags of every command that fits α.
#[derive(clap::Args, Debug)]
pub struct FitArgs {
    #[arg(long, value_name = "E", help = estimator_help(), value_parser = PossibleValuesParser::new(["stringer", "ols"])
        .try_map(|s| s.parse::<Estimator>()))]
    pub estimator: Option<Estimator>,
    #[arg(long, value_name = "P", help = preset_help(), value_parser = PossibleValuesParser::new(["stringer", "alpha-req"])
        .try_map(|s| s.parse::<RangePreset>()))]
    pub preset: Option<RangePreset>,
    /// First rank n_lo of the fit range (1-based; default: the preset's)
    #[arg(long, value_name = "N")]
    pub lo: Option<usize>,
    /// Last rank n_hi of the fit range (capped at D/2; default: the preset's)
    #[arg(long, value_name = "N")]
    pub hi: Option<usize>,
}

/// The estimators, with the core's default.
fn estimator_help() -> String {
    format!(
        "How α is fitted: stringer (least squares weighted 1/n) or ols; default {}",
        FitRequest::default().estimator
    )
}

/// The presets' ranges, read from the core so that the help cannot drift from them.
fn preset_help() -> String {
    let [(a, b), (c, d)] = [RangePreset::Stringer.bounds(), RangePreset::AlphaReq.bounds()];
    let (lo, hi) = (FitRequest::default().lo, FitRequest::default().hi);
    format!(
        "Fit range preset: stringer (n = {a}…{b}) or alpha-req (n = {c}…{d}); default n = {lo}…{hi}; \
         --lo and --hi override it"
    )
}

impl FitArgs {
    /// The preset's bounds (or the default's), then --lo/--hi on top.
    pub fn request(&self) -> FitRequest {
        let mut fit = FitRequest::default();
        if let Some(preset) = self.preset {
            (fit.lo, fit.hi) = preset.bounds();
        }
        if let Some(e) = self.estimator {
            fit.estimator = e;
        }
        fit.lo = self.lo.unwrap_or(fit.lo);
        fit.hi = self.hi.unwrap_or(fit.hi);
        fit
    }
}

/// The preprocessing flags of the commands that read one spectrum per file (analyze, compare).
#[derive(clap::Args, Debug, Default)]
pub struct PreArgs {
    /// Z-score the units: the spectrum of the correlation matrix instead of the covariance
    #[arg(long)]
    pub standardize: bool,
    /// Drop the top K eigenvalues (the data's own top K principal components) from the fit, the
    /// figures and the summary, and renumber the rest from 1
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub remove_top: usize,
    /// For an [S, T, H] tensor: subtract each position's mean over sequences (a BOS offset,
    /// positional signal) and take the pooled within-position covariance
    #[arg(long)]
    pub centre_positions: bool,
}

impl PreArgs {
    pub fn preprocess(&self) -> Preprocess {
        Preprocess {
            standardize: self.standardize,
            remove_top: self.remove_top,
            centre_positions: self.centre_positions,
        }
    }
}

/// How to read a file where eigenlens would otherwise guess or read the array as stored
/// (`read::ReadOptions`); every command that reads a matrix takes them.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ReadArgs {
    /// Text tables: whether the first row is a header [default: guessed, and the guess printed]
    #[arg(long, value_name = "yes|no|auto", value_parser = PossibleValuesParser::new(["yes", "no", "auto"])
        .try_map(|s| s.parse::<Header>()))]
    pub header: Option<Header>,
    /// Text tables: the 0-based column that is a row index (not a unit), none, or auto
    /// [default: guessed, and the guess printed]
    #[arg(long, value_name = "N|none|auto", value_parser = |s: &str| s.parse::<IndexCol>())]
    pub index_col: Option<IndexCol>,
    /// Read a 2-D array's columns as rows: the file stores units × samples (Suite2p's neurons ×
    /// time); free for .npy, .safetensors and stored .npz, held in memory for text
    #[arg(long)]
    pub transpose: bool,
    /// Drop the first K positions of every sequence of a 3-D [S, T, H] tensor (a BOS token, say)
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub skip_positions: usize,
}

impl ReadArgs {
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            header: self.header.unwrap_or_default(),
            index_col: self.index_col.unwrap_or_default(),
            transpose: self.transpose,
            skip_positions: self.skip_positions,
        }
    }
}

/// Which rows are read (analyze, compare, moments).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct RowArgs {
    /// Only rows A to B of each matrix as read (0-based, B exclusive; either end may be left out)
    #[arg(long, value_name = "A:B", value_parser = parse_rows)]
    pub rows: Option<Range<u64>>,
    /// Drop rows holding NaN or ±Inf (and count them) instead of stopping at the first
    #[arg(long)]
    pub drop_nonfinite: bool,
}

/// The bootstrap of α (analyze, compare).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct BootArgs {
    /// Bootstrap α with B resamples (holds a file's rows in memory, one file at a time): adds
    /// `alpha_interval` to the JSON (and, for one file, the whole `bootstrap`)
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Rows per resampled block [default: whole sequences (T rows, T − K with --skip-positions K)
    /// for an [S, T, H] tensor, whose tokens are not independent; else single rows]
    #[arg(long, value_name = "L", requires = "bootstrap")]
    pub block: Option<usize>,
    /// Seed of the bootstrap's resamples
    #[arg(long, value_name = "S", default_value_t = BootstrapSettings::default().seed, requires = "bootstrap")]
    pub seed: u64,
}

impl BootArgs {
    /// How to resample, when --bootstrap asks for it.
    pub fn resampling(&self) -> Option<Resampling> {
        self.bootstrap.map(|b| Resampling { b, block: self.block, seed: self.seed })
    }
}

/// How a bootstrap resamples: B resamples, blocks of `block` rows (None: whole sequences of a
/// 3-D tensor, else single rows), the seed.
pub struct Resampling {
    pub b: usize,
    pub block: Option<usize>,
    pub seed: u64,
}

/// A reader's guess or a report's warning in the CLI's words: the setting it names becomes the
/// flag that sets it. A text worded otherwise is returned as it is.
pub fn cli_words(guess: &str) -> String {
    let mut s = guess
        .replace("set header to no", "pass --header no")
        .replace("set index column to none", "pass --index-col none")
        .replace("choose another by name", "choose another as FILE:KEY")
        .replace("transpose it;", "transpose it (--transpose);")
        .replace("(block = T for", "(--block T for")
        .replace("set the block length to choose another", "--block L sets another length");
    if s.ends_with(", transpose") {
        s.push_str(" (--transpose)");
    }
    s
}

/// What the reader guessed about the matrix `info` of `spec`, in the CLI's words; each prefixed
/// with the file when a command reads several (`prefix`).
pub fn guesses(spec: &str, info: &ArrayInfo, prefix: bool) -> Vec<String> {
    info.guesses
        .iter()
        .map(|g| if prefix { format!("{}: {}", split_key(spec).0, cli_words(g)) } else { cli_words(g) })
        .collect()
}

/// `notes` as the readable output's last lines.
pub fn note_lines(notes: &[String]) -> String {
    notes.iter().map(|n| format!("note: {n}\n")).collect()
}

/// `--rows A:B`: rows A (inclusive) to B (exclusive), 0-based; either end may be left out.
pub fn parse_rows(spec: &str) -> Result<Range<u64>, String> {
    let bad = || format!("takes A:B (0-based, B exclusive), got '{spec}'");
    let (a, b) = spec.split_once(':').ok_or_else(bad)?;
    let a = if a.is_empty() { 0 } else { a.parse().map_err(|_| bad())? };
    let b = if b.is_empty() { u64::MAX } else { b.parse().map_err(|_| bad())? };
    Ok(a..b)
}

/// Splits `FILE:KEY` (the key selects an array in a multi-array file). FILE is the whole spec
/// when that is a file; otherwise the part before the first ':' that names an existing file, so
/// that a key may itself hold ':' (`np.savez(f, **{'a:b': x})` is chosen as `f.npz:a:b`). When
/// no prefix is a file, the spec is returned whole and opening it says it does not exist.
pub fn split_key(spec: &str) -> (&str, Option<&str>) {
    if Path::new(spec).is_file() {
        return (spec, None);
    }
    spec.match_indices(':')
        .map(|(i, _)| (&spec[..i], &spec[i + 1..]))
        .find(|(file, _)| !file.is_empty() && Path::new(file).is_file())
        .map_or((spec, None), |(file, key)| (file, Some(key)))
}

/// The file-name part of a path, used for format detection and in messages.
pub fn file_name(path: &str) -> String {
    Path::new(path).file_name().map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Opens the matrix named by `FILE[:KEY]` as `options` say, restricted to `rows` (of the matrix
/// as read) when given; errors name the file.
pub fn open_matrix_file(
    spec: &str,
    rows: Option<Range<u64>>,
    options: &ReadOptions,
) -> Result<eigenlens::read::Opened<'static>, Failure> {
    let (path, key) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let source = eigenlens::read::source::FileSource::open(path).map_err(input)?;
    eigenlens::read::open_matrix_with(source, &file_name(path), key, rows, options).map_err(input)
}

/// Writes `text` to stdout and flushes it; a closed stdout is [`Failure::Closed`], not a panic.
pub fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::Closed),
        Err(e) => Err(Failure::Input(format!("cannot write the output: {e}"))),
    }
}

/// Writes `value` as one line of JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    print_json_noted(value, &[])
}

/// Writes `value` as one line of JSON, with `notes` (the reader's guesses) first in its
/// `warnings` array, which is added when the value has none.
pub fn print_json_noted<T: serde::Serialize>(value: &T, notes: &[String]) -> Result<(), Failure> {
    let failed = |e: serde_json::Error| Failure::Input(e.to_string());
    let mut line = if notes.is_empty() {
        serde_json::to_string(value).map_err(failed)?
    } else {
        let mut v = serde_json::to_value(value).map_err(failed)?;
        if let Some(object) = v.as_object_mut() {
            let mut warnings: Vec<serde_json::Value> = notes.iter().map(|n| n.as_str().into()).collect();
            if let Some(serde_json::Value::Array(old)) = object.remove("warnings") {
                warnings.extend(old);
            }
            object.insert("warnings".into(), warnings.into());
        }
        serde_json::to_string(&v).map_err(failed)?
    };
    line.push('\n');
    emit(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_take_either_end_open() {
        assert_eq!(parse_rows("10:20"), Ok(10..20));
        assert_eq!(parse_rows(":5"), Ok(0..5));
        assert_eq!(parse_rows("7:"), Ok(7..u64::MAX));
        assert!(parse_rows("7").is_err());
        assert!(parse_rows("a:b").is_err());
    }

    #[test]
    fn fit_flags_override_the_preset() {
        let fit = FitArgs { estimator: None, preset: Some(RangePreset::AlphaReq), lo: None, hi: Some(50) };
        let want = RangePreset::AlphaReq.bounds().0;
        assert_eq!((fit.request().lo, fit.request().hi), (want, 50));
    }
}
