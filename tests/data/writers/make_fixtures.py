#!/usr/bin/env python3
"""Writes the files of tests/writers.rs with the writers people use (issue 12).

Every file holds one matrix X (128 samples x 16 units, seeded) or a tensor derived from it, as
pandas, NumPy, safetensors and torch write them by default or with a common option. Beside the
files, `intended/` holds each matrix the file is meant to give (float64 .npy) and
`expected.json` holds NumPy's eigenvalues of each, np.linalg.eigvalsh(np.cov(M.T)) in
descending order, and the writer call behind each file. The Rust test checks that eigenlens
reads each file as its intended matrix (|dlambda| <= 1e-10 * lambda_1) or fails with a message
naming what the file really is and what to do.

Values of X are multiples of 2**-8, so every writer (decimal text, f32, f64) stores them
exactly: each file's intended matrix is X itself, bit for bit, not a rounding of it.

Run from anywhere: python3 tests/data/writers/make_fixtures.py
Made with numpy, pandas, safetensors and torch (versions recorded in expected.json).
"""

import csv
import json
import os
import sys

import numpy as np
import pandas as pd
import safetensors
import safetensors.numpy

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = HERE
N, D = 128, 16


def path(name):
    return os.path.join(OUT, name)


def eig(m):
    return [float(v) for v in np.linalg.eigvalsh(np.cov(m.T))[::-1]]


def main():
    rng = np.random.default_rng(20240612)
    # A code with distinct eigenvalues (variances ~ 1/k along a random rotation), rounded to
    # multiples of 2**-8 so that text, f32 and f64 all hold it exactly.
    q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    z = rng.standard_normal((N, D)) * (np.arange(1, D + 1) ** -0.5) * 3.0
    x = np.round((z @ q.T + 0.5) * 256) / 256
    assert np.array_equal(x.astype(np.float32).astype(np.float64), x)

    # [S, T, H] tokens: 8 sequences of 16 positions; position 0 (BOS) sits far from the rest,
    # as a real BOS token does, so that keeping it visibly changes the spectrum.
    s_dim, t_dim = 8, 16
    tokens = np.round(rng.standard_normal((s_dim, t_dim, D)) * (np.arange(1, D + 1) ** -0.5) * 256) / 256
    tokens[:, 0, :] += np.round(40.0 * np.linspace(1, -1, D) * 256) / 256
    assert np.array_equal(tokens.astype(np.float32).astype(np.float64), tokens)
    tokens_skip1 = tokens[:, 1:, :].reshape(-1, D)

    nan_rows, nan_cols = [0, 57, 127], [3, 10, 0]
    x_nan = x.copy()
    x_nan[nan_rows, nan_cols] = np.nan
    x_nan_dropped = np.delete(x, nan_rows, axis=0)

    matrices = {
        "x": x,
        "x_nan_dropped": x_nan_dropped,
        "tokens_all": tokens.reshape(-1, D),
        "tokens_skip1": tokens_skip1,
    }
    os.makedirs(path("intended"), exist_ok=True)
    for name, m in matrices.items():
        np.save(path(f"intended/{name}.npy"), np.ascontiguousarray(m, dtype=np.float64))

    fixtures = []

    def record(file, writer, intended=None, **extra):
        fixtures.append({"file": file, "writer": writer, "intended": intended, **extra})

    df = pd.DataFrame(x)
    # pandas, as people call it.
    df.to_csv(path("pandas_default.csv"))
    record("pandas_default.csv", "pd.DataFrame(X).to_csv(f)", "x")
    df.to_csv(path("pandas_index_false.csv"), index=False)
    record("pandas_index_false.csv", "pd.DataFrame(X).to_csv(f, index=False)", "x")
    df.to_csv(path("pandas_tab.tsv"), sep="\t")
    record("pandas_tab.tsv", "pd.DataFrame(X).to_csv(f, sep='\\t')", "x")
    df.to_csv(path("pandas_bom_no_header.csv"), index=False, header=False, encoding="utf-8-sig")
    record("pandas_bom_no_header.csv", "to_csv(f, index=False, header=False, encoding='utf-8-sig')", "x")
    pd.DataFrame(x_nan).to_csv(path("pandas_nan_no_header.csv"), index=False, header=False)
    record(
        "pandas_nan_no_header.csv",
        "pd.DataFrame(X with NaN at (0,3), (57,10), (127,0)).to_csv(f, index=False, header=False)",
        "x_nan_dropped",
        nan_cells=[[r, c] for r, c in zip(nan_rows, nan_cols)],
    )
    df.to_csv(path("pandas_quote_all.csv"), index=False, quoting=csv.QUOTE_ALL)
    record("pandas_quote_all.csv", "to_csv(f, index=False, quoting=csv.QUOTE_ALL)", "x")
    df.to_csv(path("pandas_semicolon_decimal_comma.csv"), index=False, sep=";", decimal=",")
    record("pandas_semicolon_decimal_comma.csv", "to_csv(f, index=False, sep=';', decimal=',')", "x")
    df.to_csv(path("pandas_crlf.csv"), lineterminator="\r\n")
    record("pandas_crlf.csv", "to_csv(f, lineterminator='\\r\\n')", "x")
    # NumPy's text writer: a '#' header line, space-separated; and units x samples.
    np.savetxt(path("numpy_savetxt.txt"), x, fmt="%.8f", header="activations, 128 inputs x 16 units")
    record("numpy_savetxt.txt", "np.savetxt(f, X, fmt='%.8f', header=...)", "x")
    np.savetxt(path("units_by_samples.csv"), x.T, fmt="%.8f", delimiter=",")
    record("units_by_samples.csv", "np.savetxt(f, X.T, delimiter=',') (16 units x 128 samples)", "x", transpose=True)

    for name, frame in [("pandas_default.csv", df), ("pandas_tab.tsv", df)]:
        sep = "\t" if name.endswith(".tsv") else ","
        assert np.array_equal(pd.read_csv(path(name), sep=sep, index_col=0).values, x), name
    assert np.array_equal(pd.read_csv(path("pandas_semicolon_decimal_comma.csv"), sep=";", decimal=",").values, x)

    # Units x samples as binary: C order [D, N] (Suite2p's F.npy is neurons x time) and the
    # same array in Fortran order.
    np.save(path("neurons_by_time.npy"), np.ascontiguousarray(x.T))
    record("neurons_by_time.npy", "np.save(f, X.T) (C order, 16 x 128)", "x", transpose=True)
    np.save(path("neurons_by_time_fortran.npy"), np.asfortranarray(x.T.astype(np.float32)))
    record("neurons_by_time_fortran.npy", "np.save(f, np.asfortranarray(X.T.astype(f32)))", "x", transpose=True)
    np.savez_compressed(
        path("compressed.npz"),
        F=np.ascontiguousarray(x.T),
        F_fortran=np.asfortranarray(x.T),
        tokens=tokens.astype(np.float32),
    )
    record("compressed.npz", "np.savez_compressed(f, F=X.T, F_fortran=asfortranarray(X.T), tokens=tokens)", "x",
           transpose=True, key="F")

    # Tokens [S, T, H], C and Fortran order: skip the BOS position.
    np.save(path("tokens.npy"), tokens.astype(np.float32))
    record("tokens.npy", "np.save(f, tokens.astype(f32)) [8, 16, 16]", "tokens_skip1", skip_positions=1)
    np.save(path("tokens_fortran.npy"), np.asfortranarray(tokens))
    record("tokens_fortran.npy", "np.save(f, np.asfortranarray(tokens)) [8, 16, 16]", "tokens_skip1", skip_positions=1)

    # safetensors with a 0-D, a 1-D, a 2-D and a 3-D tensor (a checkpoint-like file).
    safetensors.numpy.save_file(
        {
            "bias": np.linspace(-1, 1, D).astype(np.float32),
            "embeddings": x.astype(np.float32),
            "hidden": tokens.astype(np.float32),
            "step": np.array(1000, dtype=np.int64),
        },
        path("checkpoint.safetensors"),
        metadata={"format": "np"},
    )
    record("checkpoint.safetensors", "safetensors.numpy.save_file({bias [16], embeddings [128,16], hidden [8,16,16], step []})",
           "x", key="embeddings")
    safetensors.numpy.save_file(
        {"attention_mask": np.ones(N, dtype=np.int64), "embeddings": x.astype(np.float32)},
        path("embeddings_with_mask.safetensors"),
    )
    record("embeddings_with_mask.safetensors", "save_file({attention_mask [128] i64, embeddings [128,16] f32})", "x")

    # np.savez: a key with ':' beside a 1-D array and a string array; an empty archive.
    np.savez(path("colon_key.npz"), **{"layer:0": x, "sentence_id": np.arange(N), "labels": np.array(["cat", "dog"])})
    record("colon_key.npz", "np.savez(f, **{'layer:0': X, 'sentence_id': arange(128), 'labels': ['cat','dog']})", "x")
    np.savez(path("empty.npz"))
    record("empty.npz", "np.savez(f)", None)

    # torch.save: a zip of a pickle and raw storages, not arrays.
    torch_version = None
    try:
        import torch

        torch.save({"embeddings": torch.from_numpy(x.astype(np.float32))}, path("torch_save.pt"))
        torch_version = torch.__version__
        record("torch_save.pt", "torch.save({'embeddings': torch.from_numpy(X.astype(f32))}, f)", None)
    except ImportError:
        print("torch is not installed: torch_save.pt not written", file=sys.stderr)

    manifest = {
        "made_by": "tests/data/writers/make_fixtures.py",
        "versions": {
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "safetensors": safetensors.__version__,
            "torch": torch_version,
        },
        "eigenvalues": "np.linalg.eigvalsh(np.cov(M.T))[::-1] of each intended matrix M",
        "matrices": {
            name: {"npy": f"intended/{name}.npy", "rows": int(m.shape[0]), "cols": int(m.shape[1]), "eigenvalues": eig(m)}
            for name, m in matrices.items()
        },
        "fixtures": fixtures,
    }
    with open(path("expected.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
