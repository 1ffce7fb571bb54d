"""Independent float64 reference of TF's legacy_seq2seq, written from
shared/spec/legacy_seq2seq.md only (no C++ of this repository was read).

PyTorch is used only as an autodiff engine, always in float64.  Variables are
created and shared *by TF name* through `Store` (spec §13: sharing is by name),
so every parameter name follows from the same scope rules as TF's.

Conventions inside this module:
  * a state is a nested tuple of [B, k] tensors (LSTMStateTuple = (c, h));
    `flatten` is depth-first (spec §1.5);
  * sequences are Python lists of per-time-step tensors (time-major);
  * ids are torch.long tensors.
"""
import contextlib
import math

import numpy as np
import torch

DT = torch.float64
FLT_MAX = float(np.finfo(np.float32).max)  # 3.4028234663852886e38, exactly representable in f64

# A fixture must never sit on a non-differentiable decision: every argmax of the
# loop function must win by at least ARGMAX_MARGIN and no clipped value may lie
# within CLIP_MARGIN of the clip bound.  Otherwise generation retries with the
# next seed (float32 round-off is far below these margins).
ARGMAX_MARGIN = 2e-3
CLIP_MARGIN = 2e-3


class MarginError(Exception):
    pass


# --------------------------------------------------------------------------
# Variable store (name based sharing, spec §13.1 rule 6)
# --------------------------------------------------------------------------
class Store:
    """Holds the variables by TF name.

    mode "create": an unseen name is drawn from `init(name, shape)` (seeded).
    mode "fixed":  every name must be in `fixed` (name -> np.ndarray).
    `frozen` (name -> tensor), used by the finite-difference check, gives the
    values that `stop_gradient` sees (the unperturbed parameters).
    """

    def __init__(self, init=None, fixed=None, frozen=None):
        self.init = init
        self.fixed = fixed
        self.frozen = frozen
        self.vars = {}
        self._scope = []
        self.stats = {"argmax_calls": 0, "cell_clip_active": 0, "proj_clip_active": 0,
                      "cell_clip_total": 0, "proj_clip_total": 0}

    # scopes -------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self, name):
        parts = [p for p in name.split("/") if p]
        self._scope.extend(parts)
        try:
            yield
        finally:
            del self._scope[len(self._scope) - len(parts):]

    @contextlib.contextmanager
    def absolute(self, path_list):
        saved = self._scope
        self._scope = list(path_list)
        try:
            yield
        finally:
            self._scope = saved

    def current(self):
        return list(self._scope)

    def full(self, name):
        return "/".join(self._scope + [name])

    # variables ----------------------------------------------------------
    def get(self, name, shape):
        full = self.full(name)
        shape = tuple(int(s) for s in shape)
        if full in self.vars:
            v = self.vars[full]
            if tuple(v.shape) != shape:
                raise ValueError("variable %s reused with shape %s, created with %s"
                                 % (full, shape, tuple(v.shape)))
            return v
        if self.fixed is not None:
            if full not in self.fixed:
                raise KeyError("parameter missing: %s" % full)
            arr = np.asarray(self.fixed[full], dtype=np.float64)
        else:
            arr = np.asarray(self.init(full, shape), dtype=np.float64)
        if arr.shape != shape:
            raise ValueError("parameter %s has shape %s, the call needs %s" % (full, arr.shape, shape))
        t = torch.tensor(arr, dtype=DT, requires_grad=True)
        self.vars[full] = t
        return t

    def stop_gradient_var(self, full):
        """stop_gradient(variable): detached value (the frozen base value in FD mode)."""
        if self.frozen is not None and full in self.frozen:
            return self.frozen[full]
        return self.vars[full].detach()


# --------------------------------------------------------------------------
# nest helpers
# --------------------------------------------------------------------------
def flatten(s):
    if isinstance(s, tuple):
        out = []
        for e in s:
            out.extend(flatten(e))
        return out
    return [s]


def pack(template, flat):
    flat = list(flat)

    def rec(t):
        if isinstance(t, tuple):
            return tuple(rec(e) for e in t)
        return flat.pop(0)

    out = rec(template)
    if flat:
        raise ValueError("too many state components")
    return out


def zero_state(template, batch):
    return pack(template, [torch.zeros(batch, k, dtype=DT) for k in flatten(template)])


# --------------------------------------------------------------------------
# linear (spec §2)
# --------------------------------------------------------------------------
def linear(args, output_size, bias, S):
    if args is None or (isinstance(args, (list, tuple)) and not args):
        raise ValueError("`args` must be specified")
    if not isinstance(args, (list, tuple)):
        args = [args]
    for a in args:
        if a.dim() != 2:
            raise ValueError("linear is expecting 2D arguments")
    total = sum(int(a.shape[1]) for a in args)
    w = S.get("kernel", [total, output_size])
    x = args[0] if len(args) == 1 else torch.cat(list(args), 1)
    res = x @ w
    if bias:
        res = res + S.get("bias", [output_size])
    return res


# --------------------------------------------------------------------------
# Cells (spec §1).  A cell is a Layer: its scope is fixed at its first call
# (current scope + its snake-case class name); later calls reuse it.
# --------------------------------------------------------------------------
def _act(name):
    if name != "tanh":
        raise ValueError("only tanh activation is specified")
    return torch.tanh


class Cell:
    scope_name = None  # None = no scope of its own (DropoutWrapper)

    def __init__(self):
        self._scope = None

    def __call__(self, x, state, S):
        if self.scope_name is None:
            return self.call(x, state, S)
        if self._scope is None:
            self._scope = S.current() + [self.scope_name]
        with S.absolute(self._scope):
            return self.call(x, state, S)

    def zero_state(self, batch):
        return zero_state(self.state_size, batch)


class BasicRNNCell(Cell):
    scope_name = "basic_rnn_cell"

    def __init__(self, n, activation="tanh"):
        super().__init__()
        self.n = n
        self.act = _act(activation)
        self.state_size = n
        self.output_size = n

    def call(self, x, h, S):
        w = S.get("kernel", [x.shape[1] + self.n, self.n])
        b = S.get("bias", [self.n])
        h2 = self.act(torch.cat([x, h], 1) @ w + b)
        return h2, h2


class GRUCell(Cell):
    scope_name = "gru_cell"

    def __init__(self, n, activation="tanh"):
        super().__init__()
        self.n = n
        self.act = _act(activation)
        self.state_size = n
        self.output_size = n

    def call(self, x, h, S):
        n = self.n
        wg = S.get("gates/kernel", [x.shape[1] + n, 2 * n])
        bg = S.get("gates/bias", [2 * n])
        wc = S.get("candidate/kernel", [x.shape[1] + n, n])
        bc = S.get("candidate/bias", [n])
        g = torch.sigmoid(torch.cat([x, h], 1) @ wg + bg)
        r, u = g[:, :n], g[:, n:]
        c = self.act(torch.cat([x, r * h], 1) @ wc + bc)
        h2 = u * h + (1 - u) * c
        return h2, h2


class BasicLSTMCell(Cell):
    scope_name = "basic_lstm_cell"

    def __init__(self, n, forget_bias=1.0, state_is_tuple=True, activation="tanh"):
        super().__init__()
        self.n = n
        self.forget_bias = float(forget_bias)
        self.tuple = bool(state_is_tuple)
        self.act = _act(activation)
        self.state_size = (n, n) if self.tuple else 2 * n
        self.output_size = n

    def call(self, x, state, S):
        n = self.n
        if self.tuple:
            c, h = state
        else:
            c, h = state[:, :n], state[:, n:]
        w = S.get("kernel", [x.shape[1] + n, 4 * n])
        b = S.get("bias", [4 * n])
        z = torch.cat([x, h], 1) @ w + b
        i, j, f, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
        c2 = c * torch.sigmoid(f + self.forget_bias) + torch.sigmoid(i) * self.act(j)
        h2 = self.act(c2) * torch.sigmoid(o)
        new = (c2, h2) if self.tuple else torch.cat([c2, h2], 1)
        return h2, new


def _clip(v, bound, S, key):
    # Stay away from the kink: no element may sit within CLIP_MARGIN of +-bound.
    a = v.detach().abs()
    if bool(((a - bound).abs() < CLIP_MARGIN).any()):
        raise MarginError("%s value within %g of the clip bound" % (key, CLIP_MARGIN))
    S.stats[key + "_active"] += int((a > bound).sum())
    S.stats[key + "_total"] += a.numel()
    return torch.clamp(v, -bound, bound)


class LSTMCell(Cell):
    scope_name = "lstm_cell"

    def __init__(self, n, use_peepholes=False, cell_clip=None, num_proj=None, proj_clip=None,
                 forget_bias=1.0, state_is_tuple=True, activation="tanh"):
        super().__init__()
        self.n = n
        self.peep = bool(use_peepholes)
        self.cell_clip = cell_clip
        self.num_proj = num_proj
        self.proj_clip = proj_clip
        self.forget_bias = float(forget_bias)
        self.tuple = bool(state_is_tuple)
        self.act = _act(activation)
        p = num_proj if num_proj is not None else n
        self.p = p
        self.state_size = (n, p) if self.tuple else n + p
        self.output_size = p

    def call(self, x, state, S):
        n, p = self.n, self.p
        if self.tuple:
            c_prev, m_prev = state
        else:
            c_prev, m_prev = state[:, :n], state[:, n:]
        if x.shape[1] is None:
            raise ValueError("Could not infer input size from inputs.get_shape()[-1]")
        w = S.get("kernel", [x.shape[1] + p, 4 * n])
        b = S.get("bias", [4 * n])
        z = torch.cat([x, m_prev], 1) @ w + b
        i, j, f, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
        if self.peep:
            wf = S.get("w_f_diag", [n])
            wi = S.get("w_i_diag", [n])
            wo = S.get("w_o_diag", [n])
            c = (torch.sigmoid(f + self.forget_bias + wf * c_prev) * c_prev
                 + torch.sigmoid(i + wi * c_prev) * self.act(j))
        else:
            c = torch.sigmoid(f + self.forget_bias) * c_prev + torch.sigmoid(i) * self.act(j)
        if self.cell_clip is not None:
            c = _clip(c, float(self.cell_clip), S, "cell_clip")
        if self.peep:
            m = torch.sigmoid(o + wo * c) * self.act(c)
        else:
            m = torch.sigmoid(o) * self.act(c)
        if self.num_proj is not None:
            m = m @ S.get("projection/kernel", [n, self.num_proj])
            if self.proj_clip is not None:
                m = _clip(m, float(self.proj_clip), S, "proj_clip")
        new = (c, m) if self.tuple else torch.cat([c, m], 1)
        return m, new


class MultiRNNCell(Cell):
    scope_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not isinstance(cells, (list, tuple)):
            raise TypeError("cells must be a list or tuple")
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        self.cells = list(cells)
        self.tuple = bool(state_is_tuple)
        if not self.tuple and any(isinstance(c.state_size, tuple) for c in self.cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple is not set.")
        if self.tuple:
            self.state_size = tuple(c.state_size for c in self.cells)
        else:
            self.state_size = sum(c.state_size for c in self.cells)
        self.output_size = self.cells[-1].output_size

    def call(self, x, state, S):
        cur = x
        new_states = []
        off = 0
        for i, cell in enumerate(self.cells):
            with S.scope("cell_%d" % i):
                if self.tuple:
                    if not isinstance(state, tuple):
                        raise ValueError("Expected state to be a tuple of length %d" % len(self.cells))
                    cs = state[i]
                else:
                    k = cell.state_size
                    cs = state[:, off:off + k]
                    off += k
                cur, ns = cell(cur, cs, S)
                new_states.append(ns)
        new = tuple(new_states) if self.tuple else torch.cat(new_states, 1)
        return cur, new


class EmbeddingWrapper(Cell):
    scope_name = "embedding_wrapper"

    def __init__(self, cell, embedding_classes, embedding_size):
        super().__init__()
        if embedding_classes <= 0 or embedding_size <= 0:
            raise ValueError("Both embedding_classes and embedding_size must be > 0")
        self.cell = cell
        self.classes = embedding_classes
        self.size = embedding_size
        self.state_size = cell.state_size
        self.output_size = cell.output_size

    def call(self, ids, state, S):
        emb = S.get("embedding", [self.classes, self.size])
        x = emb[ids.reshape(-1)]
        return self.cell(x, state, S)


class OutputProjectionWrapper(Cell):
    scope_name = "output_projection_wrapper"

    def __init__(self, cell, output_size):
        super().__init__()
        if output_size < 1:
            raise ValueError("Parameter output_size must be > 0")
        self.cell = cell
        self.state_size = cell.state_size
        self.output_size = output_size

    def call(self, x, state, S):
        out, st = self.cell(x, state, S)
        return linear(out, self.output_size, True, S), st


class InputProjectionWrapper(Cell):
    scope_name = "input_projection_wrapper"

    def __init__(self, cell, num_proj):
        super().__init__()
        self.cell = cell
        self.num_proj = num_proj
        self.state_size = cell.state_size
        self.output_size = cell.output_size

    def call(self, x, state, S):
        return self.cell(linear(x, self.num_proj, True, S), state, S)


class DropoutWrapper(Cell):
    scope_name = None  # name-transparent (spec §13.1)

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0):
        super().__init__()
        for k in (input_keep_prob, output_keep_prob, state_keep_prob):
            if not 0.0 <= float(k) <= 1.0:
                raise ValueError("keep probability must be in [0, 1]")
            if float(k) != 1.0:
                raise NotImplementedError("the reference only models keep probability 1.0")
        self.cell = cell
        self.state_size = cell.state_size
        self.output_size = cell.output_size

    def call(self, x, state, S):
        return self.cell(x, state, S)


def build_cell(spec):
    """Builds a cell from a conformance cell spec (conformance.md, kwargs)."""
    t = spec["type"]
    if t == "multi_rnn":
        cell = MultiRNNCell([build_cell(c) for c in spec["cells"]], spec.get("state_is_tuple", True))
    else:
        def one():
            act = spec.get("activation", "tanh")
            n = spec["num_units"]
            if t == "basic_rnn":
                return BasicRNNCell(n, act)
            if t == "gru":
                return GRUCell(n, act)
            if t == "basic_lstm":
                return BasicLSTMCell(n, spec.get("forget_bias", 1.0), spec.get("state_is_tuple", True), act)
            if t == "lstm":
                return LSTMCell(n, spec.get("use_peepholes", False), spec.get("cell_clip"),
                                spec.get("num_proj"), spec.get("proj_clip"), spec.get("forget_bias", 1.0),
                                spec.get("state_is_tuple", True), act)
            raise ValueError("unknown cell type %r" % t)

        layers = spec.get("layers", 1)
        cell = one() if layers == 1 else MultiRNNCell([one() for _ in range(layers)], True)
    for w in spec.get("wrappers", []):
        wt = w["type"]
        if wt == "output_projection":
            cell = OutputProjectionWrapper(cell, w["output_size"])
        elif wt == "input_projection":
            cell = InputProjectionWrapper(cell, w["num_proj"])
        elif wt == "embedding":
            cell = EmbeddingWrapper(cell, w["embedding_classes"], w["embedding_size"])
        elif wt == "dropout":
            cell = DropoutWrapper(cell, w.get("input_keep_prob", 1.0), w.get("output_keep_prob", 1.0),
                                  w.get("state_keep_prob", 1.0))
        else:
            raise ValueError("unknown wrapper %r" % wt)
    return cell


# --------------------------------------------------------------------------
# static_rnn (spec §3)
# --------------------------------------------------------------------------
def static_rnn(cell, inputs, S, initial_state=None, scope="rnn"):
    if not inputs:
        raise ValueError("inputs must not be empty")
    with S.scope(scope):
        state = initial_state if initial_state is not None else cell.zero_state(inputs[0].shape[0])
        outputs = []
        for x in inputs:
            out, state = cell(x, state, S)
            outputs.append(out)
    return outputs, state


# --------------------------------------------------------------------------
# The 13 functions (spec §4)
# --------------------------------------------------------------------------
def extract_argmax_and_embed(emb_name, S, output_projection=None, update_embedding=True):
    def loop(prev, i):
        if output_projection is not None:
            prev = prev @ output_projection[0] + output_projection[1]
        d = prev.detach()
        if d.shape[1] > 1:
            top2 = torch.topk(d, 2, dim=1).values
            if bool(((top2[:, 0] - top2[:, 1]) < ARGMAX_MARGIN).any()):
                raise MarginError("argmax gap below %g" % ARGMAX_MARGIN)
        S.stats["argmax_calls"] += 1
        sym = torch.argmax(d, 1)  # no gradient through argmax
        if update_embedding:
            return S.vars[emb_name][sym]
        return S.stop_gradient_var(emb_name)[sym]
    return loop


def identity_loop(prev, i):
    return prev


def rnn_decoder(decoder_inputs, initial_state, cell, S, loop_function=None, scope="rnn_decoder"):
    with S.scope(scope):
        state = initial_state
        outputs = []
        prev = None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with S.scope("loop_function"):
                    inp = loop_function(prev, i)
            out, state = cell(inp, state, S)
            outputs.append(out)
            if loop_function is not None:
                prev = out
    return outputs, state


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell_spec, S, scope="basic_rnn_seq2seq"):
    with S.scope(scope):
        enc_cell = build_cell(cell_spec)  # deepcopy(cell): separate parameters
        _, enc_state = static_rnn(enc_cell, encoder_inputs, S)
        return rnn_decoder(decoder_inputs, enc_state, build_cell(cell_spec), S)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, S, loop_function=None, scope=None):
    with S.scope("combined_tied_rnn_seq2seq"):
        sc = scope or "tied_rnn_seq2seq"
        _, enc_state = static_rnn(cell, encoder_inputs, S, scope=sc)
        return rnn_decoder(decoder_inputs, enc_state, cell, S, loop_function=loop_function, scope=sc)


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size, S,
                          output_projection=None, feed_previous=False,
                          update_embedding_for_previous=True, scope="embedding_rnn_decoder"):
    with S.scope(scope):
        if output_projection is not None:
            if output_projection[0].shape[1] != num_symbols or tuple(output_projection[1].shape) != (num_symbols,):
                raise ValueError("output_projection does not match num_symbols")
        emb = S.get("embedding", [num_symbols, embedding_size])
        emb_name = S.full("embedding")
        loop = (extract_argmax_and_embed(emb_name, S, output_projection, update_embedding_for_previous)
                if feed_previous else None)
        emb_inp = [emb[ids] for ids in decoder_inputs]
        return rnn_decoder(emb_inp, initial_state, cell, S, loop_function=loop)


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell_spec, num_encoder_symbols,
                          num_decoder_symbols, embedding_size, S, output_projection=None,
                          feed_previous=False, feed_previous_is_tensor=False,
                          scope="embedding_rnn_seq2seq"):
    with S.scope(scope):
        enc_cell = EmbeddingWrapper(build_cell(cell_spec), num_encoder_symbols, embedding_size)
        _, enc_state = static_rnn(enc_cell, encoder_inputs, S)
        cell = build_cell(cell_spec)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
        # Tensor form (§4.0): the branch taken is the decoder with that feed_previous
        # value and update_embedding_for_previous=False, on the same variables; the
        # state is repacked into the encoder state's structure (same structure here).
        update = not feed_previous_is_tensor
        return embedding_rnn_decoder(decoder_inputs, enc_state, cell, num_decoder_symbols,
                                     embedding_size, S, output_projection=output_projection,
                                     feed_previous=feed_previous,
                                     update_embedding_for_previous=update)


def embedding_tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell_spec, num_symbols,
                               embedding_size, S, num_decoder_symbols=None,
                               output_projection=None, feed_previous=False,
                               feed_previous_is_tensor=False, scope="embedding_tied_rnn_seq2seq"):
    with S.scope(scope):
        if output_projection is not None:
            # checked against num_symbols even when num_decoder_symbols is set (§4.6)
            if output_projection[0].shape[1] != num_symbols or tuple(output_projection[1].shape) != (num_symbols,):
                raise ValueError("output_projection does not match num_symbols")
        emb = S.get("embedding", [num_symbols, embedding_size])
        emb_name = S.full("embedding")
        emb_enc = [emb[x] for x in encoder_inputs]
        emb_dec = [emb[x] for x in decoder_inputs]
        output_symbols = num_symbols if num_decoder_symbols is None else num_decoder_symbols
        cell = build_cell(cell_spec)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, output_symbols)
        loop = None
        if feed_previous:
            loop = extract_argmax_and_embed(emb_name, S, output_projection,
                                            update_embedding=not feed_previous_is_tensor)
        return tied_rnn_seq2seq(emb_enc, emb_dec, cell, S, loop_function=loop)


def attention_decoder(decoder_inputs, initial_state, attention_states, cell, S, output_size=None,
                      num_heads=1, loop_function=None, scope="attention_decoder",
                      initial_state_attention=False):
    if not decoder_inputs:
        raise ValueError("Must provide at least 1 input to attention decoder.")
    if num_heads < 1:
        raise ValueError("With less than 1 heads, use a non-attention decoder.")
    if output_size is None:
        output_size = cell.output_size
    with S.scope(scope):
        B, L, A = (int(s) for s in attention_states.shape)
        hidden = attention_states
        feats, vs = [], []
        for a in range(num_heads):
            k = S.get("AttnW_%d" % a, [1, 1, A, A])
            feats.append(torch.einsum("bla,ac->blc", hidden, k[0, 0]))  # 1x1 conv, no bias
            vs.append(S.get("AttnV_%d" % a, [A]))

        def attention(query):
            q = torch.cat(flatten(query), 1)
            ds = []
            for a in range(num_heads):
                with S.scope("Attention_%d" % a):
                    y = linear(q, A, True, S)  # [B, A]
                    e = (vs[a] * torch.tanh(feats[a] + y[:, None, :])).sum(2)  # [B, L]
                    alpha = torch.softmax(e, 1)  # working dtype (decision §11.11)
                    ds.append((alpha[:, :, None] * hidden).sum(1))  # [B, A]
            return ds

        batch = decoder_inputs[0].shape[0]
        attns = [torch.zeros(batch, A, dtype=DT) for _ in range(num_heads)]
        state = initial_state
        if initial_state_attention:
            attns = attention(initial_state)
        outputs = []
        prev = None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with S.scope("loop_function"):
                    inp = loop_function(prev, i)
            input_size = int(inp.shape[1])
            x = linear([inp] + attns, input_size, True, S)
            cell_out, state = cell(x, state, S)
            attns = attention(state)
            with S.scope("AttnOutputProjection"):
                out = linear([cell_out] + attns, output_size, True, S)
            if loop_function is not None:
                prev = out
            outputs.append(out)
    return outputs, state


def embedding_attention_decoder(decoder_inputs, initial_state, attention_states, cell, num_symbols,
                                embedding_size, S, num_heads=1, output_size=None,
                                output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True,
                                scope="embedding_attention_decoder", initial_state_attention=False):
    if output_size is None:
        output_size = cell.output_size
    if output_projection is not None:
        if tuple(output_projection[1].shape) != (num_symbols,):  # only b is checked (§4.8)
            raise ValueError("output_projection bias does not match num_symbols")
    with S.scope(scope):
        emb = S.get("embedding", [num_symbols, embedding_size])
        emb_name = S.full("embedding")
        loop = (extract_argmax_and_embed(emb_name, S, output_projection, update_embedding_for_previous)
                if feed_previous else None)
        emb_inp = [emb[ids] for ids in decoder_inputs]
        return attention_decoder(emb_inp, initial_state, attention_states, cell, S,
                                 output_size=output_size, num_heads=num_heads,
                                 loop_function=loop, initial_state_attention=initial_state_attention)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell_spec, num_encoder_symbols,
                                num_decoder_symbols, embedding_size, S, encoder_cell_spec=None,
                                num_heads=1, output_projection=None, feed_previous=False,
                                feed_previous_is_tensor=False, scope="embedding_attention_seq2seq",
                                initial_state_attention=False):
    with S.scope(scope):
        enc_inner = build_cell(encoder_cell_spec if encoder_cell_spec is not None else cell_spec)
        enc_cell = EmbeddingWrapper(enc_inner, num_encoder_symbols, embedding_size)
        enc_outs, enc_state = static_rnn(enc_cell, encoder_inputs, S)
        cell = build_cell(cell_spec)
        # the reshape uses the original cell's output_size
        for o in enc_outs:
            if o.shape[1] != cell.output_size:
                raise ValueError("encoder output size differs from cell.output_size")
        attention_states = torch.stack(enc_outs, 1)  # [B, T_enc, cell.output_size]
        output_size = None
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols
        return embedding_attention_decoder(
            decoder_inputs, enc_state, attention_states, cell, num_decoder_symbols, embedding_size, S,
            num_heads=num_heads, output_size=output_size, output_projection=output_projection,
            feed_previous=feed_previous, update_embedding_for_previous=not feed_previous_is_tensor,
            initial_state_attention=initial_state_attention)


def one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, enc_cell_spec, dec_cells_dict,
                         num_encoder_symbols, num_decoder_symbols_dict, embedding_size, S,
                         feed_previous=False, decoder_names=None, scope="one2many_rnn_seq2seq"):
    if set(dec_cells_dict) != set(decoder_inputs_dict):
        raise ValueError("keys of dec_cells_dict != keys of decodre_inputs_dict")
    names = list(decoder_names) if decoder_names is not None else list(decoder_inputs_dict)
    outputs, states = {}, {}
    with S.scope(scope):
        enc_cell = EmbeddingWrapper(build_cell(enc_cell_spec), num_encoder_symbols, embedding_size)
        _, enc_state = static_rnn(enc_cell, encoder_inputs, S)
        for name in names:
            with S.scope("one2many_decoder_" + str(name)):
                dec_cell = OutputProjectionWrapper(build_cell(dec_cells_dict[name]),
                                                   num_decoder_symbols_dict[name])
                # bool and Tensor forms alike: update_embedding stays True (§4.0)
                o, s = embedding_rnn_decoder(decoder_inputs_dict[name], enc_state, dec_cell,
                                             num_decoder_symbols_dict[name], embedding_size, S,
                                             feed_previous=feed_previous)
            outputs[name], states[name] = o, s
    return outputs, states


# --------------------------------------------------------------------------
# Losses (spec §5) and sampled softmax (spec §7)
# --------------------------------------------------------------------------
def sparse_softmax_xent(labels, logits):
    return torch.logsumexp(logits, 1) - logits.gather(1, labels.reshape(-1, 1))[:, 0]


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True,
                             softmax_loss_function=None):
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError("Lengths of logits, weights, and targets must be the same %d, %d, %d."
                         % (len(logits), len(weights), len(targets)))
    terms = []
    for t, (logit, target, weight) in enumerate(zip(logits, targets, weights)):
        if softmax_loss_function is None:
            ce = sparse_softmax_xent(target.reshape(-1), logit)
        else:
            ce = softmax_loss_function(t, target, logit)
        terms.append(ce * weight)
    lp = terms[0]
    for x in terms[1:]:
        lp = lp + x
    if average_across_timesteps:
        total = weights[0]
        for w in weights[1:]:
            total = total + w
        lp = lp / (total + 1e-12)
    return lp


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  softmax_loss_function=None):
    cost = sequence_loss_by_example(logits, targets, weights, average_across_timesteps,
                                    softmax_loss_function).sum()
    if average_across_batch:
        cost = cost / targets[0].shape[0]
    return cost


def sampled_softmax_loss(weights, biases, labels, inputs, sampled_values, num_sampled, num_classes,
                         num_true=1, remove_accidental_hits=True):
    """weights [V, d], biases [V], labels long [B, 1], inputs [B, d],
    sampled_values = (sampled long [S], true_expected_count [B, 1], sampled_expected_count [S]),
    all three treated as stop_gradient.  Returns the loss [B]."""
    if num_true != 1:
        raise NotImplementedError("num_true must be 1")
    sampled, tec, sec = sampled_values
    tec, sec = tec.detach(), sec.detach()
    if sampled.shape[0] != num_sampled:
        raise ValueError("sampled_candidates has %d entries, num_sampled is %d" % (sampled.shape[0], num_sampled))
    if bool((labels < 0).any()) or bool((labels >= num_classes).any()):
        raise ValueError("label out of range")
    lab = labels.reshape(-1)
    true_w = weights[lab]                       # [B, d]
    true_b = biases[lab]                        # [B]
    true_logits = (inputs * true_w).sum(1, keepdim=True) + true_b.reshape(-1, 1)  # [B, 1]
    sampled_logits = inputs @ weights[sampled].t() + biases[sampled][None, :]      # [B, S]
    if remove_accidental_hits:
        hits = (sampled[None, :] == lab[:, None])
        sampled_logits = sampled_logits + torch.where(
            hits, torch.tensor(-FLT_MAX, dtype=DT), torch.tensor(0.0, dtype=DT))
    true_logits = true_logits - torch.log(tec)
    sampled_logits = sampled_logits - torch.log(sec)[None, :]
    out = torch.cat([true_logits, sampled_logits], 1)
    return torch.logsumexp(out, 1) - out[:, 0]


def log_uniform_prob(k, V):
    k = np.asarray(k, dtype=np.float64)
    return np.log((k + 2.0) / (k + 1.0)) / np.log1p(V)


def expected_count(k, V, num_sampled, num_tries):
    p = log_uniform_prob(k, V)
    if num_tries == num_sampled:
        return num_sampled * p
    return -np.expm1(num_tries * np.log1p(-p))


def draw_log_uniform_unique(rng, V, S):
    """Returns (candidates [S], num_tries) drawn as spec §7.1 describes."""
    if S > V:
        raise ValueError("Sampler's range is too small.")
    got, tries = [], 0
    while len(got) < S:
        u = rng.random()
        k = int(math.floor(math.exp(u * math.log(V + 1.0)))) - 1
        k %= V
        tries += 1
        if k not in got:
            got.append(k)
    return np.array(got, dtype=np.int64), tries


def make_sampled_values(rng, labels, V, S, require_hit=False):
    """Sampled values of one sampled_softmax_loss call (labels: int [B])."""
    for _ in range(10000):
        cand, tries = draw_log_uniform_unique(rng, V, S)
        if not require_hit or np.isin(cand, labels).any():
            break
    else:
        raise RuntimeError("could not draw an accidental hit")
    tec = expected_count(np.asarray(labels).reshape(-1, 1), V, S, tries)
    sec = expected_count(cand, V, S, tries)
    return cand.astype(np.int32), tec, sec, tries
