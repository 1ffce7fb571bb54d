"""What the peers of s2s_bench_train share, framework-free (numpy only): the presets, the
translate model's variables by TF name with their initialisers (spec §12), the synthetic batches
of bench/train/synthetic_batch.h and the log-uniform unique sampler (spec §7.1).

Owns no framework code: torch_seq2seq.py and tf_seq2seq.py build the model from these names, so
both peers run the same model on the same batches and check_peer.py can load one set of values
into either and into the float64 reference tests/reference/s2sref.py.
"""
import math
import time
from collections import OrderedDict

import numpy as np

FLT_MAX = float(np.finfo(np.float32).max)
PAD, GO, EOS, FIRST_WORD = 0, 1, 2, 4
LEARNING_RATE = 0.5
MAX_GRADIENT_NORM = 5.0

# Keep in step with bench/train/presets.cpp. gru128/gru256/gru512 are issue 17's comparison rows.
PRESETS = {
    "tiny": dict(layers=1, size=64, vocab=1000, samples=0, batch=32, buckets=[(10, 15)]),
    "small": dict(layers=2, size=256, vocab=10000, samples=512, batch=64, buckets=[(10, 15), (20, 25)]),
    "translate": dict(layers=3, size=1024, vocab=40000, samples=512, batch=64,
                      buckets=[(5, 10), (10, 15), (20, 25), (40, 50)]),
    "gru128": dict(layers=1, size=128, vocab=2000, samples=512, batch=32, buckets=[(10, 15), (40, 50)]),
    "gru256": dict(layers=2, size=256, vocab=8000, samples=512, batch=64, buckets=[(10, 15), (40, 50)]),
    "gru512": dict(layers=3, size=512, vocab=40000, samples=512, batch=64, buckets=[(10, 15)]),
}

ROOT = "embedding_attention_seq2seq"
DECODER = ROOT + "/embedding_attention_decoder"
ATTENTION_DECODER = DECODER + "/attention_decoder"
ENCODER_EMBEDDING = ROOT + "/rnn/embedding_wrapper/embedding"
DECODER_EMBEDDING = DECODER + "/embedding"


class ModelShape:
    """The translate model's variables: `spec` maps TF name -> (shape, initialiser), where the
    initialiser is "glorot", "uniform_sqrt3" (U(±√3), the encoder embedding), "ones" or "zeros"."""

    def __init__(self, layers, size, emb, src_vocab, tgt_vocab, samples):
        self.layers, self.n, self.E, self.Vs, self.Vt = layers, size, emb, src_vocab, tgt_vocab
        self.sampled = 0 < samples < tgt_vocab
        self.S = samples
        n, E, A = size, emb, size
        spec = OrderedDict()

        def cells(prefix, in_size):
            scopes = []
            for i in range(layers):
                scope = prefix + ("/multi_rnn_cell/cell_%d" % i if layers > 1 else "") + "/gru_cell"
                k = (in_size if i == 0 else n) + n
                spec[scope + "/gates/kernel"] = ((k, 2 * n), "glorot")
                spec[scope + "/gates/bias"] = ((2 * n,), "ones")
                spec[scope + "/candidate/kernel"] = ((k, n), "glorot")
                spec[scope + "/candidate/bias"] = ((n,), "zeros")
                scopes.append(scope)
            return scopes

        if self.sampled:
            spec["proj_w"] = ((tgt_vocab, n), "glorot")
            spec["proj_b"] = ((tgt_vocab,), "glorot")
        spec[ENCODER_EMBEDDING] = ((src_vocab, E), "uniform_sqrt3")
        self.enc_cells = cells(ROOT + "/rnn/embedding_wrapper", E)
        spec[DECODER_EMBEDDING] = ((tgt_vocab, E), "glorot")
        ad = ATTENTION_DECODER
        spec[ad + "/AttnW_0"] = ((1, 1, A, A), "glorot")
        spec[ad + "/AttnV_0"] = ((A,), "glorot")
        spec[ad + "/kernel"] = ((E + A, E), "glorot")
        spec[ad + "/bias"] = ((E,), "zeros")
        if self.sampled:
            self.dec_cells = cells(ad, E)
            cell_out, out = n, n
        else:
            self.dec_cells = cells(ad + "/output_projection_wrapper", E)
            spec[ad + "/output_projection_wrapper/kernel"] = ((n, tgt_vocab), "glorot")
            spec[ad + "/output_projection_wrapper/bias"] = ((tgt_vocab,), "zeros")
            cell_out, out = tgt_vocab, tgt_vocab
        spec[ad + "/Attention_0/kernel"] = ((n * layers, A), "glorot")
        spec[ad + "/Attention_0/bias"] = ((A,), "zeros")
        spec[ad + "/AttnOutputProjection/kernel"] = ((cell_out + A, out), "glorot")
        spec[ad + "/AttnOutputProjection/bias"] = ((out,), "zeros")
        self.ad = ad
        self.spec = spec

    def initial_values(self, seed):
        """float64 values by name, drawn from the spec's initialisers (spec §1.6, §4.8, §7)."""
        rng = np.random.default_rng(seed)
        values = OrderedDict()
        for name, (shape, init) in self.spec.items():
            if init == "ones":
                values[name] = np.ones(shape)
            elif init == "zeros":
                values[name] = np.zeros(shape)
            elif init == "uniform_sqrt3":
                values[name] = rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), shape)
            else:
                values[name] = rng.uniform(-1.0, 1.0, shape) * glorot_limit(shape)
        return values


def glorot_limit(shape):
    """TF's _compute_fans: rank 1 -> fan_in = fan_out = n; rank >= 2 -> the last two dims times
    the receptive field (the product of the others)."""
    if len(shape) == 1:
        fan_in = fan_out = shape[0]
    else:
        r = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        fan_in, fan_out = shape[-2] * r, shape[-1] * r
    return math.sqrt(6.0 / (fan_in + fan_out))


def full_bucket_batch(rng, bucket, B, Vs, Vt):
    """synthetic_batch.h's layout: encoder [PAD, s…], decoder [GO, w…, EOS], targets shifted.
    Returns time-major int64 enc [I, B], dec [O, B], targets [O, B] and float32 weights [O, B]."""
    I, O = bucket
    enc = np.zeros((I, B), dtype=np.int64)
    enc[1:] = rng.integers(FIRST_WORD, Vs, size=(I - 1, B))
    dec = np.zeros((O, B), dtype=np.int64)
    dec[0] = GO
    dec[1:O - 1] = rng.integers(FIRST_WORD, Vt, size=(O - 2, B))
    dec[O - 1] = EOS
    tgt = np.zeros((O, B), dtype=np.int64)
    tgt[:O - 1] = dec[1:]
    w = np.zeros((O, B), dtype=np.float32)
    w[:O - 1] = 1.0
    return enc, dec, tgt, w


def log_uniform_unique(rng, V, S):
    """(candidates [S] in first-draw order, num_tries) of one unique log-uniform draw."""
    log_range = math.log1p(V)
    vals = np.empty(0, dtype=np.int64)
    while True:
        more = (np.floor(np.exp(rng.random(2 * S + 64) * log_range)).astype(np.int64) - 1) % V
        vals = np.concatenate([vals, more])
        _, first = np.unique(vals, return_index=True)
        if first.size >= S:
            first.sort()
            return vals[first[:S]], int(first[S - 1]) + 1


def expected_count(k, V, S, tries):
    p = np.log((k + 2.0) / (k + 1.0)) / math.log1p(V)
    return S * p if tries == S else -np.expm1(tries * np.log1p(-p))


def draw_sampled_values_np(rng, targets_np, V, S):
    """One draw per decoder step: candidates int64 [O, S], true expected counts float64 [O, B],
    sampled expected counts float64 [O, S]."""
    cands, tecs, secs = [], [], []
    for i in range(targets_np.shape[0]):
        cand, tries = log_uniform_unique(rng, V, S)
        cands.append(cand)
        tecs.append(expected_count(targets_np[i].astype(np.float64), V, S, tries))
        secs.append(expected_count(cand.astype(np.float64), V, S, tries))
    return np.stack(cands), np.stack(tecs), np.stack(secs)


class StepClock:
    """s2s_bench_train's --clock (bench/train/step_clock.h): "auto" is the process's CPU time on
    the CPU with one thread (a shared machine's other load does not stretch it, time slicing
    does stretch wall time), the wall clock otherwise. Times a step in ms on both clocks."""

    def __init__(self, option, device, threads):
        if option not in ("auto", "wall", "cpu"):
            raise ValueError("--clock %s: expected auto, wall or cpu" % option)
        self.name = option if option != "auto" else ("cpu" if device == "cpu" and threads == 1 else "wall")
        self.ms, self.wall_ms = [], []

    def start(self):
        self._w, self._c = time.perf_counter(), time.process_time()

    def stop(self):
        w, c = time.perf_counter() - self._w, time.process_time() - self._c
        self.wall_ms.append(w * 1e3)
        self.ms.append((c if self.name == "cpu" else w) * 1e3)


def result_line(impl, device, preset, bucket, batch, steps, clock, tgt_tokens, src_tokens, peak_mib, loss, extra=""):
    """The RESULT line bench/peers/compare.py and peer_ratios.py join (s2s_bench_train's keys);
    ms_step is the median on `clock` (a StepClock), wall_ms_step the median wall time."""
    ms = sorted(clock.ms)
    med, mn = ms[len(ms) // 2], ms[0]
    wall = sorted(clock.wall_ms)[len(ms) // 2]
    s = med / 1e3
    return ("RESULT impl=%s device=%s preset=%s bucket=%s batch=%d steps=%d ms_step=%.4f ms_min=%.4f "
            "tgt_tok_s=%.1f all_tok_s=%.1f peak_mib=%.1f loss=%.4f clock=%s wall_ms_step=%.4f%s" % (
                impl, device, preset, "%dx%d" % tuple(bucket), batch, steps, med, mn, tgt_tokens / s,
                (tgt_tokens + src_tokens) / s, peak_mib, loss, clock.name, wall, extra))
