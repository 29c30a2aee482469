"""Recording activations' moments from a PyTorch model through forward hooks.

    with eigenlens.torch.record(model, {"h": model.layer}) as moments:
        for batch in loader:
            model(batch)
    eigenlens.save_layers("m.safetensors", moments)

Across ranks of ``torch.distributed`` (torchrun): ``moments = eigenlens.torch.all_reduce(moments)``
after the ``with`` block on every rank, then rank 0 saves.

Each module's output (the first element when it returns a tuple, as Hugging Face blocks do) is
read as rows of its last dimension: [B, T, H] is B*T rows of H units, after dropping the first
``skip_positions`` positions of every sequence (a BOS token, say); [B, H] is B rows. The moments
accumulate in float64 on the output's device.
"""

from __future__ import annotations

import contextlib
from typing import Dict, Iterator, Mapping

from ._distributed import all_reduce_layers
from ._moments import Moments

__all__ = ["record", "all_reduce", "Moments"]


def all_reduce(layers: Mapping[str, Moments], group=None) -> Dict[str, Moments]:
    """All-reduces the {name: Moments} that ``record`` yields across the ranks of a
    ``torch.distributed`` group: ``Moments.all_reduce`` on each layer, in sorted name order on
    every rank. A rank that recorded no rows of a layer (``record`` then has no entry for it)
    joins with empty moments of the D the other ranks report. A layer whose D differs between
    ranks is a ValueError on every rank, before any D x D traffic. Returns {name: merged Moments},
    the same bits on every rank (the Moments objects given are merged in place)."""
    return all_reduce_layers(layers, group=group)


def _first_tensor(output):
    if isinstance(output, (tuple, list)):
        output = output[0]
    if hasattr(output, "last_hidden_state"):
        output = output.last_hidden_state
    return output


@contextlib.contextmanager
def record(model, modules: Mapping[str, object], skip_positions: int = 0) -> Iterator[Dict[str, Moments]]:
    """Registers a forward hook on each module of ``modules`` ({name: module}) for the duration
    of the ``with`` block; yields {name: Moments} filled by every forward pass. The hooks are
    removed on exit, also on error. ``model`` is not called here; it is taken so that the
    modules are named against it in messages."""
    import torch

    if skip_positions < 0:
        raise ValueError(f"skip_positions must be >= 0, got {skip_positions}")
    owned = {id(m) for m in model.modules()} if hasattr(model, "modules") else None
    moments: Dict[str, Moments] = {}
    handles = []

    def hook_for(name):
        def hook(_module, _inputs, output):
            x = _first_tensor(output)
            if not isinstance(x, torch.Tensor):
                raise TypeError(f"module {name!r} returned {type(x).__name__}, not a tensor")
            if x.dim() == 3 and skip_positions:
                x = x[:, skip_positions:, :]
            elif x.dim() != 3 and skip_positions:
                raise ValueError(f"skip_positions applies to [B, T, H] outputs; {name!r} gave {list(x.shape)}")
            if x.dim() < 2:
                raise ValueError(f"module {name!r} gave shape {list(x.shape)}; rows need [N, H] or [B, T, H]")
            rows = x.detach().reshape(-1, x.shape[-1])
            if name not in moments:
                moments[name] = Moments(rows.shape[-1])
            moments[name].update(rows)

        return hook

    try:
        for name, module in modules.items():
            if owned is not None and id(module) not in owned:
                raise ValueError(f"module {name!r} is not a submodule of the model")
            handles.append(module.register_forward_hook(hook_for(name)))
        yield moments
    finally:
        for h in handles:
            h.remove()
