//! `eigenlens report FILE --out r.html`: the report of `analyze --json` as one standalone HTML
//! file (`eigenlens::report_html`): the numbers as static text, the report JSON and the package
//! files (elements bundle, worker, wasm) inside it, so that the figure and its refit controls work
//! when the file is opened from disk, with no server and no network.
//!
//! The package files come from `--assets DIR`, else the environment variable `EIGENLENS_ASSETS`,
//! else `dist-pkg/` of the source tree this binary was built from; `npx vite build -c
//! vite.lib.config.js` writes them there.

use crate::analyze::{analysis, report_value};
use crate::args::{emit, split_key, BootArgs, Failure, FitArgs, PreArgs, ReadArgs, RowArgs};
use eigenlens::read::{Header, IndexCol};
use eigenlens::report_html::{standalone_html, ReportAssets, ReportContext, ASSET_FILES};
use std::path::{Path, PathBuf};

/// Write the spectrum report of one matrix (what `analyze --json` prints) as one standalone
/// HTML file: the numbers, every eigenvalue, and the interactive figure whose estimator and fit
/// range refit offline (the elements, worker and wasm are embedded; it opens from disk)
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The matrix: a file, or FILE:KEY for one array of a .npz, .safetensors or .pt file (one
    /// layer of a moments file)
    #[arg(value_name = "FILE[:KEY]")]
    pub file: String,
    /// The HTML file to write
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// The directory holding the package files eigenlens.js, worker.js and eigenlens_bg.wasm
    /// [default: $EIGENLENS_ASSETS, else dist-pkg/ of the source tree]
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub pre: PreArgs,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub rows: RowArgs,
    #[command(flatten)]
    pub boot: BootArgs,
    /// Only the top K eigenvalues, without forming the D × D covariance (as analyze --top)
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
}

/// Where the package files are looked for, and which rule chose the place.
fn assets_dir(args: &ReportArgs) -> (PathBuf, &'static str) {
    if let Some(dir) = &args.assets {
        return (dir.clone(), "--assets");
    }
    match std::env::var_os("EIGENLENS_ASSETS") {
        Some(dir) if !dir.is_empty() => (PathBuf::from(dir), "EIGENLENS_ASSETS"),
        _ => (Path::new(env!("CARGO_MANIFEST_DIR")).join("dist-pkg"), "the source tree's dist-pkg/"),
    }
}

/// The three package files of `dir`; a missing one is named with the command that builds it.
pub fn read_assets(dir: &Path, why: &str) -> Result<ReportAssets, Failure> {
    let path = |name: &str| dir.join(name);
    let missing = |name: &str, e: std::io::Error| {
        Failure::Input(format!(
            "the report embeds the package files {} from {} ({why}), and {} cannot be read ({e}): build them with \
             `npx vite build -c vite.lib.config.js` in the eigenlens source tree, or pass --assets DIR",
            ASSET_FILES.join(", "),
            dir.display(),
            path(name).display()
        ))
    };
    let text = |name: &str| std::fs::read_to_string(path(name)).map_err(|e| missing(name, e));
    let assets = ReportAssets {
        bundle: text(ASSET_FILES[0])?,
        worker: text(ASSET_FILES[1])?,
        wasm: std::fs::read(path(ASSET_FILES[2])).map_err(|e| missing(ASSET_FILES[2], e))?,
    };
    assets.check().map_err(|e| Failure::Input(format!("{}: {e}", dir.display())))?;
    Ok(assets)
}

pub fn run(args: ReportArgs) -> Result<(), Failure> {
    let (dir, why) = assets_dir(&args);
    // The package files first: a missing build is found before a long analysis.
    let assets = read_assets(&dir, why)?;
    let json = report_json(&args)?;
    let context = ReportContext {
        created: created_now(),
        fit: Some(args.fit.request()),
        label: Some(label(&args.file)),
        settings: settings(&args),
    };
    let html = standalone_html(&json, &assets, &context).map_err(|e| Failure::Input(e.to_string()))?;
    std::fs::write(&args.out, &html)
        .map_err(|e| Failure::Input(format!("cannot write {}: {e}", args.out.display())))?;
    let alpha = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v["alpha_fit"]["label"].as_str().map(str::to_string))
        .unwrap_or_default();
    emit(&format!("wrote {} ({} bytes): α = {alpha}\n", args.out.display(), html.len()))
}

/// The report JSON exactly as `eigenlens analyze FILE --json` (with the same flags) prints it:
/// the same function makes it.
fn report_json(args: &ReportArgs) -> Result<String, Failure> {
    let (report, boot) = analysis(&args.file, &args.fit, &args.pre, &args.read, &args.rows, &args.boot, args.top)?;
    serde_json::to_string(&report_value(&report, boot.as_ref())?).map_err(|e| Failure::Input(e.to_string()))
}

/// The figure's title: the file's name, with the array of a multi-array file ("layers.npz › h2").
fn label(spec: &str) -> String {
    let (path, key) = split_key(spec);
    let name = crate::args::file_name(path);
    match key {
        Some(key) => format!("{name} › {key}"),
        None => name,
    }
}

/// The flags that changed how the data was read, as (setting, value), for the report's settings.
fn settings(args: &ReportArgs) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| s.push((k.to_string(), v));
    let (_, key) = split_key(&args.file);
    if let Some(key) = key {
        add("array", key.to_string());
    }
    if let Some(rows) = &args.rows.rows {
        let end = if rows.end == u64::MAX { String::new() } else { rows.end.to_string() };
        add("rows", format!("{}:{end} (0-based, end exclusive)", rows.start));
    }
    if args.rows.drop_nonfinite {
        add("rows with NaN/Inf", "dropped (--drop-nonfinite)".into());
    }
    let r = &args.read;
    if let Some(h) = r.header.filter(|h| *h != Header::Auto) {
        add("header", if h == Header::Yes { "yes".into() } else { "no".into() });
    }
    if let Some(i) = r.index_col.filter(|i| *i != IndexCol::Auto) {
        add("index column", i.to_string());
    }
    if r.transpose {
        add("transpose", "yes: the file stores units × samples".into());
    }
    if r.skip_positions > 0 {
        add("positions skipped", format!("the first {} of each sequence", r.skip_positions));
    }
    if let Some(k) = args.top {
        add("top k", format!("{k} (--top)"));
    }
    if let Some(b) = args.boot.resampling() {
        let block = b.block.map_or("default".to_string(), |l| l.to_string());
        add("bootstrap", format!("B = {}, block = {block}, seed {}", b.b, b.seed));
    }
    s
}

/// Now, as "YYYY-MM-DD HH:MM UTC"; `SOURCE_DATE_EPOCH` (seconds, the reproducible-builds
/// convention) replaces the clock, so the same input can give the same file.
fn created_now() -> String {
    let seconds =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
    utc(seconds)
}

/// Seconds since 1970-01-01 UTC as "YYYY-MM-DD HH:MM UTC" (the proleptic Gregorian calendar;
/// days to a date by Hinnant's `civil_from_days`).
fn utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn dates_are_utc_calendar_dates() {
        // Known instants: the epoch; 2000-02-29 12:34 (a leap day, 951_827_640 s, from `date -u -d`);
        // 2026-11-28 01:40 (1_795_830_000 s).
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_827_640), "2000-02-29 12:34 UTC");
        assert_eq!(utc(1_795_830_000), "2026-11-28 01:40 UTC");
        assert_eq!(utc(-86_400), "1969-12-31 00:00 UTC");
    }
}
