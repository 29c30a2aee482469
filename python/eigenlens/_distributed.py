"""Moments merged across the ranks of a ``torch.distributed`` process group.

Every rank r holds a share (n_r, mu_r, M_r, min_r, max_r) over its own rows. The merged moments
are, exactly (the parallel-axis identity that Chan, Golub & LeVeque's pairwise update applies two
shares at a time):

    N  = sum_r n_r
    mu = the count-weighted mean of the mu_r (Chan's mean update, in rank order)
    M  = sum_r [ M_r + n_r (mu_r - mu)(mu_r - mu)^T ]
    min = elementwise min of the min_r,  max = elementwise max of the max_r

Each rank forms its own centred term M_r + n_r d_r d_r^T (d_r = mu_r - mu, small: a difference of
means, not a raw second moment), and one ``all_reduce(SUM)`` adds them. No rank ever sums
uncentred second moments sum x x^T, which cancel catastrophically when the means are large.

Collectives, in order (every rank calls the same ones, so an error is raised on every rank and
nothing hangs):

1. ``all_gather`` of a small header per rank (count, D, source dtype): unequal D is refused
   here, on every rank, before any D x D traffic;
2. ``all_gather`` of the means (world_size x D f64); every rank computes mu from them by the same
   arithmetic in rank order, so every rank holds the same bits;
3. ``all_reduce(SUM)`` of the D x D f64 centred terms, ``all_reduce(MIN)`` / ``(MAX)`` of the
   per-unit extremes.

Memory: one extra D x D f64 buffer per rank during the reduction (128 MiB at D = 4096), plus
world_size x D for the means; an all_gather of the scatters would need world_size x D x D f64
(1 GiB on 8 ranks at D = 4096) and send (world_size - 1) x D^2 values per rank, where a ring
all_reduce sends about 2 D^2. Ring and tree all_reduce (gloo, NCCL) leave every rank with the
same reduced bits; the tests check this for gloo.

Device: NCCL groups reduce on the current CUDA device; gloo (and other CPU backends) on the
CPU. Moments held on a GPU are copied to the CPU for a gloo group and back afterwards.
"""

from __future__ import annotations

import json
from typing import Dict, List, Mapping

import numpy as np

from ._moments import Moments, _is_torch


def _comm_device(group, state_device):
    import torch
    import torch.distributed as dist

    backend = str(dist.get_backend(group)).lower()
    if "nccl" in backend:
        if state_device is not None and state_device.type == "cuda":
            return state_device
        if "gloo" not in backend:
            return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _gather_json(payload, group, device) -> List[object]:
    """all_gather of a small JSON value from every rank, in rank order (no pickle)."""
    import torch
    import torch.distributed as dist

    world = dist.get_world_size(group)
    raw = json.dumps(payload, sort_keys=True).encode()
    length = torch.tensor([len(raw)], dtype=torch.int64, device=device)
    lengths = [torch.zeros_like(length) for _ in range(world)]
    dist.all_gather(lengths, length, group=group)
    width = max(int(t.item()) for t in lengths)
    buf = torch.zeros(width, dtype=torch.uint8, device=device)
    if raw:
        buf[: len(raw)] = torch.tensor(list(raw), dtype=torch.uint8, device=device)
    bufs = [torch.zeros_like(buf) for _ in range(world)]
    dist.all_gather(bufs, buf, group=group)
    out = []
    for t, n in zip(bufs, lengths):
        out.append(json.loads(bytes(t[: int(n.item())].cpu().tolist()).decode()))
    return out


def all_reduce(m: Moments, group=None) -> Moments:
    """Replaces ``m`` on every rank of ``group`` by the merge of all ranks' shares; see the module
    docstring. Returns ``m``."""
    import torch
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("torch.distributed is not initialised: call "
                           "torch.distributed.init_process_group(...) on every rank before all_reduce")
    state_device = m.mean.device if m._torch else None
    device = _comm_device(group, state_device)

    headers = _gather_json({"n": m.n, "d": m.d, "source_dtype": m.source_dtype}, group, device)
    ds = [h["d"] for h in headers]
    if len(set(ds)) != 1:
        raise ValueError("cannot all_reduce moments of different numbers of units: "
                         + ", ".join(f"rank {r} has D = {d}" for r, d in enumerate(ds))
                         + "; record the same module on every rank")
    counts = [int(h["n"]) for h in headers]
    total = sum(counts)
    dtypes: List[str] = []
    for h in headers:
        for name in filter(None, h["source_dtype"].split("+")):
            if name not in dtypes:
                dtypes.append(name)

    def local(v):
        if _is_torch(v):
            return v.detach().to(device=device, dtype=torch.float64)
        return torch.as_tensor(np.asarray(v, dtype=np.float64), device=device)

    if total == 0:
        m.source_dtype = "+".join(dtypes)
        return m

    # 2. every rank's mean, then mu by Chan's mean update in rank order (same bits on all ranks).
    mean_r = local(m.mean) if m.n else torch.zeros(m.d, dtype=torch.float64, device=device)
    means = [torch.empty_like(mean_r) for _ in counts]
    dist.all_gather(means, mean_r, group=group)
    mu = None
    seen = 0
    for n_r, mean_k in zip(counts, means):
        if n_r == 0:
            continue
        seen += n_r
        mu = mean_k.clone() if mu is None else mu + (mean_k - mu) * (n_r / seen)

    # 3. the centred terms, summed; the extremes.
    if m.n:
        d_r = mean_r - mu
        term = local(m.scatter).clone()
        term.addr_(d_r, d_r, alpha=float(m.n))
        lo, hi = local(m.min).clone(), local(m.max).clone()
    else:
        term = torch.zeros(m.d, m.d, dtype=torch.float64, device=device)
        lo = torch.full((m.d,), float("inf"), dtype=torch.float64, device=device)
        hi = torch.full((m.d,), float("-inf"), dtype=torch.float64, device=device)
    dist.all_reduce(term, op=dist.ReduceOp.SUM, group=group)
    dist.all_reduce(lo, op=dist.ReduceOp.MIN, group=group)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX, group=group)

    if m._torch:
        m.mean, m.scatter = mu.to(state_device), term.to(state_device)
        m.min, m.max = lo.to(state_device), hi.to(state_device)
    else:
        m.mean, m.scatter = mu.cpu().numpy(), term.cpu().numpy()
        m.min, m.max = lo.cpu().numpy(), hi.cpu().numpy()
    m.n = total
    m.source_dtype = "+".join(dtypes)
    return m


def all_reduce_layers(layers: Mapping[str, Moments], group=None) -> Dict[str, Moments]:
    """All-reduces every layer of ``layers`` ({name: Moments}, as ``record`` yields it) across the
    ranks of ``group``. A rank that saw no rows of a layer (so ``record`` made no entry for it)
    joins with empty moments of the D the other ranks report. Layers are reduced in sorted name
    order on every rank. Returns a new dict holding the same (reduced) Moments objects."""
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("torch.distributed is not initialised: call "
                           "torch.distributed.init_process_group(...) on every rank before all_reduce")
    states = [m.mean.device for m in layers.values() if m._torch]
    device = _comm_device(group, states[0] if states else None)
    mine = {name: int(m.d) for name, m in layers.items()}
    seen: Dict[str, Dict[int, List[int]]] = {}
    for r, theirs in enumerate(_gather_json(mine, group, device)):
        for name, dim in theirs.items():
            seen.setdefault(name, {}).setdefault(int(dim), []).append(r)
    bad = {name: by_d for name, by_d in seen.items() if len(by_d) != 1}
    if bad:
        detail = "; ".join(f"{name!r}: " + ", ".join(f"D = {dim} on ranks {ranks}" for dim, ranks in sorted(by_d.items()))
                           for name, by_d in sorted(bad.items()))
        raise ValueError(f"cannot all_reduce layers whose D differs between ranks ({detail}); "
                         "record the same modules on every rank")
    out: Dict[str, Moments] = {}
    for name in sorted(seen):
        m = layers.get(name)
        if m is None:
            m = Moments(next(iter(seen[name])))
        out[name] = all_reduce(m, group=group)
    return out
