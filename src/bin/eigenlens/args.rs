//! Command-line arguments: `--flag value` pairs, switches and positionals, and the two ways a
//! command fails (bad usage, bad input).

/// A failure and the exit status it maps to.
pub enum Failure {
    Usage(String),
    Input(String),
}

/// Flags and positional arguments of one command.
pub struct Args {
    pub positional: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

impl Args {
    /// `switches` take no value; every other `--flag` takes the next argument.
    pub fn parse(args: &[String], switches: &[&str]) -> Result<Args, Failure> {
        let (mut positional, mut flags) = (Vec::new(), Vec::new());
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                if switches.contains(&name) {
                    flags.push((name.to_string(), None));
                } else {
                    let v = it.next().ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                    flags.push((name.to_string(), Some(v.clone())));
                }
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args { positional, flags })
    }

    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    pub fn value<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Failure> {
        match self.flags.iter().rev().find(|(n, _)| n == name) {
            Some((_, Some(v))) => {
                v.parse().map(Some).map_err(|_| Failure::Usage(format!("--{name}: cannot read '{v}'")))
            }
            _ => Ok(None),
        }
    }
}

/// Splits `FILE:KEY` (the key selects an array in multi-array files) unless FILE exists as given.
pub fn split_key(spec: &str) -> (&str, Option<&str>) {
    if std::path::Path::new(spec).exists() {
        return (spec, None);
    }
    match spec.rsplit_once(':') {
        Some((file, key)) if !file.is_empty() => (file, Some(key)),
        _ => (spec, None),
    }
}

pub fn parse_rows(spec: &str) -> Result<std::ops::Range<u64>, Failure> {
    let bad = || Failure::Usage(format!("--rows takes A:B (0-based, B exclusive), got '{spec}'"));
    let (a, b) = spec.split_once(':').ok_or_else(bad)?;
    let a = if a.is_empty() { 0 } else { a.parse().map_err(|_| bad())? };
    let b = if b.is_empty() { u64::MAX } else { b.parse().map_err(|_| bad())? };
    Ok(a..b)
}

/// The file-name part of a path, used for format detection and in messages.
pub fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Opens the matrix named by `FILE[:KEY]`, restricted to `rows` when given; errors name the file.
pub fn open_matrix_file(
    spec: &str,
    rows: Option<std::ops::Range<u64>>,
) -> Result<eigenlens::read::Opened<'static>, Failure> {
    let (path, key) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let source = eigenlens::read::source::FileSource::open(path).map_err(input)?;
    eigenlens::read::open_matrix(source, &file_name(path), key, rows).map_err(input)
}

/// Prints `value` as one line of JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    println!("{}", serde_json::to_string(value).map_err(|e| Failure::Input(e.to_string()))?);
    Ok(())
}

/// The fit flags shared by the commands that fit α: `--estimator`, `--preset`, `--lo`, `--hi`.
pub fn fit_request(args: &Args) -> Result<eigenlens::stats::FitRequest, Failure> {
    let mut fit = eigenlens::stats::FitRequest::default();
    if let Some(preset) = args.value::<String>("preset")? {
        let preset: eigenlens::stats::RangePreset = preset.parse().map_err(Failure::Usage)?;
        (fit.lo, fit.hi) = preset.bounds();
    }
    if let Some(e) = args.value::<String>("estimator")? {
        fit.estimator = e.parse::<eigenlens::stats::Estimator>().map_err(Failure::Usage)?;
    }
    fit.lo = args.value("lo")?.unwrap_or(fit.lo);
    fit.hi = args.value("hi")?.unwrap_or(fit.hi);
    Ok(fit)
}
