//! `eigenlens toy`: trains the toy model of superposition over a sparsity grid and prints, per
//! sparsity, dimensions per feature against the coding-theory prediction (or, with `--json`,
//! the whole [`ToyReport`]).
//!
//! Every default is read from [`ToySettings::default`], so the help shows the core's values.
//! Settings out of range (found by [`ToySettings::validate`]) exit with status 2, naming the
//! setting.

use crate::args::{emit, print_json, Failure};
use eigenlens::toy::{default_sparsities, train_one, ToyReport, ToySettings};
use eigenlens::Error;
use std::io::Write;
use std::time::Instant;

/// Trains the toy model of superposition (Elhage et al. 2022) over a sparsity grid: dimensions
/// per feature against the coding-theory prediction
#[derive(clap::Args, Debug)]
pub struct ToyArgs {
    /// Number of features n
    #[arg(long, value_name = "N", default_value_t = ToySettings::default().n)]
    pub n: usize,
    /// Number of hidden units m
    #[arg(long, value_name = "M", default_value_t = ToySettings::default().m)]
    pub m: usize,
    /// r in the feature importance Iᵢ = rⁱ
    #[arg(long, value_name = "R", default_value_t = ToySettings::default().importance_decay)]
    pub decay: f64,
    /// Train COUNT sparsities S = 1 − 20^(−s), s evenly spaced on [0, 1] [default: 20]
    #[arg(long, value_name = "COUNT", conflicts_with = "sparsity")]
    pub sparsities: Option<usize>,
    /// Train these sparsities S, each in [0, 1), comma-separated (0.9,0.99)
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_sparsity)]
    pub sparsity: Option<Vec<f64>>,
    /// AdamW steps per sparsity
    #[arg(long, value_name = "N", default_value_t = ToySettings::default().steps)]
    pub steps: usize,
    /// Samples per step
    #[arg(long, value_name = "N", default_value_t = ToySettings::default().batch)]
    pub batch: usize,
    /// Learning rate of AdamW
    #[arg(long, value_name = "LR", default_value_t = ToySettings::default().lr)]
    pub lr: f64,
    /// Decoupled weight decay λ of AdamW
    #[arg(long, value_name = "W", default_value_t = ToySettings::default().weight_decay)]
    pub weight_decay: f64,
    /// Fresh samples for the hidden-activation spectrum and the final loss
    #[arg(long, value_name = "N", default_value_t = ToySettings::default().eval_samples)]
    pub eval_samples: usize,
    /// Seed of the sweep (run i is seeded from (seed, i))
    #[arg(long, value_name = "S", default_value_t = ToySettings::default().seed)]
    pub seed: u64,
    /// H_e, bits per nonzero feature value in the coding-theory prediction
    #[arg(long, value_name = "BITS", default_value_t = ToySettings::default().entropy_bits)]
    pub entropy_bits: f64,
    /// Print one JSON object (settings and every run) instead of a table
    #[arg(long)]
    pub json: bool,
}

/// One value of `--sparsity`, spaces around it allowed.
fn parse_sparsity(v: &str) -> Result<f64, String> {
    v.trim().parse().map_err(|_| format!("cannot read '{v}' as a number"))
}

impl ToyArgs {
    fn settings(&self) -> ToySettings {
        let sparsities = match (&self.sparsity, self.sparsities) {
            (Some(list), _) => list.clone(),
            (None, Some(count)) => default_sparsities(count),
            (None, None) => ToySettings::default().sparsities,
        };
        ToySettings {
            n: self.n,
            m: self.m,
            importance_decay: self.decay,
            sparsities,
            steps: self.steps,
            batch: self.batch,
            lr: self.lr,
            weight_decay: self.weight_decay,
            seed: self.seed,
            eval_samples: self.eval_samples,
            entropy_bits: self.entropy_bits,
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
            "{:>10} {:>10} {:>10} {:>10} {:>12} {:>8} {:>8}\n",
            "S", "1/(1-S)", "dims/feat", "predicted", "final loss", "alpha", "PR"
        ))?;
    }
    let mut runs = Vec::with_capacity(settings.sparsities.len());
    for index in 0..settings.sparsities.len() {
        let run = train_one(&settings, index, &mut |_, _| true).map_err(failure)?;
        if !args.json {
            // Each row as soon as it is trained (a full sweep takes about a minute).
            let alpha = run.hidden_alpha.map_or("-".to_string(), |a| format!("{a:.3}"));
            emit(&format!(
                "{:>10.5} {:>10.3} {:>10.4} {:>10.4} {:>12.4e} {:>8} {:>8.3}\n",
                run.sparsity,
                1.0 / (1.0 - run.sparsity),
                run.dims_per_feature,
                run.predicted_dims_per_feature,
                run.final_loss,
                alpha,
                run.hidden_participation_ratio
            ))?;
        }
        runs.push(run);
    }
    if args.json {
        print_json(&ToyReport { settings, runs })
    } else {
        let _ =
            writeln!(std::io::stderr(), "trained {} sparsities in {:.2} s", runs.len(), start.elapsed().as_secs_f64());
        Ok(())
    }
}
