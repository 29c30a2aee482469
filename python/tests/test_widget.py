"""eigenlens.widget: what Spectrum and Compare send to the page (the moments of an array, exactly;
a file as is), as binary buffers; the assets answer; the plain error when the static files were
never built. The figure itself is tested in a real JupyterLab by tests/notebook/ (scripts/test-notebook.sh)."""

import pathlib

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="the widget extra is not installed: pip install './python[widget]' "
                                        "(scripts/test-notebook.sh installs it)")

import eigenlens  # noqa: E402
from eigenlens import widget  # noqa: E402
from eigenlens._moments import load_layers  # noqa: E402

from conftest import DATA  # noqa: E402

H1 = DATA / "digits_mlp" / "plain_h1_test.f32.npy"
H2 = DATA / "digits_mlp" / "plain_h2_test.f32.npy"
# NumPy's float64 eigenvalues of the covariance of H1 (tests/data/reference.json's source;
# written by /work/shared/tools/numpy_reference.py: np.linalg.eigvalsh(np.cov(x, rowvar=False))).
H1_EIGENVALUES = DATA / "reference" / "eigenvalues" / "digits_mlp__plain_h1_test.npy"
ASSET_BYTES = {"eigenlens.js": b"export const ELEMENTS = [];", "worker.js": b"self.onmessage = () => {};",
               "eigenlens_bg.wasm": b"\0asm\1\0\0\0"}


@pytest.fixture
def static(tmp_path, monkeypatch):
    """Stand-in static files (the real ones are the built bundle, worker and wasm)."""
    d = tmp_path / "static"
    d.mkdir()
    for name, data in ASSET_BYTES.items():
        (d / name).write_bytes(data)
    monkeypatch.setattr(widget, "STATIC", d)
    return d


def saved(m, tmp_path, layer=""):
    path = tmp_path / "expected.safetensors"
    m.save(path, layer=layer)
    return path.read_bytes()


def received(data, tmp_path):
    """The moments file the page receives, read back."""
    path = tmp_path / "received.safetensors"
    path.write_bytes(data)
    (m,) = load_layers(path).values()
    return m


def buffer_paths(w):
    """Where ipywidgets puts binary buffers in the widget's state (not JSON text)."""
    from ipywidgets.widgets.widget import _remove_buffers

    _state, paths, buffers = _remove_buffers(w.get_state())
    return paths, buffers


def test_array_is_sent_as_its_moments_exactly(static, tmp_path):
    x = np.load(H1)
    w = widget.Spectrum(x)
    expected = eigenlens.Moments(x.shape[1]).update(x)
    assert w._data == saved(expected, tmp_path)  # byte for byte the package's own moments file
    assert w._name == "moments.safetensors"
    assert w.label == "float32 array [540, 256]"
    # ... which holds the covariance of the rows: its eigenvalues are NumPy's reference ones.
    m = received(w._data, tmp_path)
    assert m.n == 540
    ours = np.sort(np.linalg.eigvalsh(m.covariance()))[::-1]
    ref = np.load(H1_EIGENVALUES)
    assert np.abs(ours - ref).max() <= 1e-12 * ref[0]
    # sent as a binary buffer, not JSON; the whole payload is the D x D moments, not the N x D rows
    paths, buffers = buffer_paths(w)
    assert paths == [["_data"]] and bytes(buffers[0]) == w._data
    assert len(w._data) < 256 * 256 * 8 + 4 * 256 * 8 + 1024


def test_torch_tensor_is_reduced_on_its_device(static, tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    x = np.load(H1)
    t = torch.from_numpy(x)
    w = widget.Spectrum(t, label="h1")
    assert w._data == saved(eigenlens.Moments(256).update(t), tmp_path, layer="h1")
    m = received(w._data, tmp_path)
    x64 = x.astype(np.float64)
    assert np.abs(m.scatter - np.cov(x64, rowvar=False) * 539).max() <= 1e-12 * np.abs(m.scatter).max()
    assert np.array_equal(m.mean, np.asarray(m.mean)) and np.abs(m.mean - x64.mean(0)).max() < 1e-12
    assert m.source_dtype == "float32"
    assert w.label == "h1"


def test_moments_object_is_saved(static, tmp_path):
    x = np.load(H2)
    m = eigenlens.Moments(256).update(x[:300]).merge(eigenlens.Moments(256).update(x[300:]))
    w = widget.Spectrum(m)
    assert w._data == saved(m, tmp_path)
    assert w.label == "moments of 256 units, N = 540"


def test_path_is_sent_as_is(static, tmp_path):
    w = widget.Spectrum(H1, estimator="ols", lo=11, hi=100)
    assert w._data == H1.read_bytes()
    assert w._name == "plain_h1_test.f32.npy"
    assert w.label is None  # the element titles a file by its name
    assert (w.estimator, w.lo, w.hi) == ("ols", 11, 100)
    npz = DATA / "formats" / "digits_plain_h1_h2.npz"
    w = widget.Spectrum(str(npz), key="h2")
    assert w._data == npz.read_bytes() and w.key == "h2"
    # a moments file is sent as is too
    mf = tmp_path / "h1.safetensors"
    eigenlens.Moments(256).update(np.load(H1)).save(mf, layer="h1")
    assert widget.Spectrum(mf)._data == mf.read_bytes()


def test_missing_static_files_name_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setattr(widget, "STATIC", tmp_path / "nowhere")
    with pytest.raises(widget.WidgetFilesMissing, match=r"bash scripts/build-widget\.sh") as e:
        widget.Spectrum(np.load(H1))
    assert "eigenlens.js, worker.js, eigenlens_bg.wasm" in str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(widget.WidgetFilesMissing):
        widget.Compare([H1])


def test_the_page_asks_once_and_gets_the_three_files(static):
    w = widget.Spectrum(np.load(H1))
    sent = []
    w.send = lambda content, buffers=None: sent.append((content, buffers))
    w._on_page_msg(w, {"type": "something else"}, [])
    assert sent == []
    w._on_page_msg(w, {"type": "eigenlens-assets?"}, [])
    (content, buffers), = sent
    assert content == {"type": "eigenlens-assets", "names": list(widget.ASSETS)}
    assert [bytes(b) for b in buffers] == [ASSET_BYTES[n] for n in widget.ASSETS]
    # files removed after the widget was made: the page is told why, in words
    (static / "worker.js").unlink()
    w._on_page_msg(w, {"type": "eigenlens-assets?"}, [])
    assert sent[-1][1] is None and "build-widget.sh" in sent[-1][0]["error"]


def test_compare_sends_each_layer(static, tmp_path):
    x = np.load(H1)
    npz = DATA / "formats" / "digits_plain_h1_h2.npz"
    w = widget.Compare([x, H2, (npz, "h2")], labels=None)
    assert w._data[0] == saved(eigenlens.Moments(256).update(x), tmp_path)
    assert w._data[1] == H2.read_bytes() and w._data[2] == npz.read_bytes()
    assert w._names == ["moments.safetensors", "plain_h2_test.f32.npy", "digits_plain_h1_h2.npz"]
    assert w.layer_keys == [None, None, "h2"]
    assert w.labels == ["float32 array [540, 256]", "plain_h2_test.f32.npy", "digits_plain_h1_h2.npz › h2"]
    paths, _ = buffer_paths(w)
    assert sorted(paths) == [["_data", 0], ["_data", 1], ["_data", 2]]
    assert widget.Compare([x, H2], labels=["h1", "h2"]).labels == ["h1", "h2"]
    with pytest.raises(ValueError, match="2 labels for 3 layers"):
        widget.Compare([x, H2, H1], labels=["a", "b"])
    with pytest.raises(ValueError, match="at least one layer"):
        widget.Compare([])


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros(5), ValueError, "rows x units"),
    (np.array([[1.0, np.nan], [2.0, 3.0]]), ValueError, "NaN"),
    (np.ones((1, 4)), ValueError, "at least 2 rows"),
    (np.array([["a", "b"], ["c", "d"]]), TypeError, "numbers"),
    (pathlib.Path("/no/such/layer.npy"), FileNotFoundError, "no file at"),
])
def test_bad_input_is_refused_by_name(static, bad, error, words):
    with pytest.raises(error, match=words):
        widget.Spectrum(bad)


def test_key_applies_to_files_only(static):
    with pytest.raises(ValueError, match="file path only"):
        widget.Spectrum(np.load(H1), key="h1")
