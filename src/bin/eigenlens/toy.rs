//! `eigenlens toy`: trains the toy model of superposition over a sparsity grid and prints, per
//! sparsity, dimensions per feature against the coding-theory prediction (or, with `--json`,
//! the whole [`ToyReport`]).
//!
//! Every default is read from [`ToySettings::default`], so the help shows the core's values.
//! Settings out of range (found by [`ToySettings::validate`]) exit with status 2, naming the
//! setting.

use crate::args::{emit, print_json, Failure};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use eigenlens::toy::{
    default_sparsities, train_one, ToyPreset, ToyReport, ToyRun, ToySettings, FRACTION_TOLERANCE, STORED_NORM,
};
use eigenlens::Error;
use std::io::Write;
use std::time::Instant;

/// Trains the toy model of superposition (Elhage et al. 2022) over a sparsity grid: dimensions
/// per feature against the coding-theory prediction
#[derive(clap::Args, Debug)]
pub struct ToyArgs {
    #[arg(long, value_name = "P", help = preset_help(),
        value_parser = PossibleValuesParser::new(ToyPreset::ALL.map(|p| p.name())).try_map(|s| s.parse::<ToyPreset>()))]
    pub preset: Option<ToyPreset>,
    #[arg(long, value_name = "N", help = with_defaults("Number of features n", |s| s.n))]
    pub n: Option<usize>,
    #[arg(long, value_name = "M", help = with_defaults("Number of hidden units m", |s| s.m))]
    pub m: Option<usize>,
    #[arg(long, value_name = "R", help = with_defaults("r in the feature importance Iᵢ = rⁱ (1: uniform)", |s| s.importance_decay))]
    pub decay: Option<f64>,
    #[arg(long, value_name = "COUNT", conflicts_with = "sparsity",
        help = with_defaults("Train COUNT sparsities S = 1 − 20^(−s), s evenly spaced on [0, 1]", |s| s.sparsities.len()))]
    pub sparsities: Option<usize>,
    /// Train these sparsities S, each in [0, 1), comma-separated (0.9,0.99)
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_sparsity)]
    pub sparsity: Option<Vec<f64>>,
    #[arg(long, value_name = "N", help = with_defaults("AdamW steps per sparsity", |s| s.steps))]
    pub steps: Option<usize>,
    #[arg(long, value_name = "N", help = with_defaults("Samples per step", |s| s.batch))]
    pub batch: Option<usize>,
    #[arg(long, value_name = "LR", help = with_defaults("Learning rate of AdamW", |s| s.lr))]
    pub lr: Option<f64>,
    #[arg(long, value_name = "W", help = with_defaults("Decoupled weight decay λ of AdamW", |s| s.weight_decay))]
    pub weight_decay: Option<f64>,
    #[arg(long, value_name = "N",
        help = with_defaults("Fresh samples for the hidden-activation spectrum and the final loss", |s| s.eval_samples))]
    pub eval_samples: Option<usize>,
    #[arg(long, value_name = "S", help = with_defaults("Seed of the sweep (run i is seeded from (seed, i))", |s| s.seed))]
    pub seed: Option<u64>,
    #[arg(long, value_name = "BITS",
        help = with_defaults("H_e, bits per nonzero feature value in the coding-theory prediction", |s| s.entropy_bits))]
    pub entropy_bits: Option<f64>,
    /// Print one JSON object (settings and every run) instead of a table
    #[arg(long)]
    pub json: bool,
}

/// The presets and what they set, read from the core so that the help cannot drift from it.
fn preset_help() -> String {
    let list: Vec<String> = ToyPreset::ALL
        .iter()
        .map(|p| {
            let s = p.settings();
            format!("{p} (n = {}, m = {}, r = {})", s.n, s.m, s.importance_decay)
        })
        .collect();
    format!(
        "Start from a preset: {}; elhage-geometry is Elhage et al.'s feature-geometry experiment. \
         Any flag below overrides it [default: {}]",
        list.join(", "),
        ToyPreset::default()
    )
}

/// A flag's help with its default under every preset: "[default: 20; elhage-geometry: 200]".
fn with_defaults<T: std::fmt::Display + PartialEq>(text: &str, field: fn(&ToySettings) -> T) -> String {
    let base = field(&ToyPreset::default().settings());
    let others: Vec<String> = ToyPreset::ALL
        .iter()
        .filter_map(|p| {
            let v = field(&p.settings());
            (v != base).then(|| format!("; {p}: {v}"))
        })
        .collect();
    format!("{text} [default: {base}{}]", others.concat())
}

/// One value of `--sparsity`, spaces around it allowed.
fn parse_sparsity(v: &str) -> Result<f64, String> {
    v.trim().parse().map_err(|_| format!("cannot read '{v}' as a number"))
}

impl ToyArgs {
    /// The preset's settings, then every flag given on top.
    fn settings(&self) -> ToySettings {
        let base = self.preset.unwrap_or_default().settings();
        let sparsities = match (&self.sparsity, self.sparsities) {
            (Some(list), _) => list.clone(),
            (None, Some(count)) => default_sparsities(count),
            (None, None) => base.sparsities.clone(),
        };
        ToySettings {
            n: self.n.unwrap_or(base.n),
            m: self.m.unwrap_or(base.m),
            importance_decay: self.decay.unwrap_or(base.importance_decay),
            sparsities,
            steps: self.steps.unwrap_or(base.steps),
            batch: self.batch.unwrap_or(base.batch),
            lr: self.lr.unwrap_or(base.lr),
            weight_decay: self.weight_decay.unwrap_or(base.weight_decay),
            seed: self.seed.unwrap_or(base.seed),
            eval_samples: self.eval_samples.unwrap_or(base.eval_samples),
            entropy_bits: self.entropy_bits.unwrap_or(base.entropy_bits),
        }
    }
}

/// Bad settings are usage errors; anything else is an error of the run.
fn failure(e: Error) -> Failure {
    match e {
        Error::Setting(_) => Failure::Usage(e.to_string()),
        other => Failure::Input(other.to_string()),
    }
}

pub fn run(args: ToyArgs) -> Result<(), Failure> {
    let settings = args.settings();
    settings.validate().map_err(failure)?;
    let start = Instant::now();
    if !args.json {
        emit(&format!(
            "{:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>8} {:>8}  {}\n",
            "S",
            "1/(1-S)",
            "dims/feat",
            "predicted",
            "floor",
            "final loss",
            "alpha",
            "PR",
            fractions_header()
        ))?;
    }
    let mut runs = Vec::with_capacity(settings.sparsities.len());
    for index in 0..settings.sparsities.len() {
        let run = train_one(&settings, index, &mut |_, _| true).map_err(failure)?;
        if !args.json {
            // Each row as soon as it is trained (a full sweep takes about a minute).
            emit(&row(&run))?;
        }
        runs.push(run);
    }
    if args.json {
        return print_json(&ToyReport { settings, runs });
    }
    emit(&notes(&settings, &runs))?;
    let _ = writeln!(std::io::stderr(), "trained {} sparsities in {:.2} s", runs.len(), start.elapsed().as_secs_f64());
    Ok(())
}

/// "features at 1 3/4 2/3 1/2 2/5 3/8", the labels read from the core.
fn fractions_header() -> String {
    let labels: Vec<String> = eigenlens::toy::STICKY_FRACTIONS
        .iter()
        .map(|&(a, b, _)| if b == 1 { a.to_string() } else { format!("{a}/{b}") })
        .collect();
    format!("stored features at D_i = {}", labels.join(" "))
}

fn row(run: &ToyRun) -> String {
    let alpha = run.hidden_alpha.map_or("none".to_string(), |a| format!("{a:.3}"));
    let counts: Vec<String> = run.features_at_fractions.iter().map(|f| f.count.to_string()).collect();
    format!(
        "{:>10.5} {:>10.3} {:>10.4} {:>10.4} {:>8.4} {:>12.4e} {:>8} {:>8.3}  {} of {} stored\n",
        run.sparsity,
        1.0 / (1.0 - run.sparsity),
        run.dims_per_feature,
        run.predicted_dims_per_feature,
        run.dims_per_feature_floor,
        run.final_loss,
        alpha,
        run.hidden_participation_ratio,
        counts.join(" "),
        run.features_stored
    )
}

/// What the columns are and what they do not show, under the table.
fn notes(settings: &ToySettings, runs: &[ToyRun]) -> String {
    let mut s = format!(
        "note: predicted = (1 − S) + h_b(S)/H_e with H_e = {} bits (Marshall & Kirchner, Lemma 2) is a lower bound \
         for lossless coding, and H_e is a free choice; the model cannot go below floor = m/n = {:.4} (all {} features \
         stored), so where predicted < floor the bound is out of reach. Points above the line do not make the model \
         wasteful, nor do points on it make it optimal.\n",
        settings.entropy_bits,
        settings.m as f64 / settings.n as f64,
        settings.n
    );
    s.push_str(&format!(
        "note: loss = mean over samples and features of I_i (x_i − x̂_i)², as in Elhage et al.'s notebook; a \
         feature is stored when ‖W_i‖ ≥ {STORED_NORM}, and counts at a sticky fraction when |D_i − fraction| ≤ \
         {FRACTION_TOLERANCE} (a count, not the geometry they form).\n"
    ));
    if let Some(reason) = runs.iter().find_map(|r| r.hidden_alpha_reason.as_deref()) {
        s.push_str(&format!("note: alpha: none: {reason}.\n"));
    }
    s
}
