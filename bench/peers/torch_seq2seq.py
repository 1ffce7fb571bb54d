#!/usr/bin/env python3
"""PyTorch peer of s2s_bench_train: the translate model's training step, same math, timed the same way.

Owns: a plain PyTorch implementation of the translate model written from the spec
(shared/spec/legacy_seq2seq.md), NOT from torch.nn.GRU / nn.MultiheadAttention:
  * GRUCell (§1.2): [r | u] = σ([x, h] @ W_g + b_g) with b_g initialised to 1.0, r the first n
    columns; the candidate multiplies the reset gate into h BEFORE its matmul:
    c = tanh([x, r ⊙ h] @ W_c + b_c); h' = u ⊙ h + (1 − u) ⊙ c. (torch.nn.GRU applies r after
    the recurrent matmul and puts the gates in another order: a different function.)
  * MultiRNNCell layers, static_rnn over every time step (no masking), EmbeddingWrapper encoder
    embedding U(±√3), decoder embedding glorot (§1.6, §4.8).
  * attention_decoder (§4.7), one head: F = H @ AttnW (1×1 conv, no bias); query = the whole new
    state (every layer); e = tanh(F + q @ W_q + b_q) @ v; α = softmax; d = α @ H; the input
    linear [E + A → E] before the cell; AttnOutputProjection [cell out + A → out] after it.
  * output: sampled softmax (§7) with translate's proj_w [V, n] / proj_b [V] (both glorot) and a
    log-uniform unique sampler, one draw per decoder step shared by the batch, expected counts
    as TF computes them, accidental hits removed with −FLT_MAX; or, when num_samples is 0, the
    OutputProjectionWrapper [n → V] inside the cell and AttnOutputProjection [V + A → V] (§4.9).
  * sequence_loss (§5): per sequence Σ_t ce·w / (Σ_t w + 1e-12), mean over the batch.
  * step: forward, backward, clip to global norm 5.0, SGD at lr 0.5 (translate, §8).
  * --precision bf16 (s2s's kern::MatmulPrecision::BF16): float32 parameters, optimizer and loss;
    exactly the products s2s runs as GEMMs take bfloat16 operands (round to nearest even) with
    float32 accumulation and a float32 result, forward AND backward (dA = bf16(dC) bf16(B)ᵀ,
    dB = bf16(A)ᵀ bf16(dC)): every linear, the attention features and context, the sampled
    logits, and the true logits (a batched GEMM in s2s). The attention score v·tanh(F + y) is
    s2s's fused float32 kernel and stays float32 here. On CUDA the product is torch.mm/bmm with
    out_dtype=float32 on bfloat16 tensors (tensor cores); without that (torch < 2.8) it falls back
    to a bfloat16-output matmul (the result rounded to bfloat16 too, said in the header line); on
    the CPU it is emulated exactly (float32 matmul of bfloat16-rounded operands).
    Not torch.autocast: autocast would also return bfloat16 results and cast other ops.
Parameters are kept by their TF names (spec §12) so check_peer.py can compare this model with the
independent float64 reference tests/reference/s2sref.py.

Batches are bench/train/synthetic_batch.h's: every pair fills its bucket (source I−1 tokens,
target O−2 tokens + EOS), so tokens per step are the same as s2s_bench_train's.
Prints a Markdown table and one `RESULT impl=torch ...` line per bucket (bench/peers/compare.py).

  python3 bench/peers/torch_seq2seq.py --preset tiny,small --steps 20            # CPU
  python3 bench/peers/torch_seq2seq.py --device cuda --preset translate --batch 128
  python3 bench/peers/torch_seq2seq.py --device cuda --preset translate --precision bf16
"""
import argparse
import resource
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F

from peer_common import (FLT_MAX, LEARNING_RATE, MAX_GRADIENT_NORM, PAD, PRESETS, ModelShape,  # noqa: F401
                         StepClock, draw_sampled_values_np, full_bucket_batch, result_line)


# --------------------------------------------------------------------------------------------
# Matrix products under the chosen precision (float32 / tf32: plain torch; bf16: see the docstring)
# --------------------------------------------------------------------------------------------
_BF16_MATMUL = False   # set by set_precision()
_OUT_DTYPE_OK = {}     # device type -> whether torch.mm(bf16, bf16, out_dtype=float32) runs there


def set_precision(precision, device):
    """precision: float32 | tf32 | bf16. Returns a note for the header line."""
    global _BF16_MATMUL
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = precision == "tf32"
    _BF16_MATMUL = precision == "bf16"
    if not _BF16_MATMUL:
        return ""
    if device.type == "cpu":
        return " (bf16 matmuls emulated: float32 matmul of bfloat16-rounded operands)"
    try:
        x = torch.ones(2, 2, device=device, dtype=torch.bfloat16)
        torch.mm(x, x, out_dtype=torch.float32)
        torch.bmm(x[None], x[None], out_dtype=torch.float32)
        _OUT_DTYPE_OK[device.type] = True
        return " (bf16 matmuls: out_dtype=float32)"
    except (TypeError, RuntimeError):
        _OUT_DTYPE_OK[device.type] = False
        return " (bf16 matmuls: bfloat16 results, torch has no out_dtype)"


def _mm_f32(a16, b16):
    """bfloat16 a [.., m, k] @ b [.., k, n] (2-D or 3-D) with a float32 result."""
    if a16.device.type == "cpu":
        return torch.matmul(a16.float(), b16.float())  # exact products, float32 sums
    if _OUT_DTYPE_OK.get(a16.device.type):
        op = torch.mm if a16.dim() == 2 else torch.bmm
        return op(a16, b16, out_dtype=torch.float32)
    return torch.matmul(a16, b16).float()


class _Bf16MatMul(torch.autograd.Function):
    """C = bf16(A) @ bf16(B) in float32; the backward products round dC and reuse bf16(A), bf16(B)."""

    @staticmethod
    def forward(ctx, a, b):
        a16, b16 = a.to(torch.bfloat16), b.to(torch.bfloat16)
        ctx.save_for_backward(a16, b16)
        return _mm_f32(a16, b16)

    @staticmethod
    def backward(ctx, g):
        a16, b16 = ctx.saved_tensors
        g16 = g.to(torch.bfloat16)
        da = _mm_f32(g16, b16.transpose(-1, -2)) if ctx.needs_input_grad[0] else None
        db = _mm_f32(a16.transpose(-1, -2), g16) if ctx.needs_input_grad[1] else None
        return da, db


def mm(a, b):
    """a @ b (2-D, or 3-D batched): one GEMM of s2s."""
    return _Bf16MatMul.apply(a, b) if _BF16_MATMUL else a @ b


def addmm(bias, a, b):
    """bias + a @ b: a linear layer (s2s: GEMM, then the bias add in float32)."""
    return _Bf16MatMul.apply(a, b) + bias if _BF16_MATMUL else torch.addmm(bias, a, b)


# --------------------------------------------------------------------------------------------
# Parameters (TF names, spec §12)
# --------------------------------------------------------------------------------------------
class Seq2SeqParams(ModelShape):
    """The translate model's variables by TF name (peer_common.ModelShape), float64 values drawn
    from the spec's initialisers, materialised as torch tensors of `dtype`."""

    def __init__(self, layers, size, emb, src_vocab, tgt_vocab, samples, seed=1):
        super().__init__(layers, size, emb, src_vocab, tgt_vocab, samples)
        self.root = "embedding_attention_seq2seq"
        self.values = OrderedDict((k, torch.from_numpy(v)) for k, v in self.initial_values(seed).items())

    def materialise(self, device, dtype):
        self.t = OrderedDict((k, v.to(device=device, dtype=dtype).requires_grad_(True))
                             for k, v in self.values.items())
        return list(self.t.values())


# --------------------------------------------------------------------------------------------
# The model (spec §1.2, §4.7, §4.9, §5, §7)
# --------------------------------------------------------------------------------------------
def gru_cell(t, scope, x, h):
    n = h.shape[1]
    g = torch.sigmoid(addmm(t[scope + "/gates/bias"], torch.cat([x, h], 1), t[scope + "/gates/kernel"]))
    r, u = g[:, :n], g[:, n:]
    c = torch.tanh(addmm(t[scope + "/candidate/bias"], torch.cat([x, r * h], 1), t[scope + "/candidate/kernel"]))
    return u * h + (1 - u) * c


def multi_cell(t, scopes, x, states):
    new = []
    for scope, h in zip(scopes, states):
        x = gru_cell(t, scope, x, h)
        new.append(x)
    return x, new


def sampled_loss(t, sv, label, x):
    """Spec §7. sv = (candidates long [S], true expected counts [B], sampled expected counts [S])."""
    cand, tec, sec = sv
    w, b = t["proj_w"], t["proj_b"]
    if _BF16_MATMUL:  # s2s: a batched [B, 1, n] @ [B, n, 1] GEMM
        true_dots = mm(w[label][:, None, :], x[:, :, None])[:, 0, 0]
    else:
        true_dots = (x * w[label]).sum(1)
    true_logits = true_dots + b[label] - torch.log(tec)                                   # [B]
    sampled_logits = addmm(b[cand], x, w[cand].t())                                       # [B, S]
    hits = cand[None, :] == label[:, None]
    sampled_logits = sampled_logits + torch.where(hits, -FLT_MAX, 0.0) - torch.log(sec)[None, :]  # hits, then −log Q
    logits = torch.cat([true_logits[:, None], sampled_logits], 1)
    return torch.logsumexp(logits, 1) - logits[:, 0]


def forward_loss(P, enc, dec, targets, weights, sampled_values):
    """enc long [I, B], dec / targets long [O, B], weights [O, B]; sampled_values: per decoder step
    (cand, tec, sec) or None (full softmax). Returns translate's training loss (a scalar)."""
    t = P.t
    I, B = enc.shape
    O = dec.shape[0]
    dtype = weights.dtype
    # Encoder: EmbeddingWrapper + static_rnn over all I steps.
    enc_emb = F.embedding(enc, t[P.root + "/rnn/embedding_wrapper/embedding"])           # [I, B, E]
    states = [torch.zeros(B, P.n, dtype=dtype, device=enc.device) for _ in range(P.layers)]
    outs = []
    for i in range(I):
        out, states = multi_cell(t, P.enc_cells, enc_emb[i], states)
        outs.append(out)
    H = torch.stack(outs, 1)                                                              # [B, L, A]
    L, A = I, P.n
    ad = P.ad
    feats = mm(H.reshape(B * L, A), t[ad + "/AttnW_0"][0, 0]).reshape(B, L, A)
    v = t[ad + "/AttnV_0"]

    def attention(st):
        q = st[0] if len(st) == 1 else torch.cat(st, 1)                                  # [B, Q]
        y = addmm(t[ad + "/Attention_0/bias"], q, t[ad + "/Attention_0/kernel"])         # [B, A]
        e = torch.tanh(feats + y[:, None, :]) @ v                  # [B, L] (s2s: fused, float32)
        alpha = torch.softmax(e, 1)
        return mm(alpha[:, None, :], H)[:, 0]                                             # [B, A]

    dec_emb = F.embedding(dec, t[P.root + "/embedding_attention_decoder/embedding"])      # [O, B, E]
    attn = torch.zeros(B, A, dtype=dtype, device=enc.device)
    total = None
    for i in range(O):
        x = addmm(t[ad + "/bias"], torch.cat([dec_emb[i], attn], 1), t[ad + "/kernel"])
        cell_out, states = multi_cell(t, P.dec_cells, x, states)
        if not P.sampled:  # OutputProjectionWrapper around the cell
            cell_out = addmm(t[ad + "/output_projection_wrapper/bias"], cell_out,
                             t[ad + "/output_projection_wrapper/kernel"])
        attn = attention(states)
        output = addmm(t[ad + "/AttnOutputProjection/bias"], torch.cat([cell_out, attn], 1),
                       t[ad + "/AttnOutputProjection/kernel"])
        if P.sampled:
            ce = sampled_loss(t, sampled_values[i], targets[i], output)
        else:
            ce = F.cross_entropy(output, targets[i], reduction="none")
        term = ce * weights[i]
        total = term if total is None else total + term
    per_seq = total / (weights.sum(0) + 1e-12)
    return per_seq.sum() / B


# --------------------------------------------------------------------------------------------
# Sampler (spec §7.1), vectorised: the same draws as a sequential loop, in chunks
# --------------------------------------------------------------------------------------------
def draw_sampled_values(rng, targets_np, V, S, device, dtype):
    """One draw per decoder step; built on the host and copied to the device in one go."""
    cands, tecs, secs = draw_sampled_values_np(rng, targets_np, V, S)
    c = torch.from_numpy(cands).to(device)
    tq = torch.from_numpy(tecs).to(device=device, dtype=dtype)
    sq = torch.from_numpy(secs).to(device=device, dtype=dtype)
    return [(c[i], tq[i], sq[i]) for i in range(cands.shape[0])]


# --------------------------------------------------------------------------------------------
# Batches and the timed step
# --------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, preset, device, dtype=torch.float32, seed=1):
        cfg = PRESETS[preset] if isinstance(preset, str) else preset
        self.cfg = cfg
        self.device, self.dtype = device, dtype
        self.P = Seq2SeqParams(cfg["layers"], cfg["size"], cfg["size"], cfg["vocab"], cfg["vocab"], cfg["samples"], seed)
        self.params = self.P.materialise(device, dtype)
        self.opt = torch.optim.SGD(self.params, lr=LEARNING_RATE)
        self.rng = np.random.default_rng(seed)

    def step(self, batch):
        enc, dec, tgt, w = batch
        sv = None
        if self.P.sampled:
            sv = draw_sampled_values(self.rng, tgt, self.P.Vt, self.P.S, self.device, self.dtype)
        enc_t = torch.from_numpy(enc).to(self.device)
        dec_t = torch.from_numpy(dec).to(self.device)
        tgt_t = torch.from_numpy(tgt).to(self.device)
        w_t = torch.from_numpy(w).to(device=self.device, dtype=self.dtype)
        loss = forward_loss(self.P, enc_t, dec_t, tgt_t, w_t, sv)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, MAX_GRADIENT_NORM)
        self.opt.step()
        value = loss.item()  # synchronises
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return value


def peak_mib(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_bucket(bench, bucket_index, args):
    cfg = bench.cfg
    bucket = tuple(cfg["buckets"][bucket_index])
    B = args.batch or cfg["batch"]
    rng = np.random.default_rng(args.seed + 1000 + bucket_index)
    batches = [full_bucket_batch(rng, bucket, B, cfg["vocab"], cfg["vocab"]) for _ in range(4)]
    tgt_tokens = float(batches[0][3].sum())
    src_tokens = float((batches[0][0] != PAD).sum())
    if bench.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(bench.device)
    for i in range(args.warmup):
        bench.step(batches[i % 4])
    clock = StepClock(args.clock, bench.device.type, torch.get_num_threads())
    loss = 0.0
    for i in range(args.steps):
        clock.start()
        loss = bench.step(batches[i % 4])
        clock.stop()
    ms = sorted(clock.ms)
    med, mn = ms[len(ms) // 2], ms[0]
    s = med / 1e3
    name = "%dx%d" % bucket
    print("| %s | %s | %d | %s | %.2f (min %.2f) | %.0f | %.0f | %.0f |" % (
        args.preset_name, name, B, bench.device.type, med, mn, tgt_tokens / s, (tgt_tokens + src_tokens) / s,
        peak_mib(bench.device)))
    print(result_line("torch", bench.device.type, args.preset_name, bucket, B, args.steps, clock, tgt_tokens,
                      src_tokens, peak_mib(bench.device), loss, " precision=%s" % args.precision))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="tiny,small", help="comma-separated: " + ", ".join(PRESETS))
    ap.add_argument("--bucket", type=int, action="append", help="bucket index (repeatable; default all)")
    ap.add_argument("--batch", type=int, default=0, help="batch size (default: the preset's)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--precision", default="float32", choices=["float32", "tf32", "bf16"],
                    help="matmuls: float32, tf32 (CUDA) or bf16 operands with float32 accumulation")
    ap.add_argument("--tf32", action="store_true", help="same as --precision tf32")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clock", default="auto", choices=["auto", "wall", "cpu"],
                    help="auto: process CPU time on the CPU with one thread, wall otherwise (as s2s_bench_train)")
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("torch_seq2seq.py: --device cuda but torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    if args.tf32:
        if args.precision not in ("float32", "tf32"):
            print("torch_seq2seq.py: --tf32 contradicts --precision %s" % args.precision, file=sys.stderr)
            return 2
        args.precision = "tf32"
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    note = set_precision(args.precision, device)
    print("# torch_seq2seq.py %s, torch %s, device %s, %s matmuls%s, %d threads, %d warm-up + %d timed steps" % (
        time.strftime("%Y-%m-%d %H:%M:%S"), torch.__version__,
        torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu", args.precision, note,
        torch.get_num_threads(), args.warmup, args.steps))
    print("| preset | bucket | batch | device | ms/step median | target tok/s | src+tgt tok/s | peak MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for name in [p for p in args.preset.split(",") if p]:
        if name not in PRESETS:
            print("unknown preset %r (expected %s)" % (name, ", ".join(PRESETS)), file=sys.stderr)
            return 2
        args.preset_name = name
        bench = Bench(name, device, seed=args.seed)
        which = args.bucket if args.bucket else range(len(PRESETS[name]["buckets"]))
        for b in which:
            run_bucket(bench, b, args)
        print("# %s: %d parameters" % (name, sum(p.numel() for p in bench.params)))
        del bench
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
