//! "Save report" in the page: the standalone HTML report written by the same Rust function as
//! `eigenlens report` (`report_html::standalone_html`), from the report on screen and the three
//! package files the page fetched from its own origin.

use super::options::decode;
use crate::analysis::Report;
use crate::report_html::{html_of, parse_json, ReportAssets, ReportContext};
use crate::stats::FitRequest;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// What the page adds to the report: the fit as asked for (the element's controls), the
/// figure's title and how the file was read, as `[setting, value]` pairs.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct ReportOptions {
    fit: Option<FitRequest>,
    label: Option<String>,
    settings: Vec<(String, String)>,
}

/// The report on screen (`report`, the core's report object, and `reportJson`, the same as JSON
/// text, as the page's JSON export writes it, which the file embeds) as one standalone HTML file,
/// with the package's elements bundle, worker and wasm embedded; `options` (optional): `{fit:
/// {estimator, lo, hi}, label, settings: [[name, value], …]}`. The date is the browser's clock,
/// in UTC.
#[wasm_bindgen(js_name = reportHtml)]
pub fn report_html(
    report: JsValue,
    report_json: &str,
    bundle: String,
    worker: String,
    wasm: Vec<u8>,
    options: &JsValue,
) -> Result<String, JsError> {
    let o: ReportOptions = decode(options, "report options")?;
    // The report object through the decoder refit uses (one serde instantiation, not two).
    let decoded: Report =
        serde_wasm_bindgen::from_value(report).map_err(|e| JsError::new(&format!("invalid report: {e}")))?;
    let value = parse_json(report_json).map_err(|e| JsError::new(&e.to_string()))?;
    let created = created(&js_sys::Date::new_0());
    let context = ReportContext { created, fit: o.fit, label: o.label, settings: o.settings };
    html_of(&decoded, &value, report_json, &ReportAssets { bundle, worker, wasm }, &context)
        .map_err(|e| JsError::new(&e.to_string()))
}

/// "YYYY-MM-DD HH:MM UTC" from a JS Date (the same form as the CLI's).
fn created(now: &js_sys::Date) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        now.get_utc_full_year(),
        now.get_utc_month() + 1,
        now.get_utc_date(),
        now.get_utc_hours(),
        now.get_utc_minutes()
    )
}
