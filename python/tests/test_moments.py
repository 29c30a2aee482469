"""Moments from NumPy blocks against one-shot NumPy moments (np.cov, np.mean), merges in any
order, and the file round trip."""

import numpy as np
import pytest

import eigenlens


def one_shot(x):
    return len(x), x.mean(axis=0), np.cov(x, rowvar=False) * (len(x) - 1), x.min(axis=0), x.max(axis=0)


def close(a, b, rel=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    scale = np.abs(b).max()
    assert np.abs(a - b).max() <= rel * scale, f"max diff {np.abs(a - b).max()} vs scale {scale}"


def rows(n=1000, d=12, seed=0):
    rng = np.random.default_rng(seed)
    # Correlated units with unequal means and scales; f32 storage as activations have.
    return (rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * 0.5 + rng.normal(size=d) * 3).astype(np.float32)


def test_blocks_equal_one_shot_moments():
    x = rows()
    m = eigenlens.Moments(x.shape[1])
    for block in np.array_split(x, [1, 3, 250, 251, 999]):  # uneven blocks, one of a single row
        m.update(block)
    n, mean, scatter, lo, hi = one_shot(x.astype(np.float64))
    assert m.n == n
    close(m.mean, mean)
    close(m.scatter, scatter)
    close(m.covariance(), np.cov(x.astype(np.float64), rowvar=False))
    assert np.array_equal(m.min, lo) and np.array_equal(m.max, hi)
    assert m.source_dtype == "float32"


def test_merge_in_any_order_equals_one_pass():
    x = rows(seed=1).astype(np.float64)
    parts = [eigenlens.Moments(12).update(b) for b in np.array_split(x, [10, 600, 602])]
    want = one_shot(x)
    for order in ([0, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]):
        total = eigenlens.Moments(12)
        for i in order:
            total.merge(parts[i])
        assert total.n == len(x)
        close(total.mean, want[1])
        close(total.scatter, want[2])


def test_three_d_batches_are_rows_and_bad_input_is_refused():
    x = rows(n=60, d=5, seed=2).reshape(3, 20, 5)
    a = eigenlens.Moments(5).update(x)
    b = eigenlens.Moments(5).update(x.reshape(60, 5))
    assert np.array_equal(a.scatter, b.scatter) and a.n == 60
    with pytest.raises(ValueError, match="rows of 4 units"):
        eigenlens.Moments(5).update(np.zeros((3, 4)))
    bad = np.ones((3, 5))
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        eigenlens.Moments(5).update(bad)
    with pytest.raises(ValueError, match="cannot merge"):
        a.merge(eigenlens.Moments(4))


def test_save_and_load_round_trip_exactly(tmp_path):
    x = rows(seed=3)
    m = eigenlens.Moments(12).update(x)
    path = tmp_path / "m.safetensors"
    m.save(path, layer="h1")
    back = eigenlens.Moments.load(path)
    assert back.n == m.n and back.source_dtype == "float32"
    for k in ("mean", "min", "max"):
        assert np.array_equal(getattr(back, k), getattr(m, k))
    assert np.array_equal(back.scatter, (m.scatter + m.scatter.T) / 2)
    raw = path.read_bytes()
    assert int.from_bytes(raw[:8], "little") % 8 == 0
    # Several layers, prefixed.
    two = tmp_path / "two.safetensors"
    eigenlens.save_layers(two, {"blocks.0": m, "blocks.1": eigenlens.Moments(3).update(np.eye(3))})
    layers = eigenlens.load_layers(two)
    assert sorted(layers) == ["blocks.0", "blocks.1"]
    assert layers["blocks.1"].n == 3
    with pytest.raises(ValueError, match="holds 2 layers"):
        eigenlens.Moments.load(two)
    with pytest.raises(ValueError, match="at least 2"):
        eigenlens.Moments(3).update(np.ones((1, 3))).save(tmp_path / "one.safetensors")
