"""Streaming, mergeable moments of activations, and the eigenlens moments file.

For rows x_1..x_N in R^D (rows are inputs, columns are units) the moments are the count N, the
column means mu, the scatter M = sum_k (x_k - mu)(x_k - mu)^T (covariance C = M / (N - 1)) and
each unit's min and max. Every block is centred on its own mean before its scatter is formed,
and blocks merge by the update of Chan, Golub & LeVeque (1979), as the Rust core does
(src/stats/moments.rs):

    n = na + nb,  d = mu_b - mu_a,  mu = mu_a + d * nb / n,  M = M_a + M_b + d d^T * na * nb / n.

So shares of rows merge exactly (to round-off) in any order, and large means do not cancel.
Torch tensors are accumulated in float64 on their own device; nothing is copied to the host
until `save` or `to_numpy`. Updates work in place on the running scatter (no D x D temporaries:
at D = 4096 each one is 128 MiB of fresh pages), so the scatter held in memory is symmetric to
round-off, not bitwise (BLAS's gemm does not promise it); `save` writes (M + M^T) / 2 and
`covariance()` returns the symmetrised matrix.

The file format (docs/MOMENTS.md): a safetensors file with `count` (I64 [1]), `mean` (F64 [D]),
`scatter` (F64 [D, D]), `min`, `max` (F64 [D]); `__metadata__` with format
"eigenlens-moments", version "1", the axis convention, the layer name and the source dtype.
Several layers share a file under prefixed names (`NAME.count`, ...).
"""

from __future__ import annotations

import json
import struct
from typing import Dict, Mapping, Optional

import numpy as np

FORMAT = "eigenlens-moments"
VERSION = "1"
AXIS = "rows are inputs, columns are units"
_FIELDS = ("count", "mean", "scatter", "min", "max")


def _is_torch(x) -> bool:
    mod = type(x).__module__
    return mod.startswith("torch") and hasattr(x, "detach")


def _dtype_name(x) -> str:
    """'float32', 'bfloat16', ... for a NumPy array or a torch tensor."""
    if _is_torch(x):
        return str(x.dtype).replace("torch.", "")
    return np.asarray(x).dtype.name


class Moments:
    """Running moments of D units: ``update`` blocks of rows, ``merge`` other shares,
    ``save``/``load`` moments files. State lives in float64 on the device of the first torch
    tensor given (NumPy otherwise)."""

    def __init__(self, d: int):
        if int(d) < 1:
            raise ValueError(f"Moments needs at least one unit, got d = {d}")
        self.d = int(d)
        self.n = 0
        self.source_dtype = ""
        self._torch = False
        self.mean = np.zeros(self.d)
        self.scatter = np.zeros((self.d, self.d))
        self.min = np.full(self.d, np.inf)
        self.max = np.full(self.d, -np.inf)

    # -- state on the right backend -------------------------------------------------------------
    def _to_torch(self, device):
        import torch

        for k in ("mean", "scatter", "min", "max"):
            v = getattr(self, k)
            setattr(self, k, torch.as_tensor(np.asarray(v) if not _is_torch(v) else v,
                                             dtype=torch.float64).to(device))
        self._torch = True

    def to_numpy(self) -> "Moments":
        """The same moments held as NumPy arrays (a copy from the device when on a GPU)."""
        out = Moments(self.d)
        out.n, out.source_dtype = self.n, self.source_dtype
        for k in ("mean", "scatter", "min", "max"):
            v = getattr(self, k)
            setattr(out, k, v.detach().cpu().numpy().copy() if _is_torch(v) else np.array(v, dtype=np.float64))
        return out

    # -- accumulating ---------------------------------------------------------------------------
    def update(self, x) -> "Moments":
        """Adds the rows of ``x``: [N, D], or [..., D] read as rows of D (a [B, T, D] batch of
        sequences is B*T rows). NumPy arrays and torch tensors (any device, any float dtype) are
        accumulated in float64. NaN or +-Inf is refused (ValueError), as the core refuses it."""
        name = _dtype_name(x)
        if _is_torch(x):
            import torch

            x = x.detach()
            if not self._torch:
                self._to_torch(x.device)
            x = x.to(device=self.mean.device, dtype=torch.float64)
            rows = x.reshape(-1, x.shape[-1]) if x.dim() != 2 else x
            finite = bool(torch.isfinite(rows).all())
        else:
            x = np.asarray(x)
            rows = x.astype(np.float64, copy=False)
            rows = rows.reshape(-1, rows.shape[-1]) if rows.ndim != 2 else rows
            finite = bool(np.isfinite(rows).all())
            if self._torch:  # a NumPy block into moments held by torch
                import torch

                rows = torch.as_tensor(rows, dtype=torch.float64, device=self.mean.device)
        if rows.shape[-1] != self.d:
            raise ValueError(f"rows of {rows.shape[-1]} units cannot update moments of {self.d} units")
        if not finite:
            raise ValueError("the block holds NaN or +-Inf; drop those rows before update")
        nb = int(rows.shape[0])
        if nb == 0:
            return self
        if self.source_dtype and self.source_dtype != name and name not in self.source_dtype.split("+"):
            self.source_dtype = f"{self.source_dtype}+{name}"
        elif not self.source_dtype:
            self.source_dtype = name
        self._add_rows(rows)
        return self

    def _add_rows(self, rows):
        """Chan's update with the block's own moments, formed in place: the block's centred
        scatter C^T C goes straight into the running scatter (torch: ``addmm_``; NumPy: ``syrk``
        through ``c.T @ c``), then the correction d d^T na nb / n (``addr_`` / one reused buffer),
        so an update allocates no D x D temporary beyond NumPy's one product."""
        nb, na = int(rows.shape[0]), self.n
        n = na + nb
        mean_b = rows.mean(0)
        c = rows - mean_b
        coef = na * nb / n
        if self._torch:
            import torch

            lo, hi = torch.minimum(self.min, rows.amin(0)), torch.maximum(self.max, rows.amax(0))
            if na == 0:
                self.scatter.zero_()
                self.scatter.addmm_(c.T, c)
                self.mean = mean_b
            else:
                delta = mean_b - self.mean
                self.scatter.addmm_(c.T, c)
                self.scatter.addr_(delta, delta, alpha=coef)
                self.mean = self.mean + delta * (nb / n)
        else:
            lo, hi = np.minimum(self.min, rows.min(axis=0)), np.maximum(self.max, rows.max(axis=0))
            block = c.T @ c
            if na == 0:
                self.scatter = block
                self.mean = mean_b
            else:
                delta = mean_b - self.mean
                self.scatter += block
                np.multiply(delta[:, None], delta[None, :], out=block)
                block *= coef
                self.scatter += block
                self.mean = self.mean + delta * (nb / n)
        self.min, self.max, self.n = lo, hi, n

    def _merge_parts(self, nb, mean_b, scatter_b, lo, hi):
        """Chan's update with another share's moments (not modified); in place on own state."""
        if nb == 0:
            return
        if self._torch:
            import torch

            lo, hi = torch.minimum(self.min, lo), torch.maximum(self.max, hi)
        else:
            lo, hi = np.minimum(self.min, lo), np.maximum(self.max, hi)
        na = self.n
        n = na + nb
        if na == 0:
            self.mean = mean_b.clone() if self._torch else np.array(mean_b)
            self.scatter = scatter_b.clone() if self._torch else np.array(scatter_b)
        else:
            delta = mean_b - self.mean
            if self._torch:
                self.scatter.add_(scatter_b)
                self.scatter.addr_(delta, delta, alpha=na * nb / n)
            else:
                self.scatter += scatter_b
                corr = np.multiply(delta[:, None], delta[None, :])
                corr *= na * nb / n
                self.scatter += corr
            self.mean = self.mean + delta * (nb / n)
        self.min, self.max, self.n = lo, hi, n

    def merge(self, other: "Moments") -> "Moments":
        """Adds another share of rows of the same units (Chan's update); returns self."""
        if other.d != self.d:
            raise ValueError(f"cannot merge moments of {other.d} units into moments of {self.d} units")
        parts = [other.mean, other.scatter, other.min, other.max]
        if self._torch:
            import torch

            parts = [torch.as_tensor(p if _is_torch(p) else np.asarray(p), dtype=torch.float64).to(self.mean.device)
                     for p in parts]
        else:
            parts = [p.detach().cpu().numpy() if _is_torch(p) else p for p in parts]
        if other.source_dtype and other.source_dtype not in self.source_dtype.split("+"):
            self.source_dtype = f"{self.source_dtype}+{other.source_dtype}" if self.source_dtype else other.source_dtype
        self._merge_parts(other.n, *parts)
        return self

    def all_reduce(self, group=None) -> "Moments":
        """Merges every rank's share over ``torch.distributed`` (``group``: the default group when
        None), exactly: each rank adds its centred term M_r + n_r (mu_r - mu)(mu_r - mu)^T to one
        all_reduce(SUM), mu coming from an all_gather of the means (eigenlens/_distributed.py has
        the derivation). Every rank ends with the same bits; a rank with no rows (``Moments(d)``
        never updated) takes part; unequal D is a ValueError on every rank. Works on CPU (gloo)
        and CUDA (nccl) groups. Costs one extra D x D float64 buffer per rank while it runs.
        Returns self."""
        from ._distributed import all_reduce

        return all_reduce(self, group=group)

    def covariance(self) -> np.ndarray:
        """C = M / (N - 1), as a NumPy array, symmetrised ((M + M^T) / 2)."""
        if self.n < 2:
            raise ValueError(f"a covariance needs at least 2 rows, these moments hold {self.n}")
        s = self.to_numpy().scatter
        return (s + s.T) / (2 * (self.n - 1))

    # -- files ----------------------------------------------------------------------------------
    def save(self, path, layer: str = "") -> None:
        """Writes these moments as a one-layer moments file (unprefixed tensors, the name in the
        ``layer`` metadata)."""
        save_layers(path, {layer: self})

    @staticmethod
    def load(path, layer: Optional[str] = None) -> "Moments":
        """Reads one layer of a moments file (``layer`` is needed when the file holds several)."""
        layers = load_layers(path)
        if layer is None:
            if len(layers) != 1:
                raise ValueError(f"the moments file holds {len(layers)} layers; choose one of {sorted(layers)}")
            return next(iter(layers.values()))
        if layer not in layers:
            raise KeyError(f"no layer named {layer!r} in the moments file; it holds {sorted(layers)}")
        return layers[layer]


def save_layers(path, layers: Mapping[str, Moments]) -> None:
    """Writes several layers in one moments file: prefixed tensors (``NAME.count``, ...), or
    unprefixed when there is one layer. The scatter is written symmetrised, (M + M^T) / 2."""
    if not layers:
        raise ValueError("no layers to save")
    single = len(layers) == 1
    if not single and any(not name for name in layers):
        raise ValueError("several layers in one file need non-empty names")
    meta = {"format": FORMAT, "version": VERSION, "axis": AXIS}
    header, chunks, offset = {}, [], 0
    for name, m in layers.items():
        if m.n < 2:
            raise ValueError(f"layer {name!r} holds {m.n} row(s); a moments file needs at least 2")
        prefix = "" if single else f"{name}."
        if single:
            meta["layer"] = name
            meta["source_dtype"] = m.source_dtype
        else:
            meta[f"{prefix}source_dtype"] = m.source_dtype
        mean, scatter, lo, hi = (_host(getattr(m, k)) for k in ("mean", "scatter", "min", "max"))
        # (M + M^T) / 2 into one new buffer (x * 0.5 is x / 2 exactly), written without a bytes copy.
        sym = np.add(scatter, scatter.T)
        sym *= 0.5
        tensors = [
            ("count", "I64", [1], np.array([m.n], dtype="<i8")),
            ("mean", "F64", [m.d], np.ascontiguousarray(mean, dtype="<f8")),
            ("scatter", "F64", [m.d, m.d], np.ascontiguousarray(sym, dtype="<f8")),
            ("min", "F64", [m.d], np.ascontiguousarray(lo, dtype="<f8")),
            ("max", "F64", [m.d], np.ascontiguousarray(hi, dtype="<f8")),
        ]
        for field, dtype, shape, data in tensors:
            header[prefix + field] = {"dtype": dtype, "shape": shape,
                                      "data_offsets": [offset, offset + data.nbytes]}
            chunks.append(data)
            offset += data.nbytes
    header = {"__metadata__": meta, **header}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for data in chunks:
            f.write(memoryview(data).cast("B"))


def _host(v) -> np.ndarray:
    """A float64 NumPy view of a state array (copied only from a GPU or another dtype)."""
    if _is_torch(v):
        v = v.detach().cpu().numpy()
    return np.asarray(v, dtype=np.float64)


def load_layers(path) -> Dict[str, Moments]:
    """Every layer of a moments file, by name (an unprefixed layer under its ``layer`` metadata,
    or ""). Checks the format and version; the Rust core checks the rest (symmetry, signs)."""
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen])
    data = raw[8 + hlen:]
    meta = header.pop("__metadata__", {})
    if meta.get("format") != FORMAT:
        raise ValueError(f"not a moments file: format = {meta.get('format')!r}, not {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise ValueError(f"moments file version {meta.get('version')!r} is not {VERSION!r}")

    def tensor(name, dtype, shape):
        e = header[name]
        if e["dtype"] != dtype or list(e["shape"]) != list(shape):
            raise ValueError(f"tensor {name!r} is {e['dtype']} {e['shape']}, expected {dtype} {shape}")
        a, b = e["data_offsets"]
        return np.frombuffer(data[a:b], dtype="<i8" if dtype == "I64" else "<f8").reshape(shape).copy()

    out = {}
    for key in sorted(header):
        if key == "count":
            prefix, name = "", meta.get("layer", "")
        elif key.endswith(".count"):
            prefix = key[: -len("count")]
            name = prefix[:-1]
        else:
            continue
        d = header[prefix + "mean"]["shape"][0]
        m = Moments(d)
        m.n = int(tensor(prefix + "count", "I64", [1])[0])
        m.mean = tensor(prefix + "mean", "F64", [d])
        m.scatter = tensor(prefix + "scatter", "F64", [d, d])
        m.min = tensor(prefix + "min", "F64", [d])
        m.max = tensor(prefix + "max", "F64", [d])
        m.source_dtype = meta.get(prefix + "source_dtype", meta.get("source_dtype", "") if not prefix else "")
        out[name] = m
    if not out:
        raise ValueError("the moments file holds no layer (no 'count' tensor)")
    return out
