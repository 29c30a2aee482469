"""eigenlens: activations reduced to mergeable moments (count, mean, scatter, min, max) where
they are produced, saved as an eigenlens moments file (docs/MOMENTS.md) for the page or
``eigenlens analyze``.

- ``Moments(d)``: ``update(x)`` (NumPy or torch, any device, float64), ``merge(other)``,
  ``save(path, layer=...)``, ``Moments.load(path)``.
- ``save_layers(path, {name: Moments})`` / ``load_layers(path)``: several layers in one file.
- ``eigenlens.torch.record(model, {"name": module}, skip_positions=0)``: forward hooks;
  ``Moments.all_reduce(group=None)`` and ``eigenlens.torch.all_reduce(layers)`` merge every
  rank's share over ``torch.distributed`` (gloo or NCCL), exactly.
- ``eigenlens.dask.moments(array)``: a tree reduction over a 2-D Dask array's row chunks, on any
  scheduler (``pip install './python[dask]'``).
"""

from ._moments import AXIS, FORMAT, VERSION, Moments, load_layers, save_layers

__all__ = ["Moments", "save_layers", "load_layers", "FORMAT", "VERSION", "AXIS"]
__version__ = "0.1.0"
