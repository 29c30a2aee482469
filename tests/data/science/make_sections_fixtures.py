#!/usr/bin/env python3
"""Writes the fixtures of tests/e2e/sections.test.mjs (the page's "Axes and units" and
"Smoothness" sections).

- monosemantic_equal_var.f32.npy: N = 2000 rows × D = 40 units, each unit an independent sparse
  feature (active with probability 0.05, then exponential with mean 1), scaled to unit variance.
  Every unit carries one feature (a perfectly monosemantic code) and all variances are equal, so
  the covariance is ≈ the identity: its eigenvalues are not separated and units per axis is
  arbitrary (issue 11, "Axes and units"). The units are heavy-tailed (mean excess kurtosis ≈ 100), so
  the unit basis is privileged.
- monosemantic_rotated.f32.npy: the same rows times one Haar-random orthogonal matrix (QR of a
  Gaussian matrix, signs fixed by diag(R)): the same code in a random basis, whose units are
  mixtures of ≈ all features (kurtosis near that of any other random rotation: ratio ≈ 1).
- fourier_alpha4.f32.npy: Stringer's Fourier code of one angle (METHODS.md, "Synthetic codes";
  src/synth.rs fourier_code), α = 4, N = 512 rows in sweep order, D = 128: t_i = 2πi/N,
  features cos(k t), sin(k t) scaled by k^(−α/2), k = 1 … D/2, not mixed (every number the page
  shows for a sweep, R, H, α and its bootstrap, is invariant under a rotation of the units).

Run from the repository root: python3 tests/data/science/make_sections_fixtures.py
(numpy's default_rng, seed 20261127; the outputs are committed, so tests need no Python).
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N, D, P = 2000, 40, 0.05

rng = np.random.default_rng(20261127)
active = rng.random((N, D)) < P
x = np.where(active, rng.exponential(1.0, (N, D)), 0.0)
x = x / x.std(axis=0)  # equal unit variances (population std)

g = rng.standard_normal((D, D))
q, r = np.linalg.qr(g)
q = q * np.sign(np.diag(r))  # Haar-distributed
rotated = (x - x.mean(axis=0)) @ q

np.save(os.path.join(HERE, "monosemantic_equal_var.f32.npy"), x.astype(np.float32))
np.save(os.path.join(HERE, "monosemantic_rotated.f32.npy"), rotated.astype(np.float32))

NF, DF, ALPHA = 512, 128, 4.0
t = 2 * np.pi * np.arange(NF) / NF
k = np.arange(1, DF // 2 + 1)
fourier = np.empty((NF, DF))
fourier[:, 0::2] = np.cos(np.outer(t, k)) * k ** (-ALPHA / 2)
fourier[:, 1::2] = np.sin(np.outer(t, k)) * k ** (-ALPHA / 2)
np.save(os.path.join(HERE, "fourier_alpha4.f32.npy"), fourier.astype(np.float32))

if __name__ == "__main__":
    for name, m in (("monosemantic", x), ("rotated", rotated)):
        c = m - m.mean(axis=0)
        k = ((c**4).mean(axis=0) / (c**2).mean(axis=0) ** 2).mean()
        lam = np.linalg.eigvalsh(np.cov(m, rowvar=False))[::-1]
        print(f"{name}: mean unit kurtosis {k:.3f}; λ1/λD {lam[0] / lam[-1]:.3f}")
