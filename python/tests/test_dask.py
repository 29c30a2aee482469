"""eigenlens.dask.moments: a tree reduction over a Dask array's row chunks, against one-shot
NumPy moments (np.mean, np.cov * (N - 1), min, max; 1e-12 relative), on a
distributed.LocalCluster with two worker processes and on Dask's default threaded scheduler."""

import numpy as np
import pytest

import eigenlens

da = pytest.importorskip("dask.array", reason="dask is not installed: pip install './python[dask]'")
import eigenlens.dask as el_dask  # noqa: E402


def rows(n=5000, d=24, seed=0):
    rng = np.random.default_rng(seed)
    # Correlated units with large, unequal means (uncentred sums would cancel) stored as f32.
    return (rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d) * 1e3).astype(np.float32)


def check(m, x):
    x = x.astype(np.float64)
    assert m.n == len(x)
    assert np.abs(m.mean - x.mean(axis=0)).max() <= 1e-12 * np.abs(x.mean(axis=0)).max()
    want = np.cov(x, rowvar=False) * (len(x) - 1)
    assert np.abs(m.scatter - want).max() <= 1e-12 * np.abs(want).max()
    assert np.array_equal(m.min, x.min(axis=0)) and np.array_equal(m.max, x.max(axis=0))
    assert m.source_dtype == "float32"


def test_threaded_scheduler_and_uneven_chunks():
    x = rows()
    # 23 uneven row blocks (one of a single row): three levels of the tree with split_every=3.
    cuts = [1, 100, 101, 400] + list(range(600, 5000, 230))
    sizes = tuple(np.diff([0, *cuts, len(x)]))
    arr = da.from_array(x, chunks=(sizes, -1))
    assert arr.numblocks[0] == len(sizes) > 9
    m = el_dask.moments(arr, split_every=3)
    check(m, x)
    # The same tree on the synchronous scheduler gives the same bits (merges run in block order).
    s = el_dask.moments(arr, split_every=3, scheduler="synchronous")
    assert np.array_equal(s.scatter, m.scatter) and np.array_equal(s.mean, m.mean)
    # compute=False: a delayed Moments.
    lazy = el_dask.moments(arr, compute=False)
    check(lazy.compute(), x)


def test_columns_in_several_chunks_are_rechunked():
    x = rows(n=700, d=10, seed=1)
    m = el_dask.moments(da.from_array(x, chunks=(128, 3)))
    check(m, x)


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="dask.array.Array"):
        el_dask.moments(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="2-D"):
        el_dask.moments(da.zeros((2, 3, 4)))
    bad = rows(n=50, d=4)
    bad[30, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or"):
        el_dask.moments(da.from_array(bad, chunks=(10, -1)))


def test_local_cluster_with_two_worker_processes(tmp_path):
    distributed = pytest.importorskip("distributed", reason="distributed is not installed: pip install './python[dask]'")
    x = rows(n=20000, d=32, seed=2)
    arr = da.from_array(x, chunks=(1500, -1))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  local_directory=str(tmp_path)) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with distributed.get_task_stream(client) as stream:
            m = el_dask.moments(arr, split_every=4)
    # 14 row blocks: their chunk tasks ran in both worker processes, not in this one.
    names = [(t["key"][0] if isinstance(t["key"], tuple) else str(t["key"]), t["worker"]) for t in stream.data]
    chunk_workers = {w for name, w in names if name.startswith("_chunk")}
    assert len(chunk_workers) == 2, names
    check(m, x)
    # Saved and read back: the file the page reads.
    m.save(tmp_path / "dask.safetensors", layer="x")
    back = eigenlens.Moments.load(tmp_path / "dask.safetensors")
    assert back.n == len(x) and np.array_equal(back.mean, m.mean)
