//! `eigenlens toy`: trains the toy model of superposition over a sparsity grid and prints, per
//! sparsity, dimensions per feature against the coding-theory prediction (or, with `--json`,
//! the whole [`ToyReport`]).
//!
//! ```text
//! eigenlens toy [--n 20] [--m 5] [--decay 0.7] [--sparsities 20 | --sparsity 0.9,0.99]
//!               [--steps 10000] [--batch 1024] [--lr 0.001] [--weight-decay 0.01]
//!               [--eval-samples 8192] [--seed 1] [--entropy-bits 8] [--json]
//! ```
//! Bad settings exit with status 2 (usage), naming the setting.

use crate::args::{print_json, Args, Failure};
use eigenlens::toy::{default_sparsities, train_one, ToyReport, ToySettings};
use eigenlens::Error;
use std::time::Instant;

/// The settings the flags ask for, on top of the defaults.
fn settings_from(args: &Args) -> Result<ToySettings, Failure> {
    let mut s = ToySettings::default();
    if let Some(v) = args.value("n")? {
        s.n = v;
    }
    if let Some(v) = args.value("m")? {
        s.m = v;
    }
    if let Some(v) = args.value("decay")? {
        s.importance_decay = v;
    }
    if let Some(v) = args.value("steps")? {
        s.steps = v;
    }
    if let Some(v) = args.value("batch")? {
        s.batch = v;
    }
    if let Some(v) = args.value("lr")? {
        s.lr = v;
    }
    if let Some(v) = args.value("weight-decay")? {
        s.weight_decay = v;
    }
    if let Some(v) = args.value("eval-samples")? {
        s.eval_samples = v;
    }
    if let Some(v) = args.value("seed")? {
        s.seed = v;
    }
    if let Some(v) = args.value("entropy-bits")? {
        s.entropy_bits = v;
    }
    match (args.value::<usize>("sparsities")?, args.value::<String>("sparsity")?) {
        (Some(_), Some(_)) => {
            return Err(Failure::Usage("give --sparsities COUNT or --sparsity LIST, not both".into()))
        }
        (Some(count), None) => s.sparsities = default_sparsities(count),
        (None, Some(list)) => {
            s.sparsities = list
                .split(',')
                .map(|v| v.trim().parse::<f64>().map_err(|_| Failure::Usage(format!("--sparsity: cannot read '{v}'"))))
                .collect::<Result<_, _>>()?;
        }
        (None, None) => {}
    }
    Ok(s)
}

/// Bad settings are usage errors; anything else is an error of the run.
fn failure(e: Error) -> Failure {
    match e {
        Error::Setting(_) => Failure::Usage(e.to_string()),
        other => Failure::Input(other.to_string()),
    }
}

pub fn cmd_toy(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["json"])?;
    if let Some(extra) = args.positional.first() {
        return Err(Failure::Usage(format!("toy takes no positional argument, got '{extra}'")));
    }
    let settings = settings_from(&args)?;
    settings.validate().map_err(failure)?;
    let json = args.has("json");
    let start = Instant::now();
    if !json {
        println!(
            "{:>10} {:>10} {:>10} {:>10} {:>12} {:>8} {:>8}",
            "S", "1/(1-S)", "dims/feat", "predicted", "final loss", "alpha", "PR"
        );
    }
    let mut runs = Vec::with_capacity(settings.sparsities.len());
    for index in 0..settings.sparsities.len() {
        let run = train_one(&settings, index, &mut |_, _| true).map_err(failure)?;
        if !json {
            let alpha = run.hidden_alpha.map_or("-".to_string(), |a| format!("{a:.3}"));
            println!(
                "{:>10.5} {:>10.3} {:>10.4} {:>10.4} {:>12.4e} {:>8} {:>8.3}",
                run.sparsity,
                1.0 / (1.0 - run.sparsity),
                run.dims_per_feature,
                run.predicted_dims_per_feature,
                run.final_loss,
                alpha,
                run.hidden_participation_ratio
            );
        }
        runs.push(run);
    }
    if json {
        print_json(&ToyReport { settings, runs })
    } else {
        eprintln!("trained {} sparsities in {:.2} s", runs.len(), start.elapsed().as_secs_f64());
        Ok(())
    }
}
