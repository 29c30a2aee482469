"""A moments file written by Python, read by the Rust CLI: `eigenlens analyze M --json` gives
NumPy's eigenvalues of the concatenated activations within 1e-8 * lambda_1 and NumPy's alpha
(tests/data/reference.json, written by /work/shared/tools/numpy_reference.py) within 1e-6; and a
file the CLI writes is read by Python as the same moments."""

import hashlib
import json
import subprocess

import numpy as np

import eigenlens
from conftest import DATA


def analyze(binary, path):
    out = subprocess.run([binary, "analyze", str(path), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_python_file_analysed_by_the_cli_matches_numpy(tmp_path, eigenlens_bin):
    ref = json.loads((DATA / "reference.json").read_text())["matrices"]["digits_mlp/plain_h1_test"]
    x = np.load(DATA / ref["path"])
    # Three shares, as three processes would write them, merged in Python.
    shares = [eigenlens.Moments(x.shape[1]).update(b) for b in np.array_split(x, [97, 300])]
    total = shares[2].merge(shares[0]).merge(shares[1])
    path = tmp_path / "h1.safetensors"
    total.save(path, layer="h1")
    report = analyze(eigenlens_bin, path)
    want = np.linalg.eigvalsh(np.cov(x.astype(np.float64), rowvar=False))[::-1]
    got = np.array(report["eigenvalues"])
    assert np.abs(got - want).max() <= 1e-8 * want[0]
    assert abs(report["alpha_fit"]["alpha"] - ref["alpha_fit_stringer"]["alpha"]) < 1e-6
    assert report["n_rows"] == 540 and report["n_cols"] == 256
    assert report["n_constant_columns"] == ref["n_constant_columns"]
    # The same file, analysed, equals the raw rows analysed.
    raw = analyze(eigenlens_bin, DATA / ref["path"])
    assert np.abs(got - np.array(raw["eigenvalues"])).max() <= 1e-10 * want[0]


def test_cli_file_read_by_python(tmp_path, eigenlens_bin):
    src = DATA / "digits_mlp" / "plain_h2_test.f32.npy"
    path = tmp_path / "h2.safetensors"
    out = subprocess.run([eigenlens_bin, "moments", str(src), "--out", str(path), "--layer", "h2"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    m = eigenlens.Moments.load(path, layer="h2")
    x = np.load(src).astype(np.float64)
    assert m.n == len(x)
    assert np.abs(m.scatter - np.cov(x, rowvar=False) * (len(x) - 1)).max() <= 1e-12 * np.abs(m.scatter).max()
    assert np.abs(m.mean - x.mean(axis=0)).max() <= 1e-12 * np.abs(x).max()


def test_recorded_fixture_matches_its_numpy_and_cli_reference(eigenlens_bin):
    """tests/data/moments/recorded.safetensors (record + save, make_recorded.py) analysed by the
    CLI gives the eigenvalues NumPy computed from the concatenated activations (recorded.json)
    within 1e-8 * lambda_1, and the alpha the CLI computed from those activations as .npy, over
    the same fit range, within 1e-6."""
    ref = json.loads((DATA / "moments" / "recorded.json").read_text())
    path = DATA / "moments" / ref["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ref["sha256"], "recorded.json describes another file"
    m = eigenlens.Moments.load(path)
    assert m.n == ref["n_rows"] == 3072 and m.d == ref["d"] == 64 and m.source_dtype == "float32"
    report = analyze(eigenlens_bin, path)
    want = np.array(ref["eigenvalues"])
    got = np.array(report["eigenvalues"])
    assert len(got) == len(want) == 64
    assert np.abs(got - want).max() <= 1e-8 * want[0]
    fit, want_fit = report["alpha_fit"], ref["alpha_cli"]
    assert (fit["estimator"], fit["rank_lo"], fit["rank_hi"]) == (want_fit["estimator"], want_fit["rank_lo"],
                                                                  want_fit["rank_hi"])
    assert abs(fit["alpha"] - want_fit["alpha"]) < 1e-6
