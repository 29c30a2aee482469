//! `eigenlens report FILE --out r.html` with small stand-in package files (so `cargo test` needs
//! no JS build): the file's name is escaped everywhere it is shown, the embedded report is the
//! JSON `analyze --json` prints, the package files come back out of the file unchanged, the CSP
//! names the inline script by its hash, and missing or wrong package files are refused by name.
//! The browser side (the file opened from file://, refits offline, no request) is
//! tests/e2e/report.test.mjs.

mod common;

use eigenlens::report_html::{base64, sha256, INLINE_SCRIPT};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A stand-in bundle that holds what must not end a script element early.
const BUNDLE: &str = "export function provideAssets() {}\nconst s = '</script><!-- <script>';\n";
const WORKER: &str = "self.onmessage = () => {}; // </SCRIPT>\n";
/// The 8-byte header of an empty wasm module (magic, version 1).
const WASM: &[u8] = b"\0asm\x01\0\0\0";

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eigenlens-report-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A package directory holding the stand-ins.
fn assets(tag: &str) -> PathBuf {
    let dir = temp_dir(&format!("{tag}-assets"));
    std::fs::write(dir.join("eigenlens.js"), BUNDLE).unwrap();
    std::fs::write(dir.join("worker.js"), WORKER).unwrap();
    std::fs::write(dir.join("eigenlens_bg.wasm"), WASM).unwrap();
    dir
}

/// Runs the binary with `args` and the environment `env`: (exit code, stdout, stderr).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eigenlens"));
    cmd.args(args).env_remove("EIGENLENS_ASSETS").env("SOURCE_DATE_EPOCH", "1795830000");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// The text of the `<script … id="ID">` element of `html`.
fn script(html: &str, id: &str) -> String {
    let open = format!(" id=\"{id}\">");
    let start = html.find(&open).unwrap_or_else(|| panic!("no script #{id}")) + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    html[start..end].to_string()
}

/// The reference layer copied under a name that is markup.
fn hostile_copy(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let path = dir.join("<img src=x onerror=alert(1)>.npy");
    std::fs::copy(common::data("digits_mlp/plain_h1_test.f32.npy"), &path).unwrap();
    path
}

fn write_report(file: &Path, assets: &Path, extra: &[&str]) -> String {
    let out = file.with_extension("html");
    let mut args = vec!["report", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--assets"];
    args.push(assets.to_str().unwrap());
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run_env(&args, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("wrote {}", out.display())), "{stdout}");
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn the_report_escapes_the_file_name_and_embeds_what_analyze_prints() {
    let file = hostile_copy("escape");
    let html = write_report(&file, &assets("escape"), &[]);
    // The name is shown (title, heading, settings) only as text.
    assert!(!html.contains("<img"), "raw markup from the file name");
    assert!(html.contains("<title>eigenlens report: &lt;img src=x onerror=alert(1)&gt;.npy</title>"));
    assert!(
        html.contains("<h1>Eigenspectrum of <span class=\"name\">&lt;img src=x onerror=alert(1)&gt;.npy</span></h1>")
    );
    assert!(html.contains("Written 2026-11-28 01:40 UTC"), "SOURCE_DATE_EPOCH 1795830000 is that instant");

    // The embedded report is the value `analyze --json` prints for the same file and flags.
    let analyze = common::json(&["analyze", file.to_str().unwrap(), "--json"]);
    let embedded: serde_json::Value = serde_json::from_str(&script(&html, "eigenlens-report")).unwrap();
    assert_eq!(embedded, analyze);
    assert_eq!(embedded["source"]["name"], "<img src=x onerror=alert(1)>.npy");
    // α from the reference (tests/data/reference.json, NumPy's weighted fit over n = 11…128).
    let want =
        common::reference()["matrices"]["digits_mlp/plain_h1_test"]["alpha_fit_stringer"]["alpha"].as_f64().unwrap();
    assert!((embedded["alpha_fit"]["alpha"].as_f64().unwrap() - want).abs() < 1e-9);
    assert!(
        html.contains("<dd class=\"alpha\">2.394 (stringer, n = 11…128) · 118 points · R² = 0.9961</dd>"),
        "α as static text"
    );
    assert!(html.contains("<dt>N × D</dt><dd>540 inputs × 256 units</dd>"));

    // The package files come back out exactly; nothing in them ends a script element early.
    let bundle: String = serde_json::from_str(&script(&html, "eigenlens-bundle")).unwrap();
    let worker: String = serde_json::from_str(&script(&html, "eigenlens-worker")).unwrap();
    assert_eq!((bundle.as_str(), worker.as_str()), (BUNDLE, WORKER));
    assert_eq!(script(&html, "eigenlens-wasm"), "AGFzbQEAAAA="); // base64 of the 8 bytes, RFC 4648
    assert_eq!(html.matches("</script>").count(), 6, "six script elements, each closed once");
    assert!(!html.to_ascii_lowercase().contains("</script><!--"));

    // The figure starts at the fit asked for; the CSP allows the inline module by its hash.
    let settings: serde_json::Value = serde_json::from_str(&script(&html, "eigenlens-settings")).unwrap();
    assert_eq!(settings["attributes"]["estimator"], "stringer");
    assert_eq!(
        (settings["attributes"]["lo"].as_str(), settings["attributes"]["hi"].as_str()),
        (Some("11"), Some("500"))
    );
    assert_eq!(script(&html, "eigenlens-wasm").len(), 12);
    let hash = base64(&sha256(INLINE_SCRIPT.as_bytes()));
    assert!(html.contains(&format!("script-src &#39;sha256-{hash}&#39; blob: &#39;wasm-unsafe-eval&#39;")), "CSP");
    assert!(html.contains("default-src &#39;none&#39;") && html.contains("connect-src &#39;none&#39;"));
    assert!(html.contains(&format!("<script type=\"module\">{INLINE_SCRIPT}</script>")));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing loads from the network");
}

#[test]
fn fit_and_bootstrap_flags_reach_the_report_as_they_reach_analyze() {
    let file = common::data("digits_mlp/plain_h1_test.f32.npy");
    let dir = temp_dir("flags");
    let copy = dir.join("plain_h1_test.f32.npy");
    std::fs::copy(&file, &copy).unwrap();
    let flags = ["--estimator", "ols", "--bootstrap", "20", "--seed", "3"];
    let html = write_report(&copy, &assets("flags"), &flags);
    let mut args = vec!["analyze", copy.to_str().unwrap(), "--json"];
    args.extend_from_slice(&flags);
    let analyze = common::json(&args);
    let embedded: serde_json::Value = serde_json::from_str(&script(&html, "eigenlens-report")).unwrap();
    assert_eq!(embedded, analyze);
    // OLS α from the reference (np.polyfit over n = 11…128).
    let want = common::reference()["matrices"]["digits_mlp/plain_h1_test"]["alpha_fit_ols"]["alpha"].as_f64().unwrap();
    assert!((embedded["alpha_fit"]["alpha"].as_f64().unwrap() - want).abs() < 1e-9);
    // The interval is shown as the JSON has it, with what it does not show.
    let i = &embedded["alpha_interval"];
    let shown = format!("[{:.4}, {:.4}] (95 %, α̂ ± z·se", i["lo"].as_f64().unwrap(), i["hi"].as_f64().unwrap());
    assert!(html.contains(&shown), "{shown}");
    assert!(html.contains("not the finite-N bias of α̂"));
    assert!(html.contains("<dt>bootstrap</dt><dd>B = 20, block = default, seed 3</dd>"));
    let settings: serde_json::Value = serde_json::from_str(&script(&html, "eigenlens-settings")).unwrap();
    assert_eq!(settings["attributes"]["estimator"], "ols");
}

#[test]
fn missing_or_wrong_package_files_are_refused_by_name() {
    let file = common::data("digits_mlp/plain_h1_test.f32.npy");
    let dir = temp_dir("missing");
    let out = dir.join("r.html");
    let nowhere = dir.join("no-such-dir");
    let args =
        ["report", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--assets", nowhere.to_str().unwrap()];
    let (code, stdout, stderr) = run_env(&args, &[]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("from {} (--assets)", nowhere.display())), "{stderr}");
    assert!(stderr.contains("npx vite build -c vite.lib.config.js"), "{stderr}");
    assert!(!out.exists(), "nothing written");

    // EIGENLENS_ASSETS is the place when --assets is not given.
    let args = ["report", file.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let (code, _, stderr) = run_env(&args, &[("EIGENLENS_ASSETS", nowhere.to_str().unwrap())]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("from {} (EIGENLENS_ASSETS)", nowhere.display())), "{stderr}");

    // A wasm that is not WebAssembly (an HTML error page saved by mistake) is named.
    let bad = assets("badwasm");
    std::fs::write(bad.join("eigenlens_bg.wasm"), "<!doctype html>").unwrap();
    let args = ["report", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--assets", bad.to_str().unwrap()];
    let (code, _, stderr) = run_env(&args, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("eigenlens_bg.wasm is not WebAssembly"), "{stderr}");
    assert!(!out.exists());
}
