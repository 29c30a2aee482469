//! The toy model of superposition (Elhage et al. 2022; METHODS.md, "Toy model").
