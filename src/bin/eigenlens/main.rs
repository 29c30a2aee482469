//! `eigenlens`: the core on the command line, so that results can be scripted and checked
//! against NumPy.
//!
//! Each command declares its flags in its own module (a clap `Args` struct); the usage and
//! `--help` text are generated from those declarations, and an undeclared flag is refused.
//! Exit status: 0 on success; 1 on bad input, with one line on stderr naming the problem;
//! 2 on bad usage (an unknown flag or command, a malformed value), with clap's message; 141
//! when stdout is closed before the output is written (`eigenlens … | head`).

mod align;
mod analyze;
mod args;
mod compare;
mod cvpca;
mod list;
mod merge;
mod moments;
mod report;
mod sweep;
mod synth;
mod toy;

use args::Failure;
use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// Read a neural network's code off its activations: eigenspectrum, power-law exponent α,
/// cross-validated PCA, smoothness along a sweep, and the toy model of superposition.
#[derive(Parser)]
#[command(name = "eigenlens", version, subcommand_required = true)]
#[command(after_help = "FILE is .npy, .npz, .safetensors, CSV/TSV or .txt with rows = inputs and columns = units; \
FILE:KEY chooses one array of a .npz or .safetensors file.\n\
Exit status: 0 success, 1 bad input (one line on stderr), 2 bad usage, 141 stdout closed early.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Analyze(analyze::AnalyzeArgs),
    Align(align::AlignArgs),
    List(list::ListArgs),
    Compare(compare::CompareArgs),
    Cvpca(cvpca::CvpcaArgs),
    Sweep(sweep::SweepArgs),
    Toy(toy::ToyArgs),
    Synth(synth::SynthArgs),
    Moments(moments::MomentsArgs),
    Merge(merge::MergeArgs),
    Report(report::ReportArgs),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Analyze(_) => "analyze",
            Command::Align(_) => "align",
            Command::List(_) => "list",
            Command::Compare(_) => "compare",
            Command::Cvpca(_) => "cvpca",
            Command::Sweep(_) => "sweep",
            Command::Toy(_) => "toy",
            Command::Synth(_) => "synth",
            Command::Moments(_) => "moments",
            Command::Merge(_) => "merge",
            Command::Report(_) => "report",
        }
    }
}

fn main() -> ExitCode {
    // Bad usage (and --help, --version) ends here: clap prints and exits with 2 (0 for help).
    let cli = Cli::parse();
    let name = cli.command.name();
    let result = match cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Align(a) => align::run(a),
        Command::List(a) => list::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Cvpca(a) => cvpca::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Toy(a) => toy::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Moments(a) => moments::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Report(a) => report::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            // A setting that parsed but is out of range: reported as clap reports bad usage,
            // with the command's usage line, and exit status 2.
            let mut cli = Cli::command();
            cli.build();
            let mut command = cli.find_subcommand_mut(name).cloned().unwrap_or(cli);
            command.error(clap::error::ErrorKind::ValueValidation, msg).exit()
        }
        Err(Failure::Input(msg)) => {
            // Ignore a failure to write to stderr: there is nowhere left to say it.
            let _ = writeln!(std::io::stderr(), "eigenlens: error: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Closed) => ExitCode::from(141),
    }
}
