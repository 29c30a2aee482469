//! The standalone HTML report: one file that holds a spectrum's report, its numbers as static
//! text, and the code that draws and refits its figure, and that opens from disk with no server
//! and no network (issue 17, part 3). The CLI (`eigenlens report`) and the page ("Save report",
//! through the wasm export `reportHtml`) both write it with [`standalone_html`].
//!
//! What the file holds, in order:
//!
//! - a Content-Security-Policy ([`csp`]) that allows exactly what the file does and nothing that
//!   reaches the network: `default-src 'none'`, `connect-src 'none'`; scripts only the one inline
//!   module (by its SHA-256, [`INLINE_SCRIPT`]) and `blob:` (the bundle and the worker are
//!   started from blob: URLs that the inline script makes from text in the file), with
//!   `'wasm-unsafe-eval'` to compile the embedded wasm; `worker-src blob:`; `img-src data: blob:`
//!   (the PNG export draws a blob: SVG); `style-src 'unsafe-inline'` for this file's own
//!   `<style>` and the figure's inline style attributes (styles cannot run code);
//! - the numbers as static text written here, every string HTML-escaped ([`escape_html`]): α
//!   with its fit range, estimator, R² and, when the report carries one, its bootstrap interval;
//!   N, D, participation ratio, effective rank, k₉₀ (bounds on the top-k path); the curvature
//!   test, the suggested range, the precision floor and the report's warnings, each saying what
//!   it does not show; the settings; the source file's name; the date;
//! - the report JSON exactly as given (`<script type="application/json">`, every `<` written
//!   `\u003c`, the same JSON value, so no `</script>` can end the element early), which holds all
//!   D eigenvalues;
//! - the three package files: the elements bundle and the worker as JSON strings (escaped the
//!   same way), the wasm as base64 ([`base64`]);
//! - the inline module [`INLINE_SCRIPT`]: it imports the bundle from a blob: URL, hands it the
//!   wasm and the worker (`provideAssets`), and shows an `<eigenlens-spectrum>` fed with the
//!   report (`el.report`), whose estimator and fit-range controls refit in the embedded wasm.
//!
//! The static numbers are the report as written; a refit in the figure changes the figure's α,
//! not the text (the page says so).

use crate::analysis::Report;
use crate::bootstrap::AlphaInterval;
use crate::error::{Error, Result};
use crate::stats::{Estimator, FitRequest};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The three files of the eigenlens package (`npx vite build -c vite.lib.config.js` writes them
/// to `dist-pkg/`): the elements bundle (`eigenlens.js`), the worker (`worker.js`), the wasm
/// (`eigenlens_bg.wasm`).
#[derive(Debug, Clone, Default)]
pub struct ReportAssets {
    pub bundle: String,
    pub worker: String,
    pub wasm: Vec<u8>,
}

/// The file names of [`ReportAssets`] in a package directory.
pub const ASSET_FILES: [&str; 3] = ["eigenlens.js", "worker.js", "eigenlens_bg.wasm"];

impl ReportAssets {
    /// Refuses files that cannot be what they claim: an empty bundle or worker, a bundle that
    /// does not export `provideAssets` (the site's own chunked `eigenlens.js` rather than the
    /// package's), a wasm without the `\0asm` magic.
    pub fn check(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Report(msg));
        if self.bundle.trim().is_empty() {
            return bad(format!("{} is empty: rebuild the package files", ASSET_FILES[0]));
        }
        if !self.bundle.contains("provideAssets") {
            return bad(format!(
                "{} does not export provideAssets: it is not the package bundle (dist-pkg/, written by \
                 `npx vite build -c vite.lib.config.js`)",
                ASSET_FILES[0]
            ));
        }
        if self.worker.trim().is_empty() {
            return bad(format!("{} is empty: rebuild the package files", ASSET_FILES[1]));
        }
        if !self.wasm.starts_with(b"\0asm") {
            return bad(format!(
                "{} is not WebAssembly (its first bytes are not \\0asm): rebuild the package files",
                ASSET_FILES[2]
            ));
        }
        Ok(())
    }
}

/// What the report says besides the report itself.
#[derive(Debug, Clone, Default)]
pub struct ReportContext {
    /// When the report was written, as it is shown ("2026-11-28 01:40 UTC").
    pub created: String,
    /// The fit as asked for (a preset's n_hi before the ⌊D/2⌋ cap): the figure's controls start
    /// there. None: the report's own fit (estimator and the ranks fitted).
    pub fit: Option<FitRequest>,
    /// The figure's title; none: the source file's name.
    pub label: Option<String>,
    /// How the data was read, as (setting, value): the array chosen, the rows, the reading flags.
    pub settings: Vec<(String, String)>,
}

/// The inline module of the report (its SHA-256 is in the CSP, so it is constant text; the data
/// it reads is in the `application/json` blocks, which never run).
pub const INLINE_SCRIPT: &str = r#"
const node = (id) => document.getElementById(id);
const json = (id) => JSON.parse(node(id).textContent);
const status = node('eigenlens-status');
try {
  const report = json('eigenlens-report');
  const settings = json('eigenlens-settings');
  const wasm = Uint8Array.from(atob(node('eigenlens-wasm').textContent.trim()), (c) => c.charCodeAt(0));
  const bundle = URL.createObjectURL(new Blob([json('eigenlens-bundle')], { type: 'text/javascript' }));
  const eigenlens = await import(bundle);
  eigenlens.provideAssets({ wasm, worker: { source: json('eigenlens-worker') } });
  const figure = document.createElement('eigenlens-spectrum');
  for (const [name, value] of Object.entries(settings.attributes)) figure.setAttribute(name, value);
  figure.report = report;
  node('eigenlens-figure').replaceChildren(figure);
  status.textContent = 'The figure below is drawn in this page; its controls refit α in the embedded wasm (no network). ' +
    'The numbers above stay as the report was written.';
} catch (e) {
  status.textContent = `The interactive figure could not start in this browser (${e?.message ?? e}); ` +
    'the numbers above and the report data in this file are unaffected.';
}
"#;

/// The report's Content-Security-Policy (module doc): no network, one inline script by hash.
pub fn csp() -> String {
    format!(
        "default-src 'none'; script-src 'sha256-{}' blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'none'; \
         style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'",
        base64(&sha256(INLINE_SCRIPT.as_bytes()))
    )
}

/// `text` with `&`, `<`, `>`, `"` and `'` as character references: safe in element content
/// and in quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text for a `<script type="application/json">` block: every `<` written `\u003c`. In
/// valid JSON a `<` can only stand inside a string, where `\u003c` is the same character, so the
/// value is unchanged, and neither `</script>` nor `<!--` can appear in the element.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The report as a standalone HTML file (module doc). `report_json` is the report as
/// `eigenlens analyze --json` writes it (with `alpha_interval` and `bootstrap` after
/// `--bootstrap`) or as the page holds it; it is embedded as given.
pub fn standalone_html(report_json: &str, assets: &ReportAssets, context: &ReportContext) -> Result<String> {
    let value = parse_json(report_json)?;
    let report: Report = Report::deserialize(&value)
        .map_err(|e| Error::Report(format!("the JSON is not an eigenlens spectrum report ({e})")))?;
    html_of(&report, &value, report_json, assets, context)
}

/// `report_json` as a JSON value, or why not.
pub fn parse_json(report_json: &str) -> Result<serde_json::Value> {
    serde_json::from_str(report_json).map_err(|e| {
        Error::Report(format!("the report is not JSON ({e}): pass what `eigenlens analyze --json` writes"))
    })
}

/// [`standalone_html`] with the report already decoded (the wasm binding decodes it from the
/// page's object, with the decoder the refit already uses, instead of a second one for JSON
/// text); `value` is `report_json` parsed, for the keys beside the report (`alpha_interval`,
/// `bootstrap`).
pub fn html_of(
    report: &Report,
    value: &serde_json::Value,
    report_json: &str,
    assets: &ReportAssets,
    context: &ReportContext,
) -> Result<String> {
    assets.check()?;
    let interval: Option<AlphaInterval> = value.get("alpha_interval").and_then(|v| AlphaInterval::deserialize(v).ok());
    let boot = value.get("bootstrap");
    let fit = context.fit.unwrap_or(FitRequest {
        estimator: report.alpha_fit.estimator,
        lo: report.alpha_fit.rank_lo,
        hi: report.alpha_fit.rank_hi,
    });
    let name =
        report.source.as_ref().map(|s| s.name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| "data".into());
    let label = context.label.clone().unwrap_or_else(|| name.clone());
    let settings = FigureSettings {
        attributes: Attributes {
            estimator: fit.estimator.to_string(),
            lo: fit.lo.to_string(),
            hi: fit.hi.to_string(),
            label: label.clone(),
        },
    };
    let settings_json = serde_json::to_string(&settings).map_err(|e| Error::Report(e.to_string()))?;

    let mut h = String::with_capacity(
        report_json.len() + assets.bundle.len() + assets.worker.len() + assets.wasm.len() * 4 / 3 + 65_536,
    );
    // Writing to a String cannot fail.
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"eigenlens {version}\">\n\
         <title>eigenlens report: {title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>Eigenspectrum of <span class=\"name\">{title}</span></h1>\n\
         <p class=\"meta\">Written {created} by eigenlens {version}. One self-contained file: it opens from disk with no \
         server and makes no network request.</p>\n",
        csp = escape_html(&csp()),
        version = escape_html(env!("CARGO_PKG_VERSION")),
        title = escape_html(&label),
        created = escape_html(&context.created),
    );
    numbers(&mut h, report, interval.as_ref(), boot);
    caveats(&mut h, report);
    h.push_str(
        "<section aria-labelledby=\"figure-h\">\n<h2 id=\"figure-h\">Figure</h2>\n\
         <p id=\"eigenlens-status\" class=\"note\" role=\"status\">Starting the figure (its code is in this file)…</p>\n\
         <div id=\"eigenlens-figure\"></div>\n\
         <noscript><p class=\"note\">The figure needs JavaScript; the numbers above and the report data in this file \
         (every eigenvalue, in the JSON block <code>eigenlens-report</code>) do not.</p></noscript>\n</section>\n",
    );
    settings_section(&mut h, report, &fit, &name, context);
    let _ = write!(
        h,
        "<section aria-labelledby=\"data-h\">\n<h2 id=\"data-h\">Data in this file</h2>\n<p>The full report — all {d} \
         eigenvalues, the fit, its diagnostics and warnings — is the JSON in the <code>&lt;script \
         id=\"eigenlens-report\"&gt;</code> element of this file, as <code>eigenlens analyze --json</code> writes it; \
         the figure's JSON and CSV buttons save it.</p>\n</section>\n</main>\n",
        d = grouped(report.eigenvalues.len() as u64),
    );
    let json_block = |h: &mut String, id: &str, text: &str| {
        let _ = writeln!(h, "<script type=\"application/json\" id=\"{id}\">{}</script>", script_json(text));
    };
    json_block(&mut h, "eigenlens-report", report_json);
    json_block(&mut h, "eigenlens-settings", &settings_json);
    let string = |s: &str| serde_json::to_string(s).map_err(|e| Error::Report(e.to_string()));
    json_block(&mut h, "eigenlens-bundle", &string(&assets.bundle)?);
    json_block(&mut h, "eigenlens-worker", &string(&assets.worker)?);
    let _ = writeln!(h, "<script type=\"text/plain\" id=\"eigenlens-wasm\">{}</script>", base64(&assets.wasm));
    let _ = write!(h, "<script type=\"module\">{INLINE_SCRIPT}</script>\n</body>\n</html>\n");
    Ok(h)
}

#[derive(Serialize)]
struct FigureSettings {
    attributes: Attributes,
}

/// The `<eigenlens-spectrum>` attributes the figure starts with.
#[derive(Serialize)]
struct Attributes {
    estimator: String,
    lo: String,
    hi: String,
    label: String,
}

const STYLE: &str = "
:root { color-scheme: light dark; --muted: #5f5f5f; --accent: #0072b2; }
@media (prefers-color-scheme: dark) { :root { --muted: #a8a8a8; --accent: #56b4e9; } }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.meta, .note { color: var(--muted); font-size: 0.9rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.alpha { font-size: 1.2rem; color: var(--accent); }
ul { padding-left: 1.2rem; }
li { margin: 0.2rem 0; }
code { font-size: 0.9em; }
";

/// The numbers, as written.
fn numbers(h: &mut String, r: &Report, interval: Option<&AlphaInterval>, boot: Option<&serde_json::Value>) {
    let f = &r.alpha_fit;
    let mut rows: Vec<(&str, String)> = Vec::new();
    let fit_line = match f.r2 {
        Some(r2) if f.valid => format!("{} · {} points · R² = {r2:.4}", f.label, f.n_points),
        _ => f.label.clone(),
    };
    rows.push(("α", fit_line));
    rows.push(("interval on α", interval_text(interval, boot, f.valid)));
    rows.push(("estimator", estimator_text(f.estimator)));
    rows.push(("fit range", format!("ranks n = {}…{} (1-based, inclusive)", f.rank_lo, f.rank_hi)));
    rows.push(("N × D", format!("{} inputs × {} units", grouped(r.n_rows), grouped(r.n_cols as u64))));
    if r.n_dropped_rows > 0 {
        rows.push(("rows dropped", format!("{} (NaN or ±Inf)", grouped(r.n_dropped_rows))));
    }
    match &r.top_k {
        Some(t) => {
            let b = &t.bounds;
            rows.push((
                "top k",
                format!(
                    "only the top {} of {} eigenvalues computed ({} passes over the rows, {}; max residual ‖Cv − λv‖ = \
                     {:.2e}, {:.1e} of λ)",
                    t.top_k,
                    grouped(r.n_cols as u64),
                    t.passes,
                    if t.converged { "converged" } else { "NOT converged" },
                    t.max_residual,
                    t.max_relative_residual
                ),
            ));
            rows.push((
                "participation ratio",
                format!("≥ {:.2}, ≤ {:.2} (bounds)", b.participation_ratio.low, b.participation_ratio.high),
            ));
            rows.push((
                "effective rank",
                format!("≥ {:.2}, ≤ {:.2} (bounds)", b.effective_rank.low, b.effective_rank.high),
            ));
            rows.push(("k₉₀", format!("≥ {}, ≤ {} (bounds)", b.k90.low, b.k90.high)));
        }
        None => {
            rows.push(("participation ratio", format!("{:.4}", r.participation_ratio)));
            rows.push(("effective rank", format!("{:.4}", r.effective_rank)));
            rows.push(("k₉₀", format!("{} (components holding 90 % of the variance)", r.k90)));
        }
    }
    rows.push(("numerical rank", r.numerical_rank.to_string()));
    rows.push(("total variance", format!("{:.6e}", r.total_variance)));
    rows.push(("constant columns", r.n_constant_columns.to_string()));
    h.push_str("<section aria-labelledby=\"numbers-h\">\n<h2 id=\"numbers-h\">Numbers</h2>\n<dl class=\"numbers\">\n");
    for (i, (k, v)) in rows.iter().enumerate() {
        let class = if i == 0 { " class=\"alpha\"" } else { "" };
        let _ = writeln!(h, "<dt>{}</dt><dd{class}>{}</dd>", escape_html(k), escape_html(v));
    }
    h.push_str("</dl>\n</section>\n");
}

fn estimator_text(e: Estimator) -> String {
    match e {
        Estimator::Stringer => "stringer: least squares of ln λ on ln n weighted 1/n (Stringer et al. 2019)".into(),
        Estimator::Ols => "ols: ordinary least squares of ln λ on ln n".into(),
    }
}

fn interval_text(interval: Option<&AlphaInterval>, boot: Option<&serde_json::Value>, valid: bool) -> String {
    let num = |key: &str| boot.and_then(|b| b.get(key)).and_then(serde_json::Value::as_f64);
    match interval {
        Some(i) => {
            let mut s = format!("[{:.4}, {:.4}] ({:.0} %, α̂ ± z·se", i.lo, i.hi, i.level * 100.0);
            if let Some(se) = num("se") {
                let _ = write!(s, ", se = {se:.4}");
            }
            if let Some(b) = num("b") {
                let _ = write!(s, "; B = {b} bootstrap resamples");
            }
            let rows = if i.block == 1 { "single rows".to_string() } else { format!("blocks of {} rows", i.block) };
            let _ = write!(s, " of {rows}");
            if let Some(seed) = num("seed") {
                let _ = write!(s, ", seed {seed}");
            }
            s.push_str(
                "). It shows the scatter of α̂ at this N over resampled rows, for the fit above only; not the finite-N \
                 bias of α̂, nor how α moves with the range or the estimator.",
            );
            s
        }
        None if boot.is_some() => "none: too few resamples gave a valid α (see the warnings)".into(),
        None if valid => {
            "not computed (eigenlens report FILE --bootstrap B, or Bootstrap α in the page before Save report, adds one)"
                .into()
        }
        None => "none (no valid fit)".into(),
    }
}

/// The verdicts and caveats the report carries, each with what it does not show.
fn caveats(h: &mut String, r: &Report) {
    let f = &r.alpha_fit;
    let d = &r.fit_diagnostics;
    let c = &d.curvature;
    let mut items: Vec<String> = Vec::new();
    let slopes = |v: &[f64]| v.iter().map(|a| format!("{a:.2}")).collect::<Vec<_>>().join(" → ");
    if !c.tested {
        items.push(format!("Curvature: not tested ({}).", c.reason.as_deref().unwrap_or("no valid fit")));
    } else if c.flagged {
        let breaks: Vec<String> = c.breaks.iter().map(|b| b.to_string()).collect();
        items.push(format!(
            "Curvature: {} — not one power law over n = {}…{} (slopes {} broken at n ≈ {}); α depends on the range.",
            c.kind.as_deref().unwrap_or("flagged"),
            f.rank_lo,
            f.rank_hi,
            slopes(&c.slopes),
            breaks.join(", ")
        ));
    } else {
        items.push(format!(
            "Curvature: not flagged over n = {}…{} (slopes {}: flattening {:.0} %, steepening {:.0} %, broken law {:.0} % \
             of the residual); a milder bend, or one outside the range, is not ruled out.",
            f.rank_lo,
            f.rank_hi,
            slopes(&c.slopes),
            c.flattening * 100.0,
            c.steepening * 100.0,
            c.rss_ratio.unwrap_or(1.0) * 100.0
        ));
    }
    items.push(match &d.suggested {
        Some(g) => format!(
            "Suggested range: n = {}…{}, where the local slope stays within ±{:.0} % (α = {:.3} there); stable, not \
             proven clean.",
            g.lo,
            g.hi,
            crate::stats::diagnostics::STABLE_TOLERANCE * 100.0,
            g.alpha
        ),
        None => format!("Suggested range: none ({}).", d.suggested_reason.as_deref().unwrap_or("none found")),
    });
    match (&r.precision_floor, &r.source) {
        (Some(floor), _) => {
            let reach = r.eigenvalues.iter().take_while(|v| **v >= 10.0 * floor.value).count();
            items.push(format!(
                "Precision floor: {:.3e} ({} rounding, ulp²/12 per value; its eigenvalues {:.2e}…{:.2e}); λ_n is at \
                 least 10× the floor up to n = {reach}.",
                floor.value, floor.dtype, floor.band[0], floor.band[1]
            ));
        }
        (None, Some(info)) if !info.dtype.is_empty() => items.push(format!(
            "Precision floor: not measured for {} (only f16, bf16 and integer storage round enough to matter).",
            info.dtype
        )),
        _ => {}
    }
    items.extend(r.warnings.iter().cloned());
    items.push(
        "What α does not show: it summarises the spectrum over the fit range only, for these N inputs; it changes with \
         the range and the estimator, and a good power-law fit is not proof that the code is a power law."
            .into(),
    );
    h.push_str("<section aria-labelledby=\"caveats-h\">\n<h2 id=\"caveats-h\">Verdicts and caveats</h2>\n<ul>\n");
    for item in &items {
        let _ = writeln!(h, "<li>{}</li>", escape_html(item));
    }
    h.push_str("</ul>\n</section>\n");
}

/// The settings the report was made with.
fn settings_section(h: &mut String, r: &Report, fit: &FitRequest, name: &str, context: &ReportContext) {
    let mut rows: Vec<(String, String)> = vec![("source".into(), source_text(r, name))];
    rows.push(("fit asked for".into(), format!("{}, n = {}…{} (n_hi capped at ⌊D/2⌋)", fit.estimator, fit.lo, fit.hi)));
    let p = &r.preprocessing;
    let mut spectrum = vec![if p.standardized {
        "the correlation matrix (units z-scored)".to_string()
    } else {
        "the covariance matrix".to_string()
    }];
    if p.positions_centred {
        spectrum.push("each position's mean over sequences subtracted".into());
    }
    if p.removed_top > 0 {
        let removed: Vec<String> = p.removed_eigenvalues.iter().map(|v| format!("{v:.4e}")).collect();
        spectrum.push(format!(
            "the top {} eigenvalues removed (λ = {}), the rest renumbered from 1",
            p.removed_top,
            removed.join(" ")
        ));
    }
    rows.push(("spectrum of".into(), spectrum.join("; ")));
    rows.extend(context.settings.iter().cloned());
    h.push_str("<section aria-labelledby=\"settings-h\">\n<h2 id=\"settings-h\">Settings</h2>\n<dl>\n");
    for (k, v) in &rows {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape_html(k), escape_html(v));
    }
    h.push_str("</dl>\n</section>\n");
}

fn source_text(r: &Report, name: &str) -> String {
    let Some(info) = &r.source else { return name.to_string() };
    let mut s = name.to_string();
    if !info.dtype.is_empty() {
        let _ = write!(s, " · {}", info.dtype);
    }
    if !info.shape.is_empty() {
        let shape: Vec<String> = info.shape.iter().map(|n| n.to_string()).collect();
        let _ = write!(s, " [{}]", shape.join(", "));
    }
    if info.fortran_order {
        s.push_str(" (Fortran order)");
    }
    if let Some(how) = &info.flattened {
        let _ = write!(s, " · {how}");
    }
    s
}

/// `n` with commas between groups of three digits: 1,234,567.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Standard base64 (RFC 4648 §4, with `=` padding) of `bytes`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SHA-256 (FIPS 180-4) of `bytes`: the CSP names the inline script by it.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut state: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut message = bytes.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((bytes.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            (hh, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, s) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&s.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_fips_examples() {
        // FIPS 180-4 / NIST CSRC examples (SHA256.pdf): "abc", the empty string, and the
        // two-block "abcdbcdecdef…nopq".
        assert_eq!(hex(&sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hex(&sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(
            hex(&sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        // RFC 4648 §10 test vectors.
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(escape_html("<img src=x onerror=alert(1)>.npy"), "&lt;img src=x onerror=alert(1)&gt;.npy");
        assert_eq!(escape_html("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
        assert_eq!(
            script_json(r#"{"name":"</script><script>x()</script>"}"#),
            r#"{"name":"\u003c/script>\u003cscript>x()\u003c/script>"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&script_json(r#"{"a":"<!--</x>"}"#)).unwrap();
        assert_eq!(back["a"], "<!--</x>");
    }

    #[test]
    fn groups_digits_in_threes() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn assets_that_cannot_be_the_package_are_refused() {
        let good =
            ReportAssets { bundle: "export { provideAssets }".into(), worker: "w".into(), wasm: b"\0asm\x01".to_vec() };
        assert!(good.check().is_ok());
        let wasm = ReportAssets { wasm: b"<html>".to_vec(), ..good.clone() };
        assert!(matches!(wasm.check(), Err(Error::Report(m)) if m.contains("eigenlens_bg.wasm is not WebAssembly")));
        let site = ReportAssets { bundle: "import './assets/x.js'".into(), ..good.clone() };
        assert!(matches!(site.check(), Err(Error::Report(m)) if m.contains("does not export provideAssets")));
        let empty = ReportAssets { worker: " ".into(), ..good };
        assert!(matches!(empty.check(), Err(Error::Report(m)) if m.contains("worker.js is empty")));
    }
}
