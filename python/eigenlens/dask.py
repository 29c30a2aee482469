"""Moments of a 2-D Dask array by a tree reduction over its row chunks, on any Dask scheduler.

    import dask.array as da, eigenlens.dask
    x = da.from_zarr("activations.zarr")          # N x D, rows are inputs, columns are units
    m = eigenlens.dask.moments(x)                  # a Moments: count, mean, scatter, min, max
    m.save("h.safetensors", layer="h")

The reduction is chunk -> combine -> aggregate:

- chunk: each row block X_b (n_b x D) becomes its own moments (n_b, mu_b, M_b, min_b, max_b), on
  the worker that holds the block (``Moments(D).update(X_b)``, float64, centred on mu_b);
- combine: groups of at most ``split_every`` partial moments merge by Chan, Golub & LeVeque's
  update, level by level, in block order (n = na + nb, d = mu_b - mu_a, mu = mu_a + d nb / n,
  M = M_a + M_b + d d^T na nb / n; min and max elementwise);
- aggregate: the last group's merge is the result.

Only moments (D x D float64 each) travel between workers, never rows. The tree's shape depends
only on the number of row blocks and ``split_every``, and merges run in block order, so the
result is the same whichever scheduler runs it (threads, processes, synchronous, a
``distributed`` cluster: whatever ``dask.compute`` would use, or ``scheduler=``).

Columns must be one chunk (a block's scatter needs all D units of its rows): an array chunked
along columns is rechunked to ``{1: -1}`` first, which moves data between workers; chunk it by
rows only when you create it to avoid that. Memory per task: a block of rows plus a few D x D
float64 matrices (32 MiB each at D = 2048).
"""

from __future__ import annotations

from typing import List, Optional

import numpy as np

from ._moments import Moments


def _chunk(block) -> Moments:
    block = np.asarray(block)
    return Moments(block.shape[1]).update(block)


def _combine(parts: List[Moments]) -> Moments:
    total = Moments(parts[0].d)
    for p in parts:
        total.merge(p)
    return total


def moments(array, split_every: int = 8, compute: bool = True, scheduler: Optional[str] = None):
    """The moments (count, mean, scatter, min, max) of a 2-D Dask array's rows, by the tree
    reduction in the module docstring. ``split_every`` (at least 2) is the tree's fan-in. With
    ``compute=False`` returns a ``dask.delayed`` object of the ``Moments`` instead of computing
    it; otherwise computes with ``scheduler`` (None: Dask's default, or the active
    ``distributed.Client``). NaN or +-Inf in a block is a ValueError raised from that block's
    task, as ``Moments.update`` refuses them. Returns a NumPy-held ``Moments``."""
    import dask
    import dask.array as da

    if not isinstance(array, da.Array):
        raise TypeError(f"eigenlens.dask.moments needs a dask.array.Array, got {type(array).__name__}; "
                        "wrap NumPy data with dask.array.from_array(x, chunks=(rows, -1))")
    if array.ndim != 2:
        raise ValueError(f"eigenlens.dask.moments needs a 2-D array (rows x units), got shape {array.shape}; "
                         "reshape [B, T, D] to (B*T, D) first")
    if int(split_every) < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    d = array.shape[1]
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"the array has {d} columns; moments need a known number of units >= 1")
    if len(array.chunks[1]) != 1:
        array = array.rechunk({1: -1})
    chunk = dask.delayed(_chunk, pure=True)
    combine = dask.delayed(_combine, pure=True)
    level = [chunk(b) for b in array.to_delayed().ravel()]
    if not level:
        raise ValueError("the array has no row blocks")
    while len(level) > 1:
        level = [combine(level[i:i + split_every]) for i in range(0, len(level), split_every)]
    result = level[0]
    if not compute:
        return result
    (m,) = dask.compute(result, scheduler=scheduler)
    return m
