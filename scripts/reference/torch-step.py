#!/usr/bin/env python3
# MEASURING TOOL, NOT PRODUCT CODE. The same-machine PyTorch reference for pocketrec's training
# step: `npm run bench:train` (scripts/bench-train.ts) runs this file to time PyTorch on the same
# machine in the same session, because machines of the project's kind differ by up to ~3x and a
# training-speed figure means something only as a ratio to this reference (docs/benchmarks.md,
# "Training speed against PyTorch"). Nothing in src/ imports or ships it.
#
# Set-up (Debian, as root; use Debian's own /usr/bin/python3, which a pyenv shim may shadow; without
# OpenBLAS Debian's torch uses a generic reference BLAS and is ~6x slower):
#     apt-get update && apt-get install -y python3-torch libopenblas0-pthread
#     /usr/bin/python3 scripts/reference/torch-step.py 8 [--full-softmax] [--warmup 1] [--json]
#
# The model and step are those of the project's original reference script, unchanged; this copy only
# adds `--warmup N` (untimed steps first, default 1 as before), `--json` (one extra line
# `JSON {...}` with every step time and the BLAS libraries the process loaded, for the benchmark
# command to read) and `--dropout R` (default 0: off, as before; where pocketrec's decoder drops:
# the token embeddings, the attention output and the FFN output of each block).
"""Same-machine PyTorch reference for the decoder's training step (HSTU's ML-1M SASRec config):
batch 128 x 200, d 50, 2 pre-LN blocks, 1 head, FFN 200, item table 3707 x 50, learned positions,
sampled softmax at every position against the next item + 128 shared uniform negatives, temperature
0.05 on cosine, Adam. Prints s/step (median of N after warm-up) on 2 threads.
usage: torch-step.py [steps] [--full-softmax] [--warmup N] [--dropout R] [--json]"""
import sys, time, json, statistics, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2); torch.manual_seed(0)
steps = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 8
full = '--full-softmax' in sys.argv
warmup = int(sys.argv[sys.argv.index('--warmup') + 1]) if '--warmup' in sys.argv else 1
drop = float(sys.argv[sys.argv.index('--dropout') + 1]) if '--dropout' in sys.argv else 0.0
B, L, D, N, NEG, T = (64 if full else 128), 200, 50, 3707, 128, 0.05
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln1 = nn.LayerNorm(D); s.qkv = nn.Linear(D, 3 * D); s.o = nn.Linear(D, D)
        s.ln2 = nn.LayerNorm(D); s.f1 = nn.Linear(D, 4 * D); s.f2 = nn.Linear(4 * D, D)
    def forward(s, x, mask):
        q, k, v = s.qkv(s.ln1(x)).chunk(3, -1)
        a = (q @ k.transpose(1, 2)) / D ** 0.5
        x = x + F.dropout(s.o(torch.softmax(a.masked_fill(mask, -1e9), -1) @ v), drop, s.training)
        return x + F.dropout(s.f2(F.gelu(s.f1(s.ln2(x)))), drop, s.training)
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.item = nn.Embedding(N, D); s.pos = nn.Embedding(L, D)
        s.blocks = nn.ModuleList([Block(), Block()]); s.ln = nn.LayerNorm(D)
    def forward(s, ids):
        mask = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
        x = F.dropout(s.item(ids) + s.pos.weight[None], drop, s.training)
        for b in s.blocks: x = b(x, mask)
        return s.ln(x)
m = M(); opt = torch.optim.Adam(m.parameters(), 1e-3)
def step():
    ids = torch.randint(1, N, (B, L)); tgt = torch.randint(1, N, (B, L))
    h = F.normalize(m(ids), dim=-1).reshape(-1, D)
    if full:
        logits = h @ F.normalize(m.item.weight, dim=-1).T / T
        loss = F.cross_entropy(logits, tgt.reshape(-1))
    else:
        neg = torch.randint(1, N, (NEG,))
        pos = (h * F.normalize(m.item(tgt.reshape(-1)), dim=-1)).sum(-1, keepdim=True)
        negs = h @ F.normalize(m.item(neg), dim=-1).T
        loss = F.cross_entropy(torch.cat([pos, negs], 1) / T, torch.zeros(B * L, dtype=torch.long))
    opt.zero_grad(); loss.backward(); opt.step()
for _ in range(warmup): step()
ts = []
for _ in range(steps):
    t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
print(f"torch {torch.__version__} {'full softmax, batch 64' if full else '128 negatives, batch 128'}: "
      f"median {statistics.median(ts):.3f} s/step (min {min(ts):.3f}, max {max(ts):.3f}) over {steps}")
if '--json' in sys.argv:
    try: blas = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '/' in l})
    except OSError: blas = []
    print('JSON ' + json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas,
                                'workload': 'full' if full else 'hstu', 'batch': B, 'warmup': warmup, 'times': ts}))
