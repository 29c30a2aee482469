//! `eigenlens analyze`: the spectrum, α, its diagnostics and dimensionality of one matrix.
//!
//! A seekable file large enough is read by one thread per core, each on its share of rows
//! (`plan::row_shares`); the shares' moments merge by the Chan update and their rounding noise
//! by `RoundingNoise::merge`, so the report is the one-reader report up to round-off.
//!
//! `--bootstrap B` holds the rows in memory and resamples them in blocks (`bootstrap`): whole
//! sequences of a 3-D [S, T, H] tensor by default (T − k rows with `--skip-positions k`), single
//! rows otherwise; `alpha_interval` and the whole `bootstrap` report join the JSON.

use crate::args::{
    cli_words, emit, file_name, guesses, note_lines, open_matrix_file, print_json, split_key, BootArgs, Failure,
    FitArgs, PreArgs, ReadArgs, Resampling, RowArgs,
};
use eigenlens::analysis::{self, Preprocess, Report, Share};
use eigenlens::bootstrap::{bootstrap_alpha, sequence_block, BootstrapReport, BootstrapSettings};
use eigenlens::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use eigenlens::moments_file;
use eigenlens::read::{ArrayInfo, ReadOptions};
use eigenlens::stats::FitRequest;
use std::fmt::Write;
use std::ops::Range;

/// The eigenspectrum, power-law exponent α (with its fit-range diagnostics and the storage
/// precision floor) and dimensionality of one matrix (rows = inputs, columns = units), or of one
/// layer of a moments file (eigenlens moments, docs/MOMENTS.md)
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// The matrix: a file, or FILE:KEY for one array of a .npz, .safetensors or .pt file (one
    /// layer of a moments file). Several moments files of one layer's rows (one per GPU or
    /// machine) are merged and analysed as one: M1 M2 … or M1:LAYER M2 …
    #[arg(value_name = "FILE[:KEY]", required = true, num_args = 1..)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub pre: PreArgs,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub rows: RowArgs,
    /// Print one JSON object (every figure, all D eigenvalues, the diagnostics) instead of a summary
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub boot: BootArgs,
    /// Only the top K eigenvalues, without forming the D × D covariance (for wide layers): block
    /// Krylov in passes over the rows; α's range capped at K; PR, effective rank and k90 as bounds
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
}

/// The core's refusal of a bootstrap after preprocessing (`bootstrap::check_preprocess`), as
/// usage: --standardize, --remove-top and --centre-positions with --bootstrap.
pub fn bootstrap_with(pre: &Preprocess) -> Result<(), Failure> {
    eigenlens::bootstrap::check_preprocess(pre).map_err(|_| {
        Failure::Usage(format!(
            "--bootstrap with --standardize, --remove-top or --centre-positions: {}",
            eigenlens::bootstrap::PREPROCESSED
        ))
    })
}

impl AnalyzeArgs {
    /// The file analysed (the first of several moments files).
    fn file(&self) -> &str {
        &self.files[0]
    }
}

pub fn run(args: AnalyzeArgs) -> Result<(), Failure> {
    if args.files.len() > 1 {
        return run_merged(&args);
    }
    let (report, boot) = analysis(args.file(), &args.fit, &args.pre, &args.read, &args.rows, &args.boot, args.top)?;
    match (args.json, boot) {
        (true, boot) => print_json(&report_value(&report, boot.as_ref())?),
        (false, boot) => {
            let mut text = summary(&report);
            if let Some(boot) = boot {
                text.push_str(&bootstrap_summary(&boot));
            }
            emit(&text)
        }
    }
}

/// The report of one file (FILE[:KEY]) and its bootstrap when asked, as `analyze` makes them
/// (and `report` embeds them): the flags checked against each other, the full or top-k
/// analysis, the reader's guesses first among the notes (they decide what the rest is about),
/// in the CLI's words.
pub fn analysis(
    file: &str,
    fit: &FitArgs,
    pre: &PreArgs,
    read: &ReadArgs,
    rows: &RowArgs,
    boot: &BootArgs,
    top: Option<usize>,
) -> Result<(Report, Option<BootstrapReport>), Failure> {
    let (fit, pre, options) = (fit.request(), pre.preprocess(), read.options());
    if boot.bootstrap.is_some() {
        bootstrap_with(&pre)?;
    }
    if boot.bootstrap.is_some() && is_moments_file(file) {
        return Err(Failure::Usage(
            "--bootstrap resamples rows, and a moments file holds none: bootstrap the activations themselves".into(),
        ));
    }
    let mut report = match top {
        Some(k) => {
            if boot.bootstrap.is_some() || pre != Preprocess::default() || rows.drop_nonfinite {
                return Err(Failure::Usage(
                    "--top computes the covariance's top K from passes over the rows as read: it does not combine \
                     with --bootstrap, --standardize, --remove-top, --centre-positions or --drop-nonfinite"
                        .into(),
                ));
            }
            if is_moments_file(file) {
                return Err(Failure::Usage(
                    "--top is for rows too wide to form C; a moments file already holds C: analyse it without --top"
                        .into(),
                ));
            }
            top_k_report_of(file, rows.rows.clone(), &options, &fit, k)?
        }
        None => report_of(file, rows.rows.clone(), rows.drop_nonfinite, &options, &fit, &pre)?,
    };
    let mut notes = report.source.as_ref().map_or(Vec::new(), |info| guesses(file, info, false));
    notes.extend(report.warnings.iter().map(|w| cli_words(w)));
    report.warnings = notes;
    let boot = match (boot.resampling(), &report.source) {
        (Some(how), Some(info)) => {
            Some(bootstrap_file(file, rows.rows.clone(), rows.drop_nonfinite, info, &options, &fit, &how)?)
        }
        _ => None,
    };
    Ok((report, boot))
}

/// The JSON of `analyze --json`: the report's own keys, then `alpha_interval` and the whole
/// bootstrap beside them when there is one.
pub fn report_value(report: &Report, boot: Option<&BootstrapReport>) -> Result<serde_json::Value, Failure> {
    let failed = |e: serde_json::Error| Failure::Input(e.to_string());
    let mut json = serde_json::to_value(report).map_err(failed)?;
    if let (Some(boot), Some(object)) = (boot, json.as_object_mut()) {
        object.insert("alpha_interval".into(), serde_json::to_value(&boot.alpha_interval).map_err(failed)?);
        object.insert("bootstrap".into(), serde_json::to_value(boot).map_err(failed)?);
    }
    Ok(json)
}

/// Several moments files of one layer's rows, merged (the Chan update, in any order) and
/// analysed as one (`moments_file::report_of_files`); the layer is the first file's KEY. Files of
/// rows, --top and --bootstrap need the rows and are refused.
fn run_merged(args: &AnalyzeArgs) -> Result<(), Failure> {
    if let Some(rows) = args.files.iter().find(|spec| !is_moments_file(spec)) {
        return Err(Failure::Usage(format!(
            "{rows}: not a moments file; several files are analysed together only when each is a moments file \
             (eigenlens moments, eigenlens.Moments): analyse a file of rows on its own"
        )));
    }
    if args.boot.bootstrap.is_some() || args.top.is_some() {
        return Err(Failure::Usage(
            "--bootstrap and --top need the rows, and moments files hold none: analyse the activations themselves"
                .into(),
        ));
    }
    let (fit, pre) = (args.fit.request(), args.pre.preprocess());
    moments_file::check_row_settings(
        args.rows.rows.is_some(),
        args.rows.drop_nonfinite,
        &args.read.options(),
        pre.centre_positions,
    )
    .map_err(|e| Failure::Usage(e.to_string()))?;
    let key = split_key(args.file()).1;
    let layers = args
        .files
        .iter()
        .map(|spec| {
            let path = split_key(spec).0;
            let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
            let mut source = eigenlens::read::source::FileSource::open(path).map_err(input)?;
            moments_file::read(&mut source).map_err(input)
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let name = file_name(split_key(args.file()).0);
    let mut report = moments_file::report_of_files(layers, key, &name, &fit, &pre)
        .map_err(|e| Failure::Input(format!("{}: {e}", args.files.join(" + "))))?;
    report.warnings = report.warnings.iter().map(|w| cli_words(w)).collect();
    if args.json {
        print_json(&report)
    } else {
        emit(&summary(&report))
    }
}

/// The bootstrap of α with `fit` over the rows of `spec` (FILE[:KEY]) as read, held in memory.
pub fn bootstrap_file(
    spec: &str,
    rows: Option<Range<u64>>,
    drop_nonfinite: bool,
    info: &ArrayInfo,
    options: &ReadOptions,
    fit: &FitRequest,
    how: &Resampling,
) -> Result<BootstrapReport, Failure> {
    let input = |e: eigenlens::Error| Failure::Input(format!("{}: {e}", split_key(spec).0));
    let mut opened = open_matrix_file(spec, rows.clone(), options)?;
    let mut x = Matrix::read_all(opened.rows.as_mut(), DEFAULT_MEMORY_LIMIT).map_err(input)?;
    if drop_nonfinite {
        let d = x.cols;
        let kept: Vec<f64> =
            x.data.chunks_exact(d).filter(|r| r.iter().all(|v| v.is_finite())).flatten().copied().collect();
        x = Matrix { rows: kept.len() / d.max(1), cols: d, data: kept };
    }
    let sequence = sequence_block(info);
    let settings =
        BootstrapSettings { b: how.b, seed: how.seed, fit: *fit, block: how.block.or(sequence), ..Default::default() };
    let mut boot = bootstrap_alpha(&x, &settings, &mut |_| true).map_err(|e| match e {
        eigenlens::Error::Setting(msg) => Failure::Usage(msg),
        e => input(e),
    })?;
    if let (None, Some(t)) = (how.block, sequence) {
        boot.warnings.insert(0, eigenlens::bootstrap::whole_sequences_note(t));
        // Whole sequences only when the row range starts at a sequence boundary.
        if let Some(rows) = rows.as_ref().filter(|r| r.start % t as u64 != 0) {
            boot.warnings.push(format!(
                "--rows starts at row {}, inside a sequence of T = {t}: the blocks of {t} rows do not follow \
                 sequence boundaries",
                rows.start
            ));
        }
    }
    boot.warnings = boot.warnings.iter().map(|w| cli_words(w)).collect();
    Ok(boot)
}

/// The bootstrap lines of the readable summary.
fn bootstrap_summary(r: &BootstrapReport) -> String {
    let mut s = String::new();
    let rows = if r.block == 1 { "single rows".to_string() } else { format!("blocks of {} rows", r.block) };
    // Writing to a String cannot fail.
    let _ = match &r.alpha_interval {
        Some(i) => writeln!(
            s,
            "alpha interval       [{:.4}, {:.4}]  ({:.0} %, α̂ ± z·se, se = {:.4}; B = {}, {rows}, seed {})",
            i.lo,
            i.hi,
            i.level * 100.0,
            r.se.unwrap_or(f64::NAN),
            r.b,
            r.seed
        ),
        None => writeln!(s, "alpha interval       none  ({} of {} resamples without a valid α)", r.n_invalid, r.b),
    };
    s.push_str(&note_lines(&r.warnings));
    s
}

/// The report of the matrix `spec` (FILE[:KEY]) read as `options` say (by several threads when
/// the file allows), with the rounding noise of its stored type, then fitted with `fit` after
/// `pre`. The reader's guesses are in `source.guesses`, not yet among the warnings.
pub fn report_of(
    spec: &str,
    rows: Option<Range<u64>>,
    drop_nonfinite: bool,
    options: &ReadOptions,
    fit: &FitRequest,
    pre: &Preprocess,
) -> Result<Report, Failure> {
    if is_moments_file(spec) {
        return moments_report(spec, rows, drop_nonfinite, options, fit, pre);
    }
    let (path, _) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let (info, share) = accumulate_file(spec, rows, drop_nonfinite, options, pre)?;
    let mut report = analysis::report_from_share(share, fit, pre).map_err(input)?;
    report.source = Some(info);
    Ok(report)
}

/// The moments of the matrix `spec` (FILE[:KEY]) read as `options` say, by several threads when
/// the file allows, with the rounding noise of its stored type (and the position sums `pre`
/// asks for); and what the reader found.
pub fn accumulate_file(
    spec: &str,
    rows: Option<Range<u64>>,
    drop_nonfinite: bool,
    options: &ReadOptions,
    pre: &Preprocess,
) -> Result<(ArrayInfo, Share), Failure> {
    let mut opened = open_matrix_file(spec, rows.clone(), options)?;
    let (path, _) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let readers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shares = eigenlens::plan::row_shares(path, &opened.info, rows, readers);
    let share = if shares.len() > 1 {
        drop(opened.rows);
        accumulate_shares(spec, &shares, options, &opened.info, drop_nonfinite, pre)?
    } else {
        let positions = analysis::position_sums_for(&opened.info, opened.rows.as_ref(), pre).map_err(input)?;
        let dtype = &opened.info.dtype;
        analysis::accumulate_share(opened.rows.as_mut(), dtype, drop_nonfinite, positions, &mut |_, _| true)
            .map_err(input)?
    };
    Ok((opened.info, share))
}

/// The top-k report of the matrix `spec` (FILE[:KEY]): each pass reads the rows again, split
/// over one thread per core when the file can seek (each thread's share of a pass is added to
/// the others', [`eigenlens::linalg::topk::PassShare::merge`]).
pub fn top_k_report_of(
    spec: &str,
    rows: Option<Range<u64>>,
    options: &ReadOptions,
    fit: &FitRequest,
    k: usize,
) -> Result<Report, Failure> {
    use eigenlens::linalg::topk::{PassShare, Settings, TopK};
    let (path, _) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let opened = open_matrix_file(spec, rows.clone(), options)?;
    let info = opened.info.clone();
    let d = opened.rows.cols();
    drop(opened);
    let mut solver = TopK::new(d, k, Settings::default()).map_err(|e| match e {
        eigenlens::Error::Setting(msg) => Failure::Usage(msg),
        e => input(e),
    })?;
    // The page's rule for splitting a pass over its workers (plan::row_shares_top_k).
    let readers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shares: Vec<Option<Range<u64>>> =
        eigenlens::plan::row_shares_top_k(path, &info, rows, readers).into_iter().map(Some).collect();
    while let Some(pass) = solver.next_pass() {
        let results: Vec<Result<PassShare, Failure>> = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .map(|share| {
                    let pass = &pass;
                    scope.spawn(move || {
                        let mut opened = open_matrix_file(spec, share.clone(), options)?;
                        let mut acc = PassShare::new(pass);
                        let mut block = Vec::new();
                        loop {
                            let n = opened.rows.next_block(&mut block).map_err(input)?;
                            if n == 0 {
                                return Ok(acc);
                            }
                            acc.add_rows(pass, &block, n).map_err(input)?;
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(Failure::Input("a reader thread failed".into()))))
                .collect()
        });
        let mut merged: Option<PassShare> = None;
        for part in results {
            let part = part?;
            match merged.as_mut() {
                None => merged = Some(part),
                Some(m) => m.merge(&part).map_err(input)?,
            }
        }
        let merged = merged.ok_or_else(|| Failure::Input(format!("{path}: no rows")))?;
        if solver.finish_pass(merged).map_err(input)? {
            break;
        }
    }
    let solution =
        solver.solution().ok_or_else(|| Failure::Input(format!("{path}: the top-k solver gave no result")))?;
    let mut report = analysis::top_k_report(solution, d, fit);
    report.source = Some(info);
    Ok(report)
}

/// Whether FILE of `spec` (FILE[:LAYER]) is a moments file (docs/MOMENTS.md): safetensors whose
/// metadata names the format. Unreadable files are not: opening them as a matrix says why.
pub fn is_moments_file(spec: &str) -> bool {
    let (path, _) = split_key(spec);
    let Ok(mut source) = eigenlens::read::source::FileSource::open(path) else {
        return false;
    };
    let mut head = [0u8; 16];
    let n = eigenlens::read::Source::read_at(&mut source, 0, &mut head).unwrap_or(0);
    matches!(eigenlens::read::Format::detect(&file_name(path), &head[..n]), Ok(eigenlens::read::Format::Safetensors))
        && moments_file::is_moments_file(&mut source)
}

/// The report of one layer of a moments file: the same spectrum, α and figures as the rows it
/// was taken from, with no precision floor (the file holds no rounding noise). Row ranges and
/// reading flags are about rows, so they are refused.
fn moments_report(
    spec: &str,
    rows: Option<Range<u64>>,
    drop_nonfinite: bool,
    options: &ReadOptions,
    fit: &FitRequest,
    pre: &Preprocess,
) -> Result<Report, Failure> {
    moments_file::check_row_settings(rows.is_some(), drop_nonfinite, options, pre.centre_positions)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let (path, key) = split_key(spec);
    let input = |e: eigenlens::Error| Failure::Input(format!("{path}: {e}"));
    let mut source = eigenlens::read::source::FileSource::open(path).map_err(input)?;
    let layers = moments_file::read(&mut source).map_err(input)?;
    moments_file::report_of_files(vec![layers], key, &file_name(path), fit, pre).map_err(input)
}

/// Each share read by its own thread and reader; the moments (Chan) and the rounding noise
/// merged in row order.
fn accumulate_shares(
    spec: &str,
    shares: &[Range<u64>],
    options: &ReadOptions,
    info: &ArrayInfo,
    drop_nonfinite: bool,
    pre: &Preprocess,
) -> Result<Share, Failure> {
    let input = |e: eigenlens::Error| Failure::Input(format!("{}: {e}", split_key(spec).0));
    let parts: Vec<Result<Share, Failure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| {
                scope.spawn(move || {
                    let mut opened = open_matrix_file(spec, Some(share.clone()), options)?;
                    // Each share's positions count from its own first row.
                    let positions = analysis::position_sums_for(info, opened.rows.as_ref(), pre).map_err(input)?;
                    let rows = opened.rows.as_mut();
                    analysis::accumulate_share(rows, &info.dtype, drop_nonfinite, positions, &mut |_, _| true)
                        .map_err(input)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Failure::Input("a reader thread failed".into()))))
            .collect()
    });
    let shares = parts.into_iter().collect::<Result<Vec<_>, Failure>>()?;
    Share::merge_all(shares).map_err(input)
}

/// The readable summary of a report.
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_summary(&mut s, r);
    s
}

fn write_summary(s: &mut String, r: &Report) -> std::fmt::Result {
    if let Some(info) = &r.source {
        writeln!(
            s,
            "{}: {} {:?}{}",
            info.name,
            info.dtype,
            info.shape,
            if info.fortran_order { " (Fortran order)" } else { "" }
        )?;
        if let Some(how) = &info.flattened {
            writeln!(s, "  {how}")?;
        }
    }
    writeln!(s, "N × D                {} × {}", r.n_rows, r.n_cols)?;
    if r.n_dropped_rows > 0 {
        writeln!(s, "rows dropped         {} (NaN/Inf)", r.n_dropped_rows)?;
    }
    let p = &r.preprocessing;
    if p.positions_centred {
        writeln!(s, "positions            centred: each position's mean over sequences subtracted")?;
    }
    if p.standardized {
        writeln!(s, "units                z-scored: the spectrum is of the correlation matrix")?;
    }
    if p.removed_top > 0 {
        let removed: Vec<String> = p.removed_eigenvalues.iter().map(|v| format!("{v:.4e}")).collect();
        let label = format!("removed top {}", p.removed_top);
        writeln!(s, "{label:<21}λ = {} (the rest renumbered from 1)", removed.join(" "))?;
    }
    writeln!(s, "total variance       {:.6e}", r.total_variance)?;
    writeln!(s, "numerical rank       {}", r.numerical_rank)?;
    writeln!(s, "constant columns     {}", r.n_constant_columns)?;
    match &r.top_k {
        Some(t) => {
            let b = &t.bounds;
            writeln!(
                s,
                "top k                {} of {} eigenvalues, {} passes over the rows (block {}), {}; max residual \
                 ‖Cv − λv‖ = {:.2e} ({:.1e} of λ)",
                t.top_k,
                r.n_cols,
                t.passes,
                t.block,
                if t.converged { "converged" } else { "NOT converged (pass cap)" },
                t.max_residual,
                t.max_relative_residual
            )?;
            writeln!(
                s,
                "tail variance        {:.6e} (trace − Σ top k, over ≤ {} eigenvalues)",
                t.tail_variance, t.tail_count
            )?;
            let (pr, er) = (b.participation_ratio, b.effective_rank);
            writeln!(s, "participation ratio  {:.4} … {:.4} (bounds from the top k and the trace)", pr.low, pr.high)?;
            writeln!(s, "effective rank       {:.4} … {:.4} (bounds)", er.low, er.high)?;
            if b.k90.low == b.k90.high {
                writeln!(s, "k90                  {} (within the top k: exact)", b.k90.low)?;
            } else {
                writeln!(s, "k90                  {} … {} (bounds)", b.k90.low, b.k90.high)?;
            }
        }
        None => {
            writeln!(s, "participation ratio  {:.4}", r.participation_ratio)?;
            writeln!(s, "effective rank       {:.4}", r.effective_rank)?;
            writeln!(s, "k90                  {}", r.k90)?;
        }
    }
    write_alpha(s, r)?;
    let top: Vec<String> = r.eigenvalues.iter().take(5).map(|v| format!("{v:.4e}")).collect();
    writeln!(s, "eigenvalues (top 5)  {}", top.join(" "))?;
    for w in &r.warnings {
        writeln!(s, "note: {w}")?;
    }
    Ok(())
}

/// α as the core labels it, then the curvature verdict, the suggested range and the precision
/// floor, each saying what it does not show.
fn write_alpha(s: &mut String, r: &Report) -> std::fmt::Result {
    let f = &r.alpha_fit;
    match f.r2 {
        Some(r2) if f.valid => writeln!(s, "alpha                {}  {} points, R² = {r2:.4}", f.label, f.n_points)?,
        _ => writeln!(s, "alpha                {}", f.label)?,
    }
    let d = &r.fit_diagnostics;
    let c = &d.curvature;
    if !c.tested {
        writeln!(s, "curvature            not tested: {}", c.reason.as_deref().unwrap_or("no valid fit"))?;
    } else if c.flagged {
        let slopes: Vec<String> = c.slopes.iter().map(|a| format!("{a:.2}")).collect();
        let breaks: Vec<String> = c.breaks.iter().map(|b| b.to_string()).collect();
        writeln!(
            s,
            "curvature            {}: not one power law over n = {}…{} (slopes {} broken at n ≈ {}); α depends on \
             the range",
            c.kind.as_deref().unwrap_or("flagged"),
            f.rank_lo,
            f.rank_hi,
            slopes.join(" → "),
            breaks.join(", ")
        )?;
    } else {
        let slopes: Vec<String> = c.slopes.iter().map(|a| format!("{a:.2}")).collect();
        writeln!(
            s,
            "curvature            not flagged over n = {}…{} (slopes {}: flattening {:.0} %, steepening {:.0} %, \
             broken law {:.0} % of the residual); a milder bend, or one outside the range, is not ruled out",
            f.rank_lo,
            f.rank_hi,
            slopes.join(" → "),
            c.flattening * 100.0,
            c.steepening * 100.0,
            c.rss_ratio.unwrap_or(1.0) * 100.0
        )?;
    }
    match &d.suggested {
        Some(g) => writeln!(
            s,
            "suggested range      n = {}…{}: local slope within ±{:.0} % (α = {:.3} there); stable, not proven clean",
            g.lo,
            g.hi,
            eigenlens::stats::diagnostics::STABLE_TOLERANCE * 100.0,
            g.alpha
        )?,
        None => writeln!(s, "suggested range      none: {}", d.suggested_reason.as_deref().unwrap_or("none found"))?,
    }
    match (&r.precision_floor, &r.source) {
        (Some(floor), _) => {
            let reach = r.eigenvalues.iter().take_while(|v| **v >= 10.0 * floor.value).count();
            writeln!(
                s,
                "precision floor      {:.3e} ({} rounding, ulp²/12 per value; its eigenvalues {:.2e}…{:.2e}); \
                 λ_n ≥ 10× the floor up to n = {reach}",
                floor.value, floor.dtype, floor.band[0], floor.band[1]
            )?;
        }
        (None, Some(info)) => {
            writeln!(s, "precision floor      not measured for {} (only f16, bf16 and integer storage)", info.dtype)?
        }
        (None, None) => {}
    }
    Ok(())
}
