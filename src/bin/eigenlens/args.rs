//! What the commands share: the fit flags, `--rows A:B`, `FILE[:KEY]`, opening a matrix, the
//! three ways a command ends early (bad usage, bad input, a closed stdout) and writing output.

use clap::builder::{PossibleValuesParser, TypedValueParser};
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

/// Opens the matrix named by `FILE[:KEY]`, restricted to `rows` when given; errors name the file.
pub fn open_matrix_file(spec: &str, rows: Option<Range<u64>>) -> Result<eigenlens::read::Opened<'static>, Failure> {
    let (path, key) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let source = eigenlens::read::source::FileSource::open(path).map_err(input)?;
    eigenlens::read::open_matrix(source, &file_name(path), key, rows).map_err(input)
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
    let mut line = serde_json::to_string(value).map_err(|e| Failure::Input(e.to_string()))?;
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
