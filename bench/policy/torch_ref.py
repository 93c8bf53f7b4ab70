#!/usr/bin/env python3
"""PyTorch reference for the Trellis transformer policy (same architecture and weight layout).

Usage:
  python3 torch_ref.py bench [--reps N]          # prints one JSON line with median timings (ms)
  python3 torch_ref.py export DIR [--rotary]     # writes a Trellis checkpoint + reference logits

Run with OPENBLAS_NUM_THREADS=1; the script sets torch.set_num_threads(2).
The model mirrors packages/policy-tfjs/src/transformer.ts: pre-LayerNorm blocks, causal attention,
GELU (tanh approximation), learned or rotary positions, optional tied head. Linear weights are
exported input-major ([in, out]), i.e. transposed relative to nn.Linear.weight.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))

ALPHABET = "abcdefghijklmnopqrstuvwxyz .,"[:28]  # 4 special ids + 28 characters = vocab 32
REF = dict(vocabSize=32, dModel=128, nLayers=2, nHeads=4, dFF=512, maxContext=64)


class Model(torch.nn.Module):
    def __init__(self, V, d, L, H, dff, ctx, rotary=False, tied=False):
        super().__init__()
        self.V, self.d, self.L, self.H, self.dh, self.ctx = V, d, L, H, d // H, ctx
        self.rotary, self.tied = rotary, tied
        self.tok = torch.nn.Parameter(torch.randn(V, d) * 0.02)
        self.pos = None if rotary else torch.nn.Parameter(torch.randn(ctx, d) * 0.02)
        self.blocks = torch.nn.ModuleList()
        for _ in range(L):
            b = torch.nn.Module()
            b.ln1 = torch.nn.LayerNorm(d, eps=1e-5)
            b.qkv = torch.nn.Linear(d, 3 * d)
            b.proj = torch.nn.Linear(d, d)
            b.ln2 = torch.nn.LayerNorm(d, eps=1e-5)
            b.fc = torch.nn.Linear(d, dff)
            b.fc2 = torch.nn.Linear(dff, d)
            for lin in (b.qkv, b.proj, b.fc, b.fc2):
                torch.nn.init.normal_(lin.weight, std=0.02)
                torch.nn.init.zeros_(lin.bias)
            self.blocks.append(b)
        self.lnf = torch.nn.LayerNorm(d, eps=1e-5)
        self.head = None if tied else torch.nn.Linear(d, V, bias=False)
        if self.head is not None:
            torch.nn.init.normal_(self.head.weight, std=0.02)
        inv = 10000.0 ** (-torch.arange(0, self.dh // 2, dtype=torch.float64) * 2 / self.dh)
        ang = torch.arange(ctx + 1, dtype=torch.float64)[:, None] * inv[None, :]
        self.register_buffer("cos", torch.cat([ang.cos(), ang.cos()], -1).float(), persistent=False)
        self.register_buffer("sin", torch.cat([ang.sin(), ang.sin()], -1).float(), persistent=False)

    def rope(self, x, pos):  # x [B, H, T, dh], pos [T]
        c, s = self.cos[pos], self.sin[pos]
        a, b = x.chunk(2, -1)
        return x * c + torch.cat([-b, a], -1) * s

    def forward(self, ids, cache=None, start=0):
        """ids [B, T]; with cache (list of [K, V] buffers [B, H, ctx, dh]) writes keys at start.."""
        B, T = ids.shape
        pos = torch.arange(start, start + T)
        x = self.tok[ids]
        if self.pos is not None:
            x = x + self.pos[pos]
        for i, b in enumerate(self.blocks):
            h = b.ln1(x)
            q, k, v = b.qkv(h).view(B, T, 3, self.H, self.dh).permute(2, 0, 3, 1, 4)
            if self.rotary:
                q, k = self.rope(q, pos), self.rope(k, pos)
            if cache is not None:
                cache[i][0][:, :, start:start + T] = k
                cache[i][1][:, :, start:start + T] = v
                k, v = cache[i][0][:, :, : start + T], cache[i][1][:, :, : start + T]
            att = (q * (1.0 / math.sqrt(self.dh))) @ k.transpose(-1, -2)
            S = k.shape[2]
            mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
            att = att.masked_fill(~mask, float("-inf")).softmax(-1)
            o = (att @ v).transpose(1, 2).reshape(B, T, self.d)
            x = x + b.proj(o)
            x = x + b.fc2(F.gelu(b.fc(b.ln2(x)), approximate="tanh"))
        x = self.lnf(x)
        return x @ self.tok.t() if self.tied else self.head(x)


def median_ms(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def bench(reps):
    torch.manual_seed(0)
    c = REF
    m = Model(c["vocabSize"], c["dModel"], c["nLayers"], c["nHeads"], c["dFF"], c["maxContext"])
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    data = torch.randint(4, 32, (32, 65))

    def train_step():
        logits = m(data[:, :64])
        lp = F.log_softmax(logits, -1).gather(-1, data[:, 1:, None]).squeeze(-1)
        loss = -lp.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    gen = torch.Generator().manual_seed(1)

    @torch.no_grad()
    def sample():
        B, new = 64, 64
        cache = [[torch.zeros(B, c["nHeads"], c["maxContext"], c["dModel"] // c["nHeads"]) for _ in range(2)] for _ in range(c["nLayers"])]
        tok = torch.ones(B, 1, dtype=torch.long)
        out = []
        for t in range(new):
            logits = m(tok, cache, t)[:, -1] / 1.0
            lp = F.log_softmax(logits, -1)
            nxt = torch.multinomial(lp.exp(), 1, generator=gen)
            out.append((nxt, lp.gather(-1, nxt)))
            tok = nxt
        return out

    train_ms, train_all = median_ms(train_step, reps)
    sample_ms, sample_all = median_ms(sample, reps)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "train_ms": train_ms,
                      "sample_ms": sample_ms, "train_all": train_all, "sample_all": sample_all}))


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def export(out_dir, rotary, tied):
    torch.manual_seed(123)
    c = REF
    m = Model(c["vocabSize"], c["dModel"], c["nLayers"], c["nHeads"], c["dFF"], c["maxContext"], rotary, tied)
    with torch.no_grad():  # non-trivial LayerNorm parameters and biases, so the check covers them
        for p in m.parameters():
            if p.dim() == 1:
                p.add_(torch.randn_like(p) * 0.1)
    T = {"tok_emb.weight": m.tok}
    if m.pos is not None:
        T["pos_emb.weight"] = m.pos
    for i, b in enumerate(m.blocks):
        p = f"blocks.{i}"
        T.update({
            f"{p}.ln1.weight": b.ln1.weight, f"{p}.ln1.bias": b.ln1.bias,
            f"{p}.attn.qkv.weight": b.qkv.weight.t(), f"{p}.attn.qkv.bias": b.qkv.bias,
            f"{p}.attn.proj.weight": b.proj.weight.t(), f"{p}.attn.proj.bias": b.proj.bias,
            f"{p}.ln2.weight": b.ln2.weight, f"{p}.ln2.bias": b.ln2.bias,
            f"{p}.mlp.fc.weight": b.fc.weight.t(), f"{p}.mlp.fc.bias": b.fc.bias,
            f"{p}.mlp.proj.weight": b.fc2.weight.t(), f"{p}.mlp.proj.bias": b.fc2.bias,
        })
    T["ln_f.weight"], T["ln_f.bias"] = m.lnf.weight, m.lnf.bias
    if m.head is not None:
        T["head.weight"] = m.head.weight.t()
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), T)
    model_cfg = dict(c, positional="rotary" if rotary else "learned", ropeBase=10000, tiedHead=tied, layerNormEps=1e-5)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({"format": "trellis-transformer", "version": 1, "model": model_cfg}, f)
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        json.dump({"type": "char", "alphabet": ALPHABET}, f)
    g = torch.Generator().manual_seed(5)
    ids = torch.randint(0, 32, (3, 64), generator=g)
    with torch.no_grad():
        logits = m(ids)
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump({"ids": ids.tolist(), "logits": logits.flatten().tolist()}, f)
    print(json.dumps({"exported": out_dir, "rotary": rotary, "tied": tied}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["bench", "export"])
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--rotary", action="store_true")
    ap.add_argument("--tied", action="store_true")
    a = ap.parse_args()
    if a.cmd == "bench":
        bench(a.reps)
    else:
        if not a.dir:
            sys.exit("export needs a directory")
        export(a.dir, a.rotary, a.tied)
