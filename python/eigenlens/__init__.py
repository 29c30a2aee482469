"""eigenlens: activations reduced to mergeable moments (count, mean, scatter, min, max) where
they are produced, saved as an eigenlens moments file (docs/MOMENTS.md) for the page or
``eigenlens analyze``.

- ``Moments(d)``: ``update(x)`` (NumPy or torch, any device, float64), ``merge(other)``,
  ``save(path, layer=...)``, ``Moments.load(path)``.
- ``save_layers(path, {name: Moments})`` / ``load_layers(path)``: several layers in one file.
- ``eigenlens.torch.record(model, {"name": module}, skip_positions=0)``: forward hooks.
"""

from ._moments import AXIS, FORMAT, VERSION, Moments, load_layers, save_layers

__all__ = ["Moments", "save_layers", "load_layers", "FORMAT", "VERSION", "AXIS"]
__version__ = "0.1.0"
