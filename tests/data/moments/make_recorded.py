"""Writes recorded.safetensors and recorded.json, the moments fixture for the page and the CLI.

    EIGENLENS_BIN=target/release/eigenlens python3 tests/data/moments/make_recorded.py

A small seeded model (a token embedding whose 64 directions have scales k^-0.6, then a pre-norm
MLP block Linear(64, 256) -> GELU -> Linear(256, 64) added to the residual stream) is run on 8
batches of 8 sequences of 48 random tokens (3072 rows); `eigenlens.torch.record` accumulates the
block's output ([B, T, 64] float32, every position) and `Moments.save` writes the file.

recorded.json holds, for the same activations concatenated (3072 x 64, float32, read as float64):
- `eigenvalues`: NumPy's eigvalsh of np.cov(X, rowvar=False) (ddof 1), all 64, descending;
- `alpha_cli`: alpha as the CLI computes it, by running the release CLI (`eigenlens analyze
  X.npy --json`, default flags) on a .npy of the concatenated activations: its `alpha_fit`
  object (estimator, fit range rank_lo..rank_hi, alpha, r2), so alpha is the CLI's, not NumPy's;
- count, D, total variance, the moments file's SHA-256.
Needs torch and the repository's python package (pip install ./python, or PYTHONPATH=python).
"""

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "python"))
import eigenlens.torch as el_torch  # noqa: E402

D, VOCAB, BATCHES, B, T = 64, 512, 8, 8, 48


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = torch.nn.LayerNorm(D)
        self.up = torch.nn.Linear(D, 4 * D)
        self.act = torch.nn.GELU()
        self.down = torch.nn.Linear(4 * D, D)

    def forward(self, h):
        return h + self.down(self.act(self.up(self.norm(h))))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, D)
        self.block = Block()

    def forward(self, tokens):
        return self.block(self.embed(tokens))


def main():
    torch.manual_seed(20261127)
    torch.set_num_threads(1)
    model = Model().eval()
    with torch.no_grad():
        scales = torch.arange(1, D + 1, dtype=torch.float32) ** -0.6
        rotation, _ = torch.linalg.qr(torch.randn(D, D))
        model.embed.weight.copy_((torch.randn(VOCAB, D) * scales) @ rotation.T)
    g = torch.Generator().manual_seed(7)
    batches = [torch.randint(0, VOCAB, (B, T), generator=g) for _ in range(BATCHES)]

    outputs = []
    hook = model.block.register_forward_hook(lambda _m, _i, o: outputs.append(o.detach().clone()))
    with el_torch.record(model, {"block": model.block}) as moments, torch.no_grad():
        for tokens in batches:
            model(tokens)
    hook.remove()
    out = HERE / "recorded.safetensors"
    moments["block"].save(out, layer="block")

    x = torch.cat([o.reshape(-1, D) for o in outputs]).numpy()
    assert x.dtype == np.float32 and x.shape == (BATCHES * B * T, D)
    eig = np.linalg.eigvalsh(np.cov(x.astype(np.float64), rowvar=False))[::-1]

    binary = os.environ.get("EIGENLENS_BIN", str(ROOT / "target" / "release" / "eigenlens"))
    with tempfile.TemporaryDirectory() as tmp:
        npy = pathlib.Path(tmp) / "recorded_activations.npy"
        np.save(npy, x)
        run = subprocess.run([binary, "analyze", str(npy), "--json"], capture_output=True, text=True, check=True)
    report = json.loads(run.stdout)
    fit = report["alpha_fit"]
    assert fit["valid"], fit

    doc = {
        "about": "Moments fixture recorded.safetensors (layer 'block'), written by make_recorded.py with "
                 "eigenlens.torch.record + Moments.save from a seeded D = 64 model; eigenvalues are NumPy's "
                 "eigvalsh of np.cov(X, rowvar=False) (ddof 1) of the concatenated float32 activations X read "
                 "as float64, descending; alpha_cli is the release CLI's alpha_fit from `eigenlens analyze "
                 "X.npy --json` with default flags on the same concatenated activations saved as .npy.",
        "file": "recorded.safetensors",
        "layer": "block",
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "n_rows": int(x.shape[0]),
        "d": D,
        "source_dtype": "float32",
        "total_variance": float(eig.sum()),
        "eigenvalues": [float(v) for v in eig],
        "alpha_cli": {k: fit[k] for k in ("estimator", "rank_lo", "rank_hi", "alpha", "intercept", "n_points", "r2")},
        "cli_n_constant_columns": report["n_constant_columns"],
    }
    (HERE / "recorded.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out.name} ({out.stat().st_size} bytes) and recorded.json: alpha = {fit['alpha']:.6f} "
          f"over ranks {fit['rank_lo']}..{fit['rank_hi']}, lambda_1 = {eig[0]:.6g}")


if __name__ == "__main__":
    main()
