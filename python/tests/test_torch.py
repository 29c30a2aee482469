"""eigenlens.torch.record on a small model: the moments it records equal Moments of the
concatenated hook outputs (and np.cov of them), with and without skipped positions."""

import numpy as np
import pytest

import eigenlens

torch = pytest.importorskip("torch", reason="torch is not importable here: the record() tests need it")
import eigenlens.torch as el_torch  # noqa: E402


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(6, 16)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 16))

    def forward(self, x):
        h = self.embed(x)
        return h + self.mlp(h)


def test_record_equals_moments_of_the_concatenated_outputs():
    torch.manual_seed(0)
    model = Tiny().eval()
    batches = [torch.randn(4, 9, 6) for _ in range(3)]
    seen = {"embed": [], "mlp": []}
    hooks = [model.embed.register_forward_hook(lambda m, i, o: seen["embed"].append(o.detach().clone())),
             model.mlp.register_forward_hook(lambda m, i, o: seen["mlp"].append(o.detach().clone()))]
    with el_torch.record(model, {"embed": model.embed, "mlp": model.mlp}, skip_positions=1) as moments:
        with torch.no_grad():
            for b in batches:
                model(b)
    for h in hooks:
        h.remove()
    # The hooks are gone: another pass records nothing.
    with torch.no_grad():
        model(batches[0])
    assert moments["embed"].n == 3 * 4 * 8
    for name in ("embed", "mlp"):
        rows = torch.cat([o[:, 1:, :].reshape(-1, 16) for o in seen[name]]).double().numpy()
        want = eigenlens.Moments(16).update(rows)
        got = moments[name].to_numpy()
        assert got.n == len(rows)
        scale = np.abs(want.scatter).max()
        assert np.abs(got.scatter - want.scatter).max() <= 1e-12 * scale
        assert np.abs(got.mean - want.mean).max() <= 1e-12 * np.abs(rows).max()
        assert np.abs(got.covariance() - np.cov(rows, rowvar=False)).max() <= 1e-12 * scale
        assert np.array_equal(got.min, rows.min(axis=0)) and np.array_equal(got.max, rows.max(axis=0))
        assert got.source_dtype == "float32"


def test_tensor_updates_accumulate_in_float64_on_their_device(tmp_path):
    x = torch.randn(300, 5, dtype=torch.float32) + 100
    m = eigenlens.Moments(5)
    for b in x.split(70):
        m.update(b)
    assert m.mean.dtype == torch.float64 and m.mean.device == x.device
    ref = eigenlens.Moments(5).update(x.double().numpy())
    assert np.abs(m.to_numpy().scatter - ref.scatter).max() <= 1e-12 * np.abs(ref.scatter).max()
    m.update(np.ones((2, 5), dtype=np.float32))  # a NumPy block into torch-held moments
    assert m.n == 302
    m.save(tmp_path / "t.safetensors")
    assert eigenlens.Moments.load(tmp_path / "t.safetensors").n == 302
    with pytest.raises(ValueError, match="not a submodule"):
        with el_torch.record(Tiny(), {"x": torch.nn.Linear(2, 2)}):
            pass


class Block(torch.nn.Module):
    """Returns a tuple, as Hugging Face transformer blocks do."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(8, 8)

    def forward(self, x):
        return (self.lin(x), None)


def test_a_module_returning_a_tuple_is_recorded_from_its_first_element():
    torch.manual_seed(1)
    model = torch.nn.Sequential()
    model.add_module("block", Block())
    x = torch.randn(2, 5, 8)
    # The README's form: record and no_grad in one `with`.
    with el_torch.record(model, {"h": model.block}) as moments, torch.no_grad():
        out = model.block(x)[0]
    rows = out.reshape(-1, 8).double().numpy()
    got = moments["h"].to_numpy()
    assert got.n == 10
    assert np.abs(got.covariance() - np.cov(rows, rowvar=False)).max() <= 1e-12 * np.abs(np.cov(rows, rowvar=False)).max()
