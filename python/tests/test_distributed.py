"""torch.distributed with the gloo backend and two processes (dist_worker.py, started with
subprocess and a file:// rendezvous): each rank records hooks on the seeded model of
dist_common.py over its shard of the batches, then all-reduces. The merged moments equal one
process recording all the data (count exact, mean and scatter within 1e-12 relative), every rank
holds the same bits, and the CLI's analysis of rank 0's file gives NumPy's eigenvalues of the
concatenated activations (within 1e-8 * lambda_1) and the CLI's alpha of those activations saved
as .npy (within 1e-6)."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import eigenlens

torch = pytest.importorskip("torch", reason="torch is not importable here: the torch.distributed tests need it")
dist = pytest.importorskip("torch.distributed", reason="this torch build has no torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("this torch build has no gloo backend for torch.distributed", allow_module_level=True)

import eigenlens.torch as el_torch  # noqa: E402
from dist_common import batches, model, modules, shard  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
WORLD = 2


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """Runs the two ranks once for the module's tests; returns the output directory."""
    out = tmp_path_factory.mktemp("gloo")
    init = out / "rendezvous"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([sys.executable, str(HERE / "dist_worker.py"), str(r), str(WORLD), str(init), str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for r in range(WORLD)]
    errors = []
    for r, p in enumerate(procs):
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"rank {r} did not finish in 120 s (a collective hung?)")
        if p.returncode != 0:
            errors.append(f"rank {r} exited {p.returncode}:\n{err}")
    assert not errors, "\n".join(errors)
    return out


def single_process():
    """One process recording every batch (the same model, batches and thread count)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        net = model()
        with el_torch.record(net, modules(net)) as moments, torch.no_grad():
            for i, x in enumerate(batches()):
                net(x, extra=i in range(len(shard(batches(), 0, WORLD))))
    finally:
        torch.set_num_threads(threads)
    return moments


def concatenated(out, name):
    return np.concatenate([np.load(p) for r in range(WORLD) if (p := out / f"rank{r}.{name}.npy").exists()])


def test_all_reduce_equals_one_process_over_all_the_data(ranks):
    got = eigenlens.load_layers(ranks / "rank0.safetensors")
    want = single_process()
    assert sorted(got) == ["act", "extra", "fc1", "fc2"]
    info = [json.loads((ranks / f"rank{r}.json").read_text()) for r in range(WORLD)]
    # Rank 1 ran no batch through `extra`: it joined the all_reduce with empty moments.
    assert info[1]["rows"]["extra"] == 0 and info[0]["rows"]["extra"] == 4 * 16 * 5
    assert info[0]["rows"]["fc1"] == 4 * 16 * 5 and info[1]["rows"]["fc1"] == 3 * 16 * 5
    for name in got:
        w = want[name].to_numpy()
        g = got[name]
        assert g.n == w.n == len(concatenated(ranks, name))
        assert np.abs(g.mean - w.mean).max() <= 1e-12 * np.abs(w.mean).max()
        assert np.abs(g.scatter - w.scatter).max() <= 1e-12 * np.abs(w.scatter).max()
        assert np.array_equal(g.min, w.min) and np.array_equal(g.max, w.max)
        assert g.source_dtype == "float32"
        # The ranks' activations are those one process computes (same shapes, one thread).
        x = concatenated(ranks, name).astype(np.float64)
        assert np.abs(g.scatter - np.cov(x, rowvar=False) * (len(x) - 1)).max() <= 1e-12 * np.abs(w.scatter).max()


def test_every_rank_holds_the_same_bits(ranks):
    files = [(ranks / f"rank{r}.safetensors").read_bytes() for r in range(WORLD)]
    assert files[0] == files[1]


def test_unequal_d_is_refused_on_every_rank_and_an_empty_rank_joins(ranks):
    for r in range(WORLD):
        info = json.loads((ranks / f"rank{r}.json").read_text())
        assert info["unequal"] is not None
        assert "rank 0 has D = 3, rank 1 has D = 4" in info["unequal"]
        # Rank 0's three rows 1e6 + [0..3], [4..7], [8..11]; rank 1 none: every column is
        # 1e6 + {c, c + 4, c + 8}, mean 1e6 + c + 4, every scatter entry (-4)(-4) + 0 + 4*4 = 32.
        assert info["empty"]["n"] == 3
        assert info["empty"]["mean"] == [1e6 + 4, 1e6 + 5, 1e6 + 6, 1e6 + 7]
        assert np.array_equal(np.array(info["empty"]["scatter"]), np.full((4, 4), 32.0))


def test_rank_zero_file_analysed_by_the_cli(ranks, eigenlens_bin, tmp_path):
    x = concatenated(ranks, "act")
    npy = tmp_path / "act.npy"
    np.save(npy, x)

    def analyze(target):
        out = subprocess.run([eigenlens_bin, "analyze", target, "--json"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    report = analyze(f"{ranks / 'rank0.safetensors'}:act")
    raw = analyze(str(npy))
    want = np.linalg.eigvalsh(np.cov(x.astype(np.float64), rowvar=False))[::-1]
    got = np.array(report["eigenvalues"])
    assert report["n_rows"] == len(x) == 7 * 16 * 5 and report["n_cols"] == 32
    assert np.abs(got - want).max() <= 1e-8 * want[0]
    assert report["alpha_fit"]["valid"] and raw["alpha_fit"]["valid"]
    assert (report["alpha_fit"]["rank_lo"], report["alpha_fit"]["rank_hi"]) == (raw["alpha_fit"]["rank_lo"],
                                                                                raw["alpha_fit"]["rank_hi"])
    assert abs(report["alpha_fit"]["alpha"] - raw["alpha_fit"]["alpha"]) < 1e-6


def test_all_reduce_without_a_process_group_says_what_to_do():
    if dist.is_initialized():
        pytest.skip("a process group is already initialised in this process")
    with pytest.raises(RuntimeError, match="init_process_group"):
        eigenlens.Moments(3).update(np.eye(3)).all_reduce()
