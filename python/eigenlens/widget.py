"""Jupyter widgets (anywidget): ``Spectrum(x)`` and ``Compare([a, b, ...])`` show eigenlens's own
custom elements, ``<eigenlens-spectrum>`` and ``<eigenlens-compare>``, in a notebook cell, and the
analysis runs in the browser in the same WebAssembly core as the page (one worker pool per page).

    import eigenlens.widget as ew
    ew.Spectrum(acts)                          # NumPy array [N, D] (or [..., D]), torch tensor,
    ew.Spectrum(moments)                       # eigenlens.Moments, or a file path
    ew.Spectrum("layers.npz", key="h2", estimator="ols", lo=11, hi=200)
    ew.Compare([h1, h2, "h3.safetensors"], labels=["h1", "h2", "h3"])

What goes to the browser, always as binary buffers (ipywidgets sends ``bytes`` traits and
custom-message buffers as raw frames, never as JSON text):

- An array or a tensor becomes an eigenlens moments file (docs/MOMENTS.md), made by the package's
  own ``Moments`` (``update`` in float64, then ``save``): D^2 * 8 bytes plus the count, means,
  minima and maxima, whatever N is. The core reads it exactly as it reads a moments file dropped
  on the page, and the spectrum of moments is the spectrum of the rows (the covariance is
  M / (N - 1) either way). A torch tensor is reduced on its own device; only the moments are
  copied to the host.
- A ``Moments`` is saved the same way; a moments file is sent as is.
- A file path of rows (.npy, .npz, .safetensors, .pt, .csv) is sent as is, the file's own bytes:
  the core then reads it with the readers the page uses (every dtype, key and layout it knows,
  with no reader duplicated in Python), the figure names its stored dtype and shape, and the
  element keeps what needs rows (the bootstrap of alpha, a row range). The cost is the file's
  size; for a rows file much larger than D^2 * 8 bytes pass ``np.load(path, mmap_mode="r")``
  instead, which is sent as moments.

The element bundle, its worker and the wasm are read from this package's ``static/`` folder
(copied there by ``scripts/build-widget.sh``) and sent to the page once: the first widget shown
in a page asks for them with a custom message, and every later widget in that page finds them on
``globalThis`` (one import of the bundle, one compiled wasm). Nothing is fetched from the network.

What the widget does not do: it does not keep the figure when the notebook is reopened without a
kernel (the data lives in the kernel), and ``alpha`` is the value the browser last showed, not a
computation in Python (``eigenlens analyze`` on the same moments gives the same number).
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from typing import Any, Optional, Sequence, Tuple

import numpy as np

try:
    import anywidget
    import traitlets
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "eigenlens.widget needs anywidget (and a notebook front end): pip install 'eigenlens[widget]' "
        "or pip install anywidget"
    ) from e

from ._moments import Moments, _is_torch

HERE = pathlib.Path(__file__).resolve().parent
#: Where the element bundle, worker and wasm are read from (scripts/build-widget.sh writes them).
STATIC = HERE / "static"
#: The three files of the package build (dist-pkg/), as the page's package ships them.
ASSETS = ("eigenlens.js", "worker.js", "eigenlens_bg.wasm")
BUILD_COMMAND = "bash scripts/build-widget.sh"
#: How many times this kernel sent the static files to a page (once per page load; the notebook test reads it).
_assets_sent = 0


class WidgetFilesMissing(FileNotFoundError):
    """The widget's static files (the element bundle, its worker, the wasm) are not in the package:
    it was installed from a source tree where ``scripts/build-widget.sh`` had not been run."""


def static_files() -> dict:
    """The paths of the three static files, checked; raises WidgetFilesMissing naming the build."""
    paths = {name: pathlib.Path(STATIC) / name for name in ASSETS}
    missing = [name for name, p in paths.items() if not p.is_file()]
    if missing:
        raise WidgetFilesMissing(
            f"the eigenlens widget's static files are missing from {STATIC} ({', '.join(missing)}). "
            f"Build them from the eigenlens repository root with `{BUILD_COMMAND}` (it builds the wasm and the "
            "element bundle and copies them into python/eigenlens/static/), then reinstall the package "
            "(pip install ./python)."
        )
    return paths


def _moments_bytes(m: Moments, layer: str = "") -> bytes:
    """The moments file ``m.save`` writes, as bytes (written to a temporary file and read back)."""
    with tempfile.TemporaryDirectory(prefix="eigenlens-widget-") as d:
        path = pathlib.Path(d) / "moments.safetensors"
        m.save(path, layer=layer)
        return path.read_bytes()


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def payload(x: Any, label: Optional[str] = None) -> Tuple[bytes, str, Optional[str]]:
    """What the widget sends for ``x``: ``(bytes, file name, default label)`` (no default label for
    a path: the element titles a file by its name and key).

    Arrays and tensors become moments-file bytes (``Moments`` of their rows); a ``Moments`` is
    saved; a path is read as is. Raises TypeError / ValueError / FileNotFoundError naming the
    problem (NaN or Inf rows are refused by ``Moments.update``, as the core refuses them)."""
    if isinstance(x, Moments):
        return _moments_bytes(x, layer=label or ""), "moments.safetensors", f"moments of {x.d} units, N = {x.n}"
    if isinstance(x, (str, os.PathLike)):
        path = pathlib.Path(x)
        if not path.is_file():
            raise FileNotFoundError(f"no file at {path}: give the path of an activations or moments file")
        return path.read_bytes(), path.name, None  # the element titles a file by its name (and key)
    if _is_torch(x):
        shape = tuple(x.shape)
        what = f"{str(x.dtype).replace('torch.', '')} tensor {_shape_text(shape)} ({x.device})"
    else:
        try:
            arr = np.asarray(x)
        except Exception as e:  # an object NumPy cannot view
            raise TypeError(f"Spectrum takes a NumPy array, a torch tensor, an eigenlens.Moments or a file path, "
                            f"not {type(x).__name__}") from e
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"Spectrum needs numbers; this {type(x).__name__} holds dtype {arr.dtype}")
        x, shape = arr, arr.shape
        what = f"{arr.dtype.name} array {_shape_text(shape)}"
    if len(shape) < 2:
        raise ValueError(f"Spectrum needs rows x units (2-D, or [..., D] read as rows of D); got shape "
                         f"{_shape_text(shape)}")
    m = Moments(shape[-1])
    m.update(x)
    if m.n < 2:
        raise ValueError(f"a spectrum needs at least 2 rows; this {what} has {m.n}")
    return _moments_bytes(m, layer=label or ""), "moments.safetensors", what


class _Assets:
    """Answers the page's one request for the static files (a custom message with three buffers:
    the bundle, the worker, the wasm). Shared by both widgets."""

    def _setup_assets(self):
        static_files()  # refuse at once, in the cell, when the files were never built
        self.on_msg(self._on_page_msg)

    def _on_page_msg(self, _widget, content, _buffers):
        global _assets_sent
        if not isinstance(content, dict) or content.get("type") != "eigenlens-assets?":
            return
        try:
            paths = static_files()
            buffers = [paths[name].read_bytes() for name in ASSETS]
        except OSError as e:
            self.send({"type": "eigenlens-assets", "error": str(e)})
            return
        self.send({"type": "eigenlens-assets", "names": list(ASSETS)}, buffers=buffers)
        _assets_sent += 1


class Spectrum(_Assets, anywidget.AnyWidget):
    """The eigenspectrum of one layer with its power-law fit and alpha: ``<eigenlens-spectrum>``.

    ``x``: a NumPy array [N, D] (or [..., D]), a torch tensor, an ``eigenlens.Moments`` or the path
    of an activations or moments file. ``key``: the array in an .npz/.safetensors/.pt file (or the
    layer of a moments file of several). ``estimator``, ``lo``, ``hi``: the fit (default: the
    core's first estimator and fit range, as on the page). ``label``: the title.

    After the figure is shown, ``alpha`` and ``fit`` hold what the browser computed (None before).
    """

    _esm = HERE / "_widget.js"
    _kind = traitlets.Unicode("spectrum").tag(sync=True)
    _data = traitlets.Bytes(b"").tag(sync=True)
    _name = traitlets.Unicode("").tag(sync=True)
    key = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    label = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    estimator = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    lo = traitlets.Int(None, allow_none=True).tag(sync=True)
    hi = traitlets.Int(None, allow_none=True).tag(sync=True)
    alpha = traitlets.Float(None, allow_none=True, read_only=True).tag(sync=True)
    fit = traitlets.Dict(None, allow_none=True, read_only=True).tag(sync=True)
    error = traitlets.Unicode("", read_only=True).tag(sync=True)

    def __init__(self, x, *, key: Optional[str] = None, label: Optional[str] = None,
                 estimator: Optional[str] = None, lo: Optional[int] = None, hi: Optional[int] = None, **kwargs):
        static_files()
        data, name, default_label = payload(x, label)
        if key is not None and not isinstance(x, (str, os.PathLike)):
            raise ValueError("key names an array inside a file; it applies to a file path only")
        super().__init__(_data=data, _name=name, key=key, label=label or default_label, estimator=estimator,
                         lo=lo, hi=hi, **kwargs)
        self._setup_assets()


class Compare(_Assets, anywidget.AnyWidget):
    """Several layers in one figure: ``<eigenlens-compare>``, alpha of every layer fitted over ONE
    common range of ranks (as ``eigenlens compare`` fits it), their spectra overlaid (scaled to
    lambda_1), participation ratio and effective rank, and N/D per layer.

    ``layers``: a list of what ``Spectrum`` takes; a ``(path, key)`` pair picks an array of a file.
    ``labels``: one name per layer (default: the file name, or the array's dtype and shape).
    After the figure is shown, ``alphas`` holds each layer's alpha over the common range and
    ``common_range`` the [lo, hi] ranks fitted (None before).
    """

    _esm = HERE / "_widget.js"
    _kind = traitlets.Unicode("compare").tag(sync=True)
    _data = traitlets.List(traitlets.Bytes()).tag(sync=True)
    _names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    layer_keys = traitlets.List(traitlets.Unicode(None, allow_none=True)).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    estimator = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    lo = traitlets.Int(None, allow_none=True).tag(sync=True)
    hi = traitlets.Int(None, allow_none=True).tag(sync=True)
    alphas = traitlets.List(None, allow_none=True, read_only=True).tag(sync=True)
    common_range = traitlets.List(None, allow_none=True, read_only=True).tag(sync=True)
    error = traitlets.Unicode("", read_only=True).tag(sync=True)

    def __init__(self, layers: Sequence[Any], labels: Optional[Sequence[str]] = None, *,
                 estimator: Optional[str] = None, lo: Optional[int] = None, hi: Optional[int] = None, **kwargs):
        static_files()
        layers = list(layers)
        if not layers:
            raise ValueError("Compare needs at least one layer")
        if labels is not None and len(labels) != len(layers):
            raise ValueError(f"{len(labels)} labels for {len(layers)} layers: give one label per layer")
        data, names, keys, shown = [], [], [], []
        for i, item in enumerate(layers):
            key = None
            if isinstance(item, tuple):
                if len(item) != 2 or not isinstance(item[0], (str, os.PathLike)):
                    raise TypeError("a tuple in Compare's layers is (path, key)")
                item, key = item
            label = labels[i] if labels is not None else None
            b, name, default_label = payload(item, label)
            data.append(b)
            names.append(name)
            keys.append(key)
            title = default_label or name
            shown.append(label or (f"{title} › {key}" if key else title))
        super().__init__(_data=data, _names=names, layer_keys=keys, labels=shown, estimator=estimator, lo=lo, hi=hi,
                         **kwargs)
        self._setup_assets()


__all__ = ["Spectrum", "Compare", "WidgetFilesMissing", "payload", "static_files", "STATIC", "ASSETS"]
