//! `eigenlens toy`: trains the toy model of superposition over a sparsity grid.

use crate::args::Failure;

pub fn cmd_toy(_args: &[String]) -> Result<(), Failure> {
    Err(Failure::Usage("toy: not built yet".into()))
}
