#!/usr/bin/env python3
"""Writes the .pt fixtures of tests/pt.rs with real torch.save, and beside each tensor its values
as a float64 .npy twin (expected/NAME.npy: f16 and bf16 widen to f64 exactly) for the exact-value
tests; then the NumPy reference answers (reference.json, by /work/shared/tools/numpy_reference.py's
definitions: covariance with n - 1, eigvalsh, Stringer's 1/n-weighted α fit over ranks 11..D/2).

    python3 tests/data/pt/make_fixtures.py      (needs torch and numpy; seeded, so re-running
                                                 rewrites the same values)

malicious.pt is written by hand from pickle opcodes (GLOBAL os system + REDUCE) and never
loaded here: loading it with torch.load(weights_only=False) or pickle would run the command.
"""
import io, json, os, pickle, subprocess, sys, zipfile
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected")
os.makedirs(EXPECTED, exist_ok=True)
# What the malicious pickle would create if it were ever run (tests/pt.rs checks it is absent).
MARKER = "/tmp/eigenlens-pt-fixture-pwned"


def path(name):
    return os.path.join(HERE, name)


def twin(name, t):
    np.save(os.path.join(EXPECTED, name + ".npy"), np.ascontiguousarray(t.detach().to(torch.float64).numpy()))


def power_law(n, d, alpha, seed):
    """n × d rows whose covariance spectrum falls as k^-alpha, in a random basis."""
    g = np.random.default_rng(seed)
    scale = np.arange(1, d + 1) ** (-alpha / 2)
    q, _ = np.linalg.qr(g.standard_normal((d, d)))
    return (g.standard_normal((n, d)) * scale) @ q.T + 0.5


torch.manual_seed(0)
x = torch.from_numpy(power_law(256, 64, 1.5, 1).astype(np.float32))

# Plain tensors in three dtypes.
torch.save(x, path("f32.pt")); twin("f32", x)
torch.save(x.half(), path("f16.pt")); twin("f16", x.half())
torch.save(x.bfloat16(), path("bf16.pt")); twin("bf16", x.bfloat16())

# A dict of tensors, nested, with leaves that are not tensors (skipped) and a 1-D tensor
# (listed, not analysable).
y = torch.from_numpy(power_law(128, 32, 1.0, 2))
labels = torch.arange(256, dtype=torch.int64) % 10
torch.save({"acts": {"layer1": x, "layer2": y}, "labels": labels, "step": 3, "note": "run 7"}, path("dict.pt"))
twin("dict.acts.layer1", x); twin("dict.acts.layer2", y)

# A state dict of a small module (an OrderedDict with _metadata).
model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8))
sd = model.state_dict()
torch.save(sd, path("state_dict.pt"))
for k, v in sd.items():
    twin("state_dict." + k, v)

# A state dict with one analysable tensor (the 1-D bias is not): opened without a key, as a guess.
lin = torch.nn.Linear(16, 48)
torch.save(lin.state_dict(), path("linear.pt")); twin("linear.weight", lin.weight)

# Views: torch.save writes the whole storage and the view's offset and strides.
base = torch.from_numpy(power_law(64, 128, 1.5, 3).astype(np.float32))  # [64, 128]
wide = torch.from_numpy(power_law(128, 128, 1.5, 4).astype(np.float32))  # [128, 128]
seq = torch.from_numpy(power_law(8 * 16, 32, 1.5, 5).astype(np.float32)).reshape(8, 16, 32)
views = {
    "transposed": base.t(),                     # [128, 64], strides (1, 128): Fortran order
    "every_other": wide[:, ::2],                # [128, 64], strides (128, 2)
    "offset_slice": wide[10:100, 1::2],         # storage offset 1281, strides (128, 2)
    "permuted": seq.permute(1, 0, 2),           # [16, 8, 32], strides (32, 512, 1)
}
assert not views["every_other"].is_contiguous() and views["transposed"].t().is_contiguous()
torch.save(views, path("views.pt"))
for k, v in views.items():
    twin("views." + k, v)
twin("views.transposed.T", base)  # the same storage read as stored, for the --transpose test

# A 3-D [B, T, H] tensor.
torch.save(seq, path("seq.pt")); twin("seq", seq.reshape(-1, 32)); twin("seq.skip2", seq[:, 2:, :].reshape(-1, 32))

# torch.save's legacy (pre-1.6) format: a bare pickle stream.
torch.save(x[:4].clone(), path("legacy.pt"), _use_new_zipfile_serialization=False)

# The same archive as f32.pt with its storage deflated (torch never writes this).
with zipfile.ZipFile(path("f32.pt")) as src, zipfile.ZipFile(path("compressed.pt"), "w") as dst:
    for info in src.infolist():
        method = zipfile.ZIP_DEFLATED if "/data/" in info.filename else zipfile.ZIP_STORED
        dst.writestr(info.filename.replace("f32/", "compressed/"), src.read(info.filename), compress_type=method)

# f32.pt with its storage entry cut to half its bytes (the pickle still declares them all).
with zipfile.ZipFile(path("f32.pt")) as src, zipfile.ZipFile(path("short_storage.pt"), "w") as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith("/data/0"):
            data = data[: len(data) // 2]
        dst.writestr(info.filename.replace("f32/", "short_storage/"), data)

# A zip named .pt that torch.save did not write (no data.pkl).
with zipfile.ZipFile(path("not_torch.pt"), "w") as z:
    z.writestr("notes.txt", "hello")

# A malicious pickle: os.system('touch MARKER') by GLOBAL + REDUCE, in a torch.save-shaped zip.
cmd = ("touch " + MARKER).encode()
payload = (
    b"\x80\x02"                                   # PROTO 2
    + b"cos\nsystem\n"                            # GLOBAL 'os system'
    + b"X" + len(cmd).to_bytes(4, "little") + cmd  # BINUNICODE 'touch …'
    + b"\x85"                                     # TUPLE1
    + b"R"                                        # REDUCE: os.system('touch …')
    + b"."                                        # STOP
)
with zipfile.ZipFile(path("malicious.pt"), "w") as z:
    z.writestr("malicious/data.pkl", payload)
    z.writestr("malicious/byteorder", "little")
    z.writestr("malicious/data/0", b"\0" * 16)
    z.writestr("malicious/version", "3\n")

# Reference answers from NumPy on the twins (numpy_reference.py's definitions).
ref_tool = "/work/shared/tools/numpy_reference.py"
reference = {"torch": torch.__version__, "numpy": np.__version__, "answers": {}}
for name in ["f32", "f16", "bf16", "dict.acts.layer1", "views.every_other", "seq"]:
    out = subprocess.run([sys.executable, ref_tool, os.path.join(EXPECTED, name + ".npy")],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    reference["answers"][name] = {"alpha": r["alpha_fit"]["alpha"], "rank_lo": r["alpha_fit"]["rank_lo"],
                                  "rank_hi": r["alpha_fit"]["rank_hi"], "eigenvalues_top10": r["eigenvalues_top10"],
                                  "total_variance": r["total_variance"]}
with open(path("reference.json"), "w") as f:
    json.dump(reference, f, indent=1)
for name in sorted(os.listdir(HERE)):
    if name.endswith(".pt"):
        print(name, os.path.getsize(path(name)))
