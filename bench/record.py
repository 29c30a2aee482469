"""Benchmark (not a test): forward-pass throughput of a GPT-2-shaped stack with and without
`eigenlens.torch.record` on one layer, on the CPU, and the moments file that recording leaves.

    python3 bench/record.py [--rounds 5] [--warmup 2] [--sizes 768,4096] [--threads N]

The model is built from torch layers with random weights (nothing is downloaded): token and
position embeddings, then pre-norm transformer blocks (LayerNorm, causal multi-head
self-attention with D/64 heads, LayerNorm, MLP D -> 4D -> D with GELU), then a final LayerNorm;
no language-model head (at GPT-2's 50257 tokens it would dominate the time and is not where one
records). `record` hooks the output of the middle block ([B, T, D] residual stream, every
position). Each round times one batch without hooks and one with, interleaved, so a busy
machine slows both alike; the table gives the median of the rounds, in tokens (B x T rows)
per second, and the overhead. The moments are merged over the rounds and saved (bench/out/,
not committed) to report the file's size and the time to write it. Writes bench/record.json.

Run with the system python (torch and the repository's python/ package; the script puts
python/ on sys.path itself).
"""

import argparse
import json
import math
import os
import pathlib
import platform
import statistics
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
import eigenlens  # noqa: E402
import eigenlens.torch as el_torch  # noqa: E402

# Per size: layers, batch, sequence length. GPT-2 small is 12 layers of D = 768 and GPT-2-XL-like
# widths reach 1600; D = 4096 is a 7B-class width. The stacks are kept short so a run on a
# shared 2-core machine takes a few minutes; record's cost does not depend on the depth.
CONFIG = {768: (4, 4, 128), 4096: (2, 2, 128)}


class Block(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(d)
        self.attn = torch.nn.MultiheadAttention(d, d // 64, batch_first=True)
        self.ln2 = torch.nn.LayerNorm(d)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(d, 4 * d), torch.nn.GELU(), torch.nn.Linear(4 * d, d))

    def forward(self, h, mask):
        a = self.ln1(h)
        h = h + self.attn(a, a, a, attn_mask=mask, need_weights=False)[0]
        return h + self.mlp(self.ln2(h))


class Stack(torch.nn.Module):
    def __init__(self, d, layers, vocab=50257, context=1024):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(context, d)
        self.blocks = torch.nn.ModuleList(Block(d) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(d)

    def forward(self, tokens):
        t = tokens.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        h = self.tok(tokens) + self.pos(torch.arange(t))
        for block in self.blocks:
            h = block(h, mask)
        return self.ln_f(h)


def run(d, rounds, warmup, out_dir):
    layers, batch, seq = CONFIG[d]
    torch.manual_seed(0)
    model = Stack(d, layers).eval()
    params = sum(p.numel() for p in model.parameters())
    tokens = torch.randint(0, 50257, (batch, seq), generator=torch.Generator().manual_seed(1))
    name = f"blocks.{layers // 2}"
    layer = dict(model.named_modules())[name]
    plain, recorded = [], []
    total = eigenlens.Moments(d)
    with torch.no_grad():
        for _ in range(warmup):
            model(tokens)
            with el_torch.record(model, {name: layer}):
                model(tokens)
        for _ in range(rounds):
            t0 = time.perf_counter()
            model(tokens)
            plain.append(time.perf_counter() - t0)
            with el_torch.record(model, {name: layer}) as moments:
                t0 = time.perf_counter()
                model(tokens)
                recorded.append(time.perf_counter() - t0)
            total.merge(moments[name])
    # record's own cost on one block of rows, apart from the forward pass.
    rows = torch.randn(batch * seq, d)
    t0 = time.perf_counter()
    for _ in range(rounds):
        eigenlens.Moments(d).update(rows)
    update_s = (time.perf_counter() - t0) / rounds

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"record-{d}.safetensors"
    t0 = time.perf_counter()
    total.save(path, layer=name)
    save_s = time.perf_counter() - t0
    n_tok = batch * seq
    p, r = statistics.median(plain), statistics.median(recorded)
    return {
        "d": d, "layers": layers, "batch": batch, "seq": seq, "tokens_per_batch": n_tok,
        "parameters": params, "recorded_layer": name, "rounds": rounds, "warmup": warmup,
        "seconds_per_batch": {"plain": plain, "record": recorded},
        "tokens_per_s": {"plain": n_tok / p, "record": n_tok / r},
        "overhead_percent": 100 * (r - p) / p,
        "moments_update_s_per_batch": update_s,
        "moments_rows": total.n,
        "moments_file_bytes": path.stat().st_size,
        "moments_file_mib": path.stat().st_size / 2**20,
        "save_s": save_s,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sizes", default="768,4096")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "record.json"))
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.sizes.split(",")]
    unknown = [s for s in sizes if s not in CONFIG]
    if unknown:
        sys.exit(f"no configuration for D = {unknown}; known: {sorted(CONFIG)}")
    results = []
    for d in sizes:
        print(f"D = {d}: {CONFIG[d][0]} layers, batch {CONFIG[d][1]} x {CONFIG[d][2]} tokens ...", flush=True)
        results.append(run(d, args.rounds, args.warmup, ROOT / "bench" / "out"))
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
               "python": platform.python_version(), "load_average_at_end": os.getloadavg()[0],
               "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    print()
    print(f"{'D':>5} {'layers':>6} {'tokens':>6} {'plain tok/s':>12} {'record tok/s':>13} {'overhead':>9} "
          f"{'update s':>9} {'file MiB':>9} {'save s':>7}")
    for r in results:
        print(f"{r['d']:>5} {r['layers']:>6} {r['tokens_per_batch']:>6} {r['tokens_per_s']['plain']:>12.1f} "
              f"{r['tokens_per_s']['record']:>13.1f} {r['overhead_percent']:>8.1f}% "
              f"{r['moments_update_s_per_batch']:>9.3f} {r['moments_file_mib']:>9.2f} {r['save_s']:>7.3f}")
    print(f"\ncpu: {machine['cores']} cores, torch {machine['torch']} with {machine['torch_threads']} threads, "
          f"load average {machine['load_average_at_end']:.1f} at the end (a shared machine makes both columns noisy; "
          "the rounds are interleaved so the overhead is the fairer number); no GPU" if machine["gpu"] is None
          else f"gpu present ({machine['gpu']}) but this benchmark runs on the CPU")
    doc = {"about": "bench/record.py: forward-pass throughput of a GPT-2-shaped stack (random weights) with and "
                    "without eigenlens.torch.record on the middle block, CPU, median over interleaved rounds",
           "machine": machine, "results": results}
    pathlib.Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
    assert all(math.isfinite(r["overhead_percent"]) for r in results)


if __name__ == "__main__":
    main()
