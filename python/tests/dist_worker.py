"""One rank of the two-process gloo test (test_distributed.py starts two of these):

    python dist_worker.py RANK WORLD_SIZE INIT_FILE OUT_DIR

Builds the seeded model of test_distributed.model(), records hooks over this rank's shard of
the batches (shard()), all-reduces, and writes OUT_DIR/rank{RANK}.safetensors (every rank, so
the test can compare their bits) plus OUT_DIR/rank{RANK}.json: the error raised for unequal D,
the rows each rank saw, and each layer's activations as .npy for the single-process reference."""

import json
import pathlib
import sys

import numpy as np
import torch
import torch.distributed as dist

import eigenlens
import eigenlens.torch as el_torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from dist_common import batches, model, modules, shard  # noqa: E402


def main(rank: int, world: int, init_file: str, out: pathlib.Path) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        net = model()
        seen = {name: [] for name in modules(net)}
        hooks = [mod.register_forward_hook(lambda _m, _i, o, name=name: seen[name].append(o.detach().clone()))
                 for name, mod in modules(net).items()]
        with el_torch.record(net, modules(net)) as moments, torch.no_grad():
            for x in shard(batches(), rank, world):
                net(x, extra=(rank == 0))
        for h in hooks:
            h.remove()
        rows = {name: int(moments[name].n) if name in moments else 0 for name in modules(net)}
        reduced = el_torch.all_reduce(moments)
        eigenlens.save_layers(out / f"rank{rank}.safetensors", reduced)
        for name, outs in seen.items():
            if outs:
                np.save(out / f"rank{rank}.{name}.npy", torch.cat([o.reshape(-1, o.shape[-1]) for o in outs]).numpy())

        # Unequal D: a ValueError on every rank, before any D x D traffic (so nothing hangs).
        try:
            eigenlens.Moments(3 + rank).update(np.eye(3 + rank)).all_reduce()
            unequal = None
        except ValueError as e:
            unequal = str(e)
        # A rank with no rows (Moments never updated, NumPy-held) beside a rank holding torch state.
        m = eigenlens.Moments(4)
        if rank == 0:
            m.update(torch.arange(12.0).reshape(3, 4) + 1e6)
        m.all_reduce()
        empty = {"n": m.n, "mean": np.asarray(m.to_numpy().mean).tolist(),
                 "scatter": np.asarray(m.to_numpy().scatter).tolist()}
        (out / f"rank{rank}.json").write_text(json.dumps({"rows": rows, "unequal": unequal, "empty": empty}))
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], pathlib.Path(sys.argv[4]))
