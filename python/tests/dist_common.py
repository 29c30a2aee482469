"""The seeded model and data of the torch.distributed test, shared by the test (one process over
all the data) and dist_worker.py (one rank over its shard)."""

import torch


class Net(torch.nn.Module):
    """Linear -> GELU -> Linear on [B, T, 8] inputs, and an `extra` head that only some callers
    run (so one rank records no rows of it)."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 32)
        self.act = torch.nn.GELU()
        self.fc2 = torch.nn.Linear(32, 16)
        self.extra = torch.nn.Linear(16, 4)

    def forward(self, x, extra=False):
        h = self.fc2(self.act(self.fc1(x)))
        return self.extra(h) if extra else h


def model() -> Net:
    torch.manual_seed(1234)
    return Net().eval()


def modules(net: Net):
    return {"fc1": net.fc1, "act": net.act, "fc2": net.fc2, "extra": net.extra}


def batches():
    """Seven batches of [16, 5, 8]: inputs with an offset of 3, so the activations' means are
    far from zero and summing uncentred moments would show."""
    g = torch.Generator().manual_seed(99)
    return [torch.randn(16, 5, 8, generator=g) + 3.0 for _ in range(7)]


def shard(items, rank: int, world: int):
    """Unequal contiguous shards: rank 0 gets the first four batches of seven, rank 1 the rest."""
    cut = [0, 4, 7] if world == 2 else [round(i * len(items) / world) for i in range(world + 1)]
    return items[cut[rank]:cut[rank + 1]]
