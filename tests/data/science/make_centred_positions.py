"""NumPy's answers for per-position centring (eigenlens --centre-positions) on the torch-style
token tensor tests/data/writers/tokens.npy ([S, T, H] = [8, 16, 16]), written to
centred_positions.json beside this script.

For rows r of the matrix as read (r = s*T' + t after skipping k positions, T' = T - k), each
position's mean over the rows present is subtracted, and the covariance is the pooled
within-position one: W / (N - T_present). Cases: the whole tensor, with the first position
skipped, and a row range that cuts sequences (rows 5..100 of the whole tensor).
Run: python3 tests/data/science/make_centred_positions.py
"""
import json
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).parent
X3 = np.load(HERE.parent / "writers" / "tokens.npy").astype(np.float64)


def within(rows, t_len, first_row):
    pos = (first_row + np.arange(len(rows))) % t_len
    centred = rows.copy()
    present = 0
    for t in range(t_len):
        sel = pos == t
        if sel.any():
            present += 1
            centred[sel] -= rows[sel].mean(axis=0)
    w = centred.T @ centred / (len(rows) - present)
    return np.linalg.eigvalsh(w)[::-1].tolist()


s, t, h = X3.shape
cases = {
    "whole": {"args": [], "eigenvalues": within(X3.reshape(s * t, h), t, 0)},
    "skip1": {"args": ["--skip-positions", "1"], "eigenvalues": within(X3[:, 1:].reshape(s * (t - 1), h), t - 1, 0)},
    "rows5_100": {"args": ["--rows", "5:100"], "eigenvalues": within(X3.reshape(s * t, h)[5:100], t, 5)},
}
cases["plain_total_variance"] = float(np.trace(np.cov(X3.reshape(s * t, h), rowvar=False)))
(HERE / "centred_positions.json").write_text(json.dumps({"made_by": "tests/data/science/make_centred_positions.py", "cases": cases}, indent=1))
