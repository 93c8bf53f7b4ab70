#!/usr/bin/env python3
"""PyTorch reference of one end-to-end GRPO step (sample -> reward -> ref -> update), timed per phase.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/policy/grpo_ref.py SPEC.json
SPEC.json is written by bench/policy/grpo-step.ts (checkpoint, groupSize, steps, warmup, threads,
tokenizer, sampling, problems, optim, objective, optional check); the last stdout line is the JSON
result. Set GRPO_REF_DEBUG=1 for consistency checks on stderr (behaviour / ref / policy log-probs
agree before the first update, loss, entropy).

The model is torch_ref.Model (same architecture as the Trellis transformer); this file adds a forward
with per-row positions and left-padding masks, as Trellis's (positions l - pad[b], 0 in the padding).
The formulas follow packages/algo-grpo/src/advantage/grpo-advantages.ts and
packages/core/src/objective/{clipped-surrogate,kl-estimators,policy-loss-reference}.ts.
"""
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_ref  # noqa: E402  (sets 2 threads at import; overridden below from the spec)

DEBUG = os.environ.get("GRPO_REF_DEBUG") == "1"
SCORE_CHUNK = 64  # Trellis scores reference log-probs in chunks of 64 rows
ADV_EPS = 1e-6  # grpo-estimator.ts default: A = (r - mean) / sqrt(unbiased var + eps)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- checkpoint

def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = int.from_bytes(buf[:8], "little")
    header = json.loads(buf[8:8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", f"{name}: only F32 is supported"
        a, b = meta["data_offsets"]
        arr = np.frombuffer(buf, dtype="<f4", count=(b - a) // 4, offset=8 + n + a)
        out[name] = torch.from_numpy(arr.copy()).reshape(meta["shape"])
    return out


def load_model(ckpt):
    """torch_ref.Model from a Trellis checkpoint dir (inverse of torch_ref.export's mapping)."""
    with open(os.path.join(ckpt, "config.json")) as f:
        c = json.load(f)["model"]
    rotary = c.get("positional", "learned") == "rotary"
    tied = bool(c.get("tiedHead", False))
    m = torch_ref.Model(c["vocabSize"], c["dModel"], c["nLayers"], c["nHeads"], c["dFF"], c["maxContext"], rotary, tied)
    eps = c.get("layerNormEps", 1e-5)
    for ln in [m.lnf] + [x for b in m.blocks for x in (b.ln1, b.ln2)]:
        ln.eps = eps
    # rotary tables with the config's base (torch_ref hardcodes 10000); same rotate_half convention
    dh, base = m.dh, float(c.get("ropeBase", 10000))
    inv = base ** (-torch.arange(0, dh // 2, dtype=torch.float64) * 2 / dh)
    ang = torch.arange(c["maxContext"] + 1, dtype=torch.float64)[:, None] * inv[None, :]
    m.cos = torch.cat([ang.cos(), ang.cos()], -1).float()
    m.sin = torch.cat([ang.sin(), ang.sin()], -1).float()
    W = read_safetensors(os.path.join(ckpt, "model.safetensors"))
    pairs = [(m.tok, W["tok_emb.weight"])]
    if m.pos is not None:
        pairs.append((m.pos, W["pos_emb.weight"]))
    for i, b in enumerate(m.blocks):
        p = f"blocks.{i}"
        pairs += [(b.ln1.weight, W[f"{p}.ln1.weight"]), (b.ln1.bias, W[f"{p}.ln1.bias"]),
                  (b.qkv.weight, W[f"{p}.attn.qkv.weight"].t()), (b.qkv.bias, W[f"{p}.attn.qkv.bias"]),
                  (b.proj.weight, W[f"{p}.attn.proj.weight"].t()), (b.proj.bias, W[f"{p}.attn.proj.bias"]),
                  (b.ln2.weight, W[f"{p}.ln2.weight"]), (b.ln2.bias, W[f"{p}.ln2.bias"]),
                  (b.fc.weight, W[f"{p}.mlp.fc.weight"].t()), (b.fc.bias, W[f"{p}.mlp.fc.bias"]),
                  (b.fc2.weight, W[f"{p}.mlp.proj.weight"].t()), (b.fc2.bias, W[f"{p}.mlp.proj.bias"])]
    pairs += [(m.lnf.weight, W["ln_f.weight"]), (m.lnf.bias, W["ln_f.bias"])]
    if m.head is not None:
        pairs.append((m.head.weight, W["head.weight"].t()))
    with torch.no_grad():
        for dst, src in pairs:
            assert dst.shape == src.shape, (dst.shape, src.shape)
            dst.copy_(src)
    return m, c


# ---------------------------------------------------------------- forward with padding

def forward(m, ids, pos, kvalid, cache=None, start=0, keep=None):
    """Logits of the last `keep` (default all) of T positions.

    ids, pos [B, T]: tokens at cache slots start..start+T-1 and their per-row positions.
    kvalid [B, start+T]: True where a key slot holds a real token (left padding is False).
    cache: per layer [K, V] buffers [B, H, maxLen, dh], written at slots start..start+T-1.
    """
    B, T = ids.shape
    S = start + T
    x = m.tok[ids]
    if m.pos is not None:
        x = x + m.pos[pos]
    if m.rotary:
        cos, sin = m.cos[pos][:, None], m.sin[pos][:, None]  # [B, 1, T, dh]
    qi = torch.arange(start, S)[:, None]
    ki = torch.arange(S)[None, :]
    # causal, real keys only; a padding query also sees itself so its (unused) row stays finite
    allow = (ki <= qi)[None] & (kvalid[:, None, :] | (ki == qi)[None])
    bias = torch.zeros(B, 1, T, S).masked_fill_(~allow[:, None], float("-inf"))
    scale = 1.0 / math.sqrt(m.dh)
    for i, b in enumerate(m.blocks):
        q, k, v = b.qkv(b.ln1(x)).view(B, T, 3, m.H, m.dh).permute(2, 0, 3, 1, 4)
        if m.rotary:
            q = q * cos + torch.cat([-q[..., m.dh // 2:], q[..., : m.dh // 2]], -1) * sin
            k = k * cos + torch.cat([-k[..., m.dh // 2:], k[..., : m.dh // 2]], -1) * sin
        if cache is not None:
            cache[i][0][:, :, start:S] = k
            cache[i][1][:, :, start:S] = v
            k, v = cache[i][0][:, :, :S], cache[i][1][:, :, :S]
        att = ((q * scale) @ k.transpose(-1, -2) + bias).softmax(-1)
        x = x + b.proj((att @ v).transpose(1, 2).reshape(B, T, m.d))
        x = x + b.fc2(F.gelu(b.fc(b.ln2(x)), approximate="tanh"))
    if keep is not None:
        x = x[:, T - keep:]
    x = m.lnf(x)
    return x @ m.tok.t() if m.tied else m.head(x)


# ---------------------------------------------------------------- phases

@torch.no_grad()
def sample(m, prompts, tok, temp, max_new, ctx, gen):
    """KV-cache sampling of all rows at once. Returns prompt ids [B, P], pads [B], completion ids
    [B, N] (0-padded after EOS), behaviour log-probs [B, N], completion lengths [B]."""
    B = len(prompts)
    lens = torch.tensor([len(p) for p in prompts])
    P = int(lens.max())
    pads = P - lens
    N = max(1, min(max_new, ctx - P))
    ids = torch.full((B, P), tok["pad"], dtype=torch.long)
    for r, p in enumerate(prompts):
        ids[r, P - len(p):] = torch.tensor(p)
    maxlen = P + N
    kvalid = torch.arange(maxlen)[None, :] >= pads[:, None]
    cache = [[torch.zeros(B, m.H, maxlen, m.dh) for _ in range(2)] for _ in m.blocks]
    pos = (torch.arange(P)[None, :] - pads[:, None]).clamp(min=0)
    logits = forward(m, ids, pos, kvalid[:, :P], cache, 0, keep=1)[:, -1]
    out = torch.full((B, N), tok["pad"], dtype=torch.long)
    out_lp = torch.zeros(B, N)
    done = torch.zeros(B, dtype=torch.bool)
    length = torch.zeros(B, dtype=torch.long)
    for t in range(N):
        lp = F.log_softmax(logits / temp, -1)
        nxt = torch.multinomial(lp.exp(), 1, generator=gen).squeeze(1)
        nxt = torch.where(done, torch.full_like(nxt, tok["pad"]), nxt)
        out[:, t] = nxt
        out_lp[:, t] = lp.gather(1, nxt[:, None]).squeeze(1).masked_fill(done, 0.0)
        length += (~done).long()
        done |= nxt == tok["eos"]
        if bool(done.all()) or t == N - 1:
            break
        step_pos = (lens + t)[:, None]  # position of the token fed at slot P + t
        logits = forward(m, nxt[:, None], step_pos, kvalid[:, :P + t + 1], cache, P + t, keep=1)[:, -1]
    Lc = int(length.max())
    return ids, pads, out[:, :Lc], out_lp[:, :Lc], length


def decode(ids, tok):
    special = {tok["pad"], tok["bos"], tok["eos"], tok["unk"]}
    a, f = tok["alphabet"], tok["firstCharId"]
    return "".join(a[i - f] for i in ids if i not in special and 0 <= i - f < len(a))


def last_boxed(text):
    """Content of the last \\boxed{...} (brace-matched), or None."""
    s = text.rfind("\\boxed{")
    if s < 0:
        return None
    depth, i = 1, s + len("\\boxed{")
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j]
    return None


def rewards_and_advantages(comp, length, answers, G, tok):
    rewards = []
    for r in range(comp.shape[0]):
        box = last_boxed(decode(comp[r, : int(length[r])].tolist(), tok))
        rewards.append(1.0 if box is not None and box.strip() == answers[r].strip() else 0.0)
    rw = torch.tensor(rewards, dtype=torch.float64).view(-1, G)
    if G < 2:  # a group of one gets advantage 0 (grpo-advantages.ts)
        return rw.flatten(), torch.zeros(rw.numel())
    adv = (rw - rw.mean(1, keepdim=True)) / torch.sqrt(rw.var(1, unbiased=True, keepdim=True) + ADV_EPS)
    return rw.flatten(), adv.flatten().float()


def score_inputs(ids, pads, comp):
    """Full sequences (left-padded prompt + right-padded completion), minus the last token."""
    seq = torch.cat([ids, comp], 1)[:, :-1]
    W = seq.shape[1]
    pos = (torch.arange(W)[None, :] - pads[:, None]).clamp(min=0)
    kvalid = torch.arange(W)[None, :] >= pads[:, None]
    return seq, pos, kvalid


def token_logits(m, seq, pos, kvalid, Lc, temp):
    """Tempered log-softmax at the Lc positions predicting the completion tokens, [B, Lc, V]."""
    return F.log_softmax(forward(m, seq, pos, kvalid, keep=Lc) / temp, -1)


@torch.no_grad()
def ref_logprobs(ref, seq, pos, kvalid, comp, temp):
    Lc = comp.shape[1]
    parts = []
    for s in range(0, seq.shape[0], SCORE_CHUNK):
        sl = slice(s, s + SCORE_CHUNK)
        lp = token_logits(ref, seq[sl], pos[sl], kvalid[sl], Lc, temp)
        parts.append(lp.gather(-1, comp[sl, :, None]).squeeze(-1))
    return torch.cat(parts)


def update(m, opt, seq, pos, kvalid, comp, mask, old, ref_lp, adv, temp, ob, om):
    """One minibatch of all rows: clipped surrogate + k3 KL, seq-mean-token-mean, clip, Adam."""
    Lc = comp.shape[1]
    full = token_logits(m, seq, pos, kvalid, Lc, temp)
    lp = full.gather(-1, comp[..., None]).squeeze(-1)
    with torch.no_grad():  # reported only, not in the loss
        ent = -(full.exp() * full).sum(-1)
        entropy = float((ent * mask).sum() / mask.sum())
    bound = ob["logRatioBound"]
    A = adv[:, None]
    r = torch.exp(((lp - old) * mask).clamp(-bound, bound))
    surr = torch.maximum(-A * r, -A * r.clamp(1 - ob["epsLow"], 1 + ob["epsHigh"]))
    x = (ref_lp - lp).clamp(-bound, bound)  # KL_LOG_RATIO_BOUND = 20 = LOG_RATIO_BOUND in Trellis
    kl = (torch.exp(x) - x - 1).clamp(-ob["klClamp"], ob["klClamp"])
    tok_loss = (surr + ob["klCoef"] * kl) * mask
    count = mask.sum(1)
    has = count > 0
    loss = (tok_loss.sum(1)[has] / count[has]).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gnorm = torch.nn.utils.clip_grad_norm_(m.parameters(), om["maxGradNorm"])
    opt.step()
    return lp.detach(), float(loss), entropy, float(gnorm)


# ---------------------------------------------------------------- main

def check_logits(m, check):
    ids = torch.tensor(check["ids"], dtype=torch.long)
    B, T = ids.shape
    with torch.no_grad():
        logits = forward(m, ids, torch.arange(T)[None].expand(B, T), torch.ones(B, T, dtype=torch.bool))
    want = torch.tensor(check["logits"], dtype=torch.float32).view(B, T, -1)
    diff = float((logits - want).abs().max())
    if diff > 1e-4:
        log(f"grpo_ref: WARNING check max |logits - trellis| = {diff:.3g} > 1e-4")
    return diff


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    torch.set_num_threads(int(spec.get("threads", 2)))
    m, cfg = load_model(spec["checkpoint"])
    tok = spec.get("tokenizer")
    if tok is None:
        with open(os.path.join(spec["checkpoint"], "tokenizer.json")) as f:
            tok = dict(pad=0, bos=1, eos=2, unk=3, firstCharId=4, alphabet=json.load(f)["alphabet"])
    check_diff = check_logits(m, spec["check"]) if spec.get("check") else None
    G = int(spec["groupSize"])
    temp, max_new = float(spec["sampling"]["temperature"]), int(spec["sampling"]["maxNewTokens"])
    prompts = [p["promptIds"] for p in spec["problems"] for _ in range(G)]
    answers = [p["answer"] for p in spec["problems"] for _ in range(G)]
    om, ob = spec["optim"], spec["objective"]
    ref = copy.deepcopy(m).requires_grad_(False)  # frozen initial model
    opt = torch.optim.Adam(m.parameters(), lr=om["lr"], betas=(om["beta1"], om["beta2"]), eps=om["eps"])
    seed = int(spec.get("seed", 0))
    res = {k: [] for k in ("sample_ms", "reward_ms", "ref_ms", "update_ms", "step_ms", "generated_tokens", "mean_reward")}
    warmup, steps = int(spec.get("warmup", 0)), int(spec["steps"])
    for step in range(warmup + steps):
        gen = torch.Generator().manual_seed(seed + step)
        t0 = time.perf_counter()
        ids, pads, comp, old, length = sample(m, prompts, tok, temp, max_new, cfg["maxContext"], gen)
        t1 = time.perf_counter()
        rw, adv = rewards_and_advantages(comp, length, answers, G, tok)
        t2 = time.perf_counter()
        seq, pos, kvalid = score_inputs(ids, pads, comp)
        mask = (torch.arange(comp.shape[1])[None, :] < length[:, None]).float()
        ref_lp = ref_logprobs(ref, seq, pos, kvalid, comp, temp)
        t3 = time.perf_counter()
        lp, loss, entropy, gnorm = update(m, opt, seq, pos, kvalid, comp, mask, old, ref_lp, adv, temp, ob, om)
        t4 = time.perf_counter()
        if DEBUG:
            on = mask > 0
            msg = (f"step {step}: tokens {int(length.sum())} (len {int(length.min())}..{int(length.max())}, "
                   f"eos {int((comp == tok['eos']).sum())}) reward {float(rw.mean()):.3f} loss {loss:.5f} "
                   f"entropy {entropy:.4f} gnorm {gnorm:.4f} max|old-lp| {float((old - lp)[on].abs().max()):.2e}")
            if step == 0:  # model == frozen ref before the first update
                msg += f" max|ref-lp| {float((ref_lp - lp)[on].abs().max()):.2e}"
            log(msg)
            log("  sample:", repr(decode(comp[0, : int(length[0])].tolist(), tok)))
        if step < warmup:
            continue
        for k, v in (("sample_ms", t1 - t0), ("reward_ms", t2 - t1), ("ref_ms", t3 - t2), ("update_ms", t4 - t3), ("step_ms", t4 - t0)):
            res[k].append(v * 1000)
        res["generated_tokens"].append(int(length.sum()))
        res["mean_reward"].append(float(rw.mean()))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": steps, **res,
                      "check_max_abs_diff": check_diff}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: grpo_ref.py SPEC.json")
    main(sys.argv[1])
