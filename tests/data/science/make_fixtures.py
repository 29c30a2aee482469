#!/usr/bin/env python3
"""Fixtures for the page's spectrum-diagnostics tests (tests/e2e/diagnostics.test.mjs).

gaussian_a4_mean05.bf16.npy: a Gaussian code with eigenvalues n^-4 in a random (Haar) basis,
every unit's mean 0.5, N = 2000 rows × D = 200 units, stored as bfloat16 (ml_dtypes; NumPy
writes the dtype as '<V2', which eigenlens reads as bf16). Issue 11, "Storage precision": the
rounding noise of bf16 is a flat floor under the tail of this spectrum and pulls the fitted α
far below 4. The page must draw that floor and show the core's warning.

Run from the repository root:  python3 tests/data/science/make_fixtures.py
(NumPy 2.4.6, ml_dtypes 0.6.0; the output is deterministic for a seed.)
"""
import os

import ml_dtypes
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def gaussian_code(alpha, n, d, rng):
    """Rows from N(0, Σ), Σ with eigenvalues k^-alpha (k = 1 … d) in a Haar-random basis."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    q *= np.sign(np.diag(r))  # Haar: fix the signs of the QR factor
    z = rng.standard_normal((n, d)) * np.arange(1, d + 1) ** (-alpha / 2)
    return z @ q.T


def main():
    rng = np.random.default_rng(20261127)
    n, d = 2000, 200
    x = gaussian_code(4.0, n, d, rng) + 0.5
    stored = x.astype(ml_dtypes.bfloat16)
    path = os.path.join(HERE, "gaussian_a4_mean05.bf16.npy")
    np.save(path, stored)
    # What the rounding really added, for the record (the page's floor is computed from the
    # stored values: mean over units of mean_i ulp(x_ij)^2 / 12).
    err = stored.astype(np.float64) - x
    print(f"{path}: {stored.dtype} {stored.shape}, {os.path.getsize(path)} bytes")
    print(f"variance of the rounding errors: {err.var():.4e}")
    ev = np.linalg.eigvalsh(np.cov(stored.astype(np.float64), rowvar=False))[::-1]
    print(f"median eigenvalue n = 51 … {d}: {np.median(ev[50:]):.4e}")


if __name__ == "__main__":
    main()
