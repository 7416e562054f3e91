"""An encoder-decoder (sequence-to-sequence) model over token ids, with optional soft attention.

"Recurrent Neural Networks (Explained!)", machine translation: one RNN reads
the input sentence (the encoder), another writes the translation (the
decoder), and "the output is shifted by the length of the input". RNN slides,
"Pragmatics: Many to many": words are embedded and the network is trained with
teacher forcing, "the output sequences are used as the next words in the
phrase rather than predicted outputs". "Intro to recurrent neural networks
(RNN)": "When coupled with beam search they can produce several possible
phrase outputs". The attention is ``reference.attention`` (Mines Paristech,
Session 3, the attention section), placed as in Luong, Pham and Manning 2015.

Shapes: N batch, S source steps, T target steps, Vs and Vt the source and
target vocabularies, E embedding width, H hidden units (encoder and decoder
alike), A additive-attention width. Token ids are integers; ``bos`` (0 by
default) is a target id that only ever appears as the decoder's first input.

    encoder:   h^e = cell(E_src[x_1..x_S]),  h^e_0 = 0                        (N, S, H)
    decoder:   inputs y_0 = bos, y_1 .. y_{T-1}  (teacher forcing: the true previous tokens)
               h^d = cell(E_tgt[y_0..y_{T-1}]),  h^d_0 = h^e_S (and c^d_0 = c^e_S for an LSTM)
    attention: c_t, α_t = attend(query h^d_t, keys and values h^e)           (N, T, H)
    output:    o_t = [h^d_t, c_t] (2H), or o_t = h^d_t without attention
               logits_t = o_t W_out + b_out;  log p_t = log softmax(logits_t)  (N, T, Vt)
    loss:      L = -(1/(N T)) Σ_{n,t} log p_t[y_{n,t}]

The context is concatenated with the decoder state before the output layer
and is not fed into the next step ("input feeding"), so the decoder's
recurrence does not depend on the attention and runs as one ``cell_forward``
over all T steps; the attention then takes the T decoder states of each
sequence as T queries over the same encoder states.

Backward: dlogits = (softmax - onehot) / (N T); do = dlogits W_outᵀ splits
into the decoder state's part and dc; the attention's backward adds ds to the
decoder states and gives dh^e; the decoder's backward gives dh^d_0 (and dc^d_0),
which join dh^e_S (and dc^e_S) for the encoder's backward; embedding rows
collect the dx of every position that read them.

Params are one flat dict, so that ``reference.training``'s optimizers apply:

    "src_embed" (Vs, E)   "tgt_embed" (Vt, E)
    "enc.<key>", "dec.<key>"   the cell's params (``rnn``/``lstm``/``gru``.param_shapes(E, H))
    "att.Ws" (H, A), "att.Wh" (H, A), "att.v" (A,)   additive   |   "att.W" (H, H)   general   |   none for dot
    "out.W" (2H, Vt) with attention, (H, Vt) without;   "out.b" (Vt,)

The architecture is read off the params (``architecture``): the cell kind from
the width of ``enc.Wh`` (H, G·H), G = 1 rnn, 3 gru, 4 lstm; the attention from
the ``att.`` keys, and dot attention from ``out.W`` having 2H rows with no
``att.`` key. So a model cannot be run with a configuration it was not built with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import attention as attn
from reference import layers, stacked, training, validation
from reference.cells import CELLS

Array = npt.NDArray[np.float64]
Ids = npt.NDArray[np.int64]
Params = dict[str, Array]

BOS = 0


def _kinds_by_gates() -> dict[int, str]:
    """The cell kind a number of gate blocks G in Wh (H, G·H) stands for: the first kind in ``CELLS`` with G blocks."""
    kinds: dict[int, str] = {}
    for name, kind in CELLS.items():
        kinds.setdefault(len(kind.gates), name)
    return dict(sorted(kinds.items()))


KIND_BY_GATES = _kinds_by_gates()
ATTENTIONS = (None, "additive", "dot", "general")
OPTIMIZERS = ("sgd", "adagrad")


class Architecture(NamedTuple):
    kind: str  # a key of cells.CELLS: "rnn", "lstm" or "gru"
    attention: str | None  # "additive", "dot", "general" or None
    source_vocab: int  # Vs
    target_vocab: int  # Vt
    embed: int  # E
    hidden: int  # H


def param_shapes(arch: Architecture, attention_size: int | None = None) -> dict[str, tuple[int, ...]]:
    """Every key of a model's params and its shape; attention_size (A) is for additive attention only."""
    cell = CELLS[arch.kind].param_shapes(arch.embed, arch.hidden)
    H = arch.hidden
    shapes = {"src_embed": (arch.source_vocab, arch.embed), "tgt_embed": (arch.target_vocab, arch.embed)}
    shapes.update({f"enc.{k}": s for k, s in cell.items()})
    shapes.update({f"dec.{k}": s for k, s in cell.items()})
    if arch.attention is not None:
        shapes.update({f"att.{k}": s for k, s in attn.param_shapes(arch.attention, H, H, attention_size).items()})
    shapes["out.W"] = (2 * H if arch.attention else H, arch.target_vocab)
    shapes["out.b"] = (arch.target_vocab,)
    return shapes


def init_params(
    source_vocab: int,
    target_vocab: int,
    *,
    embed: int,
    hidden: int,
    rng: np.random.Generator,
    kind: str = "gru",
    attention: str | None = "additive",
    attention_size: int | None = None,
) -> Params:
    """torch's default initialisation: embeddings N(0, 1), cells U(±1/√H), attention and output U(±1/√fan_in).

    ``attention_size`` (A) defaults to ``hidden`` for additive attention.
    """
    validation.choice("kind", kind, CELLS)
    if attention not in ATTENTIONS:
        raise ValueError(f"attention={attention!r} is not one of {', '.join(map(repr, ATTENTIONS))}")
    for name, value in (("source_vocab", source_vocab), ("target_vocab", target_vocab), ("embed", embed), ("hidden", hidden)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}={value!r} should be an integer of at least 1")
    if attention == "additive" and attention_size is None:
        attention_size = hidden
    arch = Architecture(kind, attention, source_vocab, target_vocab, embed, hidden)
    shapes = param_shapes(arch, attention_size)
    params: Params = {}
    for key, shape in shapes.items():
        if key.endswith("_embed"):
            params[key] = rng.standard_normal(shape)
            continue
        if key.startswith(("enc.", "dec.")):
            fan_in = hidden  # as the cells' own init_params
        elif key == "out.b":
            fan_in = shapes["out.W"][0]  # nn.Linear draws its bias with its weight's fan_in
        else:
            fan_in = shape[0]
        bound = 1.0 / np.sqrt(fan_in)
        params[key] = rng.uniform(-bound, bound, shape)
    return params


def architecture(params: Mapping[str, npt.ArrayLike]) -> Architecture:
    """The architecture the params describe, after checking every key and shape; raises ValueError otherwise."""
    for key in ("src_embed", "tgt_embed", "enc.Wh", "out.W"):
        if key not in params or np.ndim(params[key]) != 2:
            raise ValueError(f"params[{key!r}] is missing or not a matrix; expected the keys of seq2seq.init_params")
    Vs, E = np.shape(params["src_embed"])
    Vt = np.shape(params["tgt_embed"])[0]
    H, width = np.shape(params["enc.Wh"])
    if H == 0 or width % H or width // H not in KIND_BY_GATES:
        gates = [f"{G} ({KIND_BY_GATES[G]})" for G in sorted(KIND_BY_GATES)]
        raise ValueError(f"params['enc.Wh'] has shape {(H, width)}; expected (H, G*H) with G = {', '.join(gates[:-1])} or {gates[-1]}")
    kind = KIND_BY_GATES[width // H]
    A = None
    if any(key in params for key in ("att.Ws", "att.Wh", "att.v")):
        attention = "additive"
        if np.ndim(params.get("att.v")) != 1 or np.shape(params["att.v"])[0] < 1:
            raise ValueError("params has additive attention keys but no 'att.v' of shape (A,); expected Ws (H, A), Wh (H, A), v (A,)")
        A = int(np.shape(params["att.v"])[0])
    elif "att.W" in params:
        attention = "general"
    else:
        attention = "dot" if np.shape(params["out.W"])[0] == 2 * H else None
    arch = Architecture(kind, attention, int(Vs), int(Vt), int(E), int(H))
    wanted = param_shapes(arch, A)
    if set(params) != set(wanted):
        extra, missing = sorted(set(params) - set(wanted)), sorted(set(wanted) - set(params))
        raise ValueError(f"params for {kind} with attention={attention!r} has extra keys {extra} and lacks {missing}")
    for key, shape in wanted.items():
        if np.shape(params[key]) != shape:
            raise ValueError(f"params[{key!r}] has shape {np.shape(params[key])}; expected {shape} for {arch}")
    return arch


def _ids(name: str, value: npt.ArrayLike, vocab: int, axes: str) -> Ids:
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} has dtype {array.dtype}; expected integer token ids")
    if array.ndim != len(axes) or 0 in array.shape:
        raise ValueError(f"{name} has shape {array.shape}; expected {len(axes)} nonempty axes ({', '.join(axes)})")
    if array.min() < 0 or array.max() >= vocab:
        raise ValueError(f"{name} holds ids from {array.min()} to {array.max()}; expected ids in 0..{vocab - 1} (vocabulary of {vocab})")
    return array.astype(np.int64)


def _token(name: str, value: int | None, vocab: int) -> int | None:
    if value is not None and not (isinstance(value, (int, np.integer)) and 0 <= value < vocab):
        raise ValueError(f"{name}={value!r} should be a target id in 0..{vocab - 1}")
    return value


def _cell(params: Mapping[str, Array], prefix: str) -> dict[str, Array]:
    return {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}


def _encode(params: Params, arch: Architecture, source: Ids):
    """source (N, S) -> encoder states (N, S, H), final h and c (N, H) (c None unless LSTM), encoder cache."""
    embedded, embed_cache = layers.embedding_forward(source, params["src_embed"])
    hs, cache = stacked.cell_forward(arch.kind, embedded, _cell(params, "enc."))
    return hs, hs[:, -1], CELLS[arch.kind].last_cell_state(cache), (embed_cache, cache)


def _attend(params: Params, arch: Architecture, queries: Array, enc_hs: Array):
    """queries (N, T, H) over enc_hs (N, S, H) -> context (N, T, H), attention cache (both None without attention)."""
    if arch.attention is None:
        return None, None
    context, _, cache = attn.forward(queries, enc_hs, _cell(params, "att."), score=arch.attention)
    return context, cache


def _output(params: Params, dec_hs: Array, context: Array | None) -> tuple[Array, Array]:
    """-> o (N, T, H or 2H), logits (N, T, Vt)."""
    o = dec_hs if context is None else np.concatenate([dec_hs, context], axis=-1)
    return o, o @ params["out.W"] + params["out.b"]


class Cache(NamedTuple):
    arch: Architecture
    params: Params
    source: Ids  # (N, S)
    decoder_inputs: Ids  # (N, T): bos, y_1 .. y_{T-1}
    target: Ids  # (N, T)
    enc_cache: tuple  # (embedding cache, cell cache)
    dec_cache: tuple  # (embedding cache, cell cache)
    att_cache: attn.Cache | None
    o: Array  # (N, T, H or 2H)
    log_probs: Array  # (N, T, Vt)
    dlogits: Array  # (N, T, Vt), the loss's gradient for the output layer's logits


def forward(
    params: Mapping[str, npt.ArrayLike], source_ids: npt.ArrayLike, target_ids: npt.ArrayLike, *, bos: int = BOS
) -> tuple[float, Array, Cache]:
    """Teacher-forced forward: source_ids (N, S), target_ids (N, T) -> loss, log p of each target token (N, T), cache."""
    arch = architecture(params)
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    source = _ids("source_ids", source_ids, arch.source_vocab, "NS")
    target = _ids("target_ids", target_ids, arch.target_vocab, "NT")
    if source.shape[0] != target.shape[0]:
        raise ValueError(f"source_ids has N={source.shape[0]} sequences but target_ids has N={target.shape[0]}; expected the same N")
    bos = _token("bos", bos, arch.target_vocab)
    N, T = target.shape
    inputs = np.concatenate([np.full((N, 1), bos, dtype=np.int64), target[:, :-1]], axis=1)
    enc_hs, h, c, enc_cache = _encode(params, arch, source)
    embedded, tgt_embed_cache = layers.embedding_forward(inputs, params["tgt_embed"])
    dec_hs, dec_cache = stacked.cell_forward(arch.kind, embedded, _cell(params, "dec."), h, c)
    dec_cache = (tgt_embed_cache, dec_cache)
    context, att_cache = _attend(params, arch, dec_hs, enc_hs)
    o, logits = _output(params, dec_hs, context)
    log_probs = layers.log_softmax(logits)
    token_log_probs = np.take_along_axis(log_probs, target[..., None], axis=-1)[..., 0]
    loss, dlogits = layers.softmax_cross_entropy(logits, target)
    return loss, token_log_probs, Cache(arch, params, source, inputs, target, enc_cache, dec_cache, att_cache, o, log_probs, dlogits)


def backward(cache: Cache) -> dict[str, Array]:
    """Gradients of the forward's loss for every param, same keys as the params."""
    arch, p = cache.arch, cache.params
    N, T, V = cache.dlogits.shape
    H = arch.hidden
    dlogits = cache.dlogits
    grads = {"out.W": cache.o.reshape(N * T, -1).T @ dlogits.reshape(N * T, V), "out.b": dlogits.sum(axis=(0, 1))}
    do = dlogits @ p["out.W"].T
    ddec = np.ascontiguousarray(do[..., :H])
    S = cache.source.shape[1]
    if cache.att_cache is None:
        denc = np.zeros((N, S, H))
    else:
        g = attn.backward(do[..., H:], cache.att_cache)
        ddec += g.pop("s")
        denc = g.pop("h")
        grads.update({f"att.{k}": v for k, v in g.items()})
    (tgt_embed_cache, dec_cache), (src_embed_cache, enc_cache) = cache.dec_cache, cache.enc_cache
    dec = stacked.cell_backward(arch.kind, ddec, dec_cache)
    denc[:, -1] += dec.pop("h0")
    enc = stacked.cell_backward(arch.kind, denc, enc_cache, dec.pop("c0", None))
    grads["src_embed"] = layers.embedding_backward(enc.pop("x"), src_embed_cache)
    grads["tgt_embed"] = layers.embedding_backward(dec.pop("x"), tgt_embed_cache)
    enc.pop("h0")
    enc.pop("c0", None)
    grads.update({f"enc.{k}": v for k, v in enc.items()})
    grads.update({f"dec.{k}": v for k, v in dec.items()})
    return {k: grads[k] for k in p}


def loss_and_grads(
    params: Mapping[str, npt.ArrayLike], source_ids: npt.ArrayLike, target_ids: npt.ArrayLike, *, bos: int = BOS
) -> tuple[float, dict[str, Array]]:
    """Mean cross-entropy per target token under teacher forcing, and its gradient for every param."""
    loss, _, cache = forward(params, source_ids, target_ids, bos=bos)
    return loss, backward(cache)


def _decode_step(params: Params, arch: Architecture, previous: Ids, h: Array, c: Array | None, enc_hs: Array):
    """One decoder step for B hypotheses: previous ids (B,), states (B, H), enc_hs (B, S, H) -> log p (B, Vt), h, c."""
    embedded, _ = layers.embedding_forward(previous[:, None], params["tgt_embed"])
    hs, cache = stacked.cell_forward(arch.kind, embedded, _cell(params, "dec."), h, c)
    context, _ = _attend(params, arch, hs, enc_hs)
    _, logits = _output(params, hs, context)
    return layers.log_softmax(logits[:, 0]), hs[:, 0], CELLS[arch.kind].last_cell_state(cache)


def _prepared(params, source_ids, axes: str, max_len: int, bos: int, eos: int | None):
    arch = architecture(params)
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    source = _ids("source_ids", source_ids, arch.source_vocab, axes)
    if not isinstance(max_len, (int, np.integer)) or max_len < 1:
        raise ValueError(f"max_len={max_len!r} should be an integer of at least 1")
    _token("bos", bos, arch.target_vocab)
    _token("eos", eos, arch.target_vocab)
    return arch, params, source


def greedy_decode(
    params: Mapping[str, npt.ArrayLike], source_ids: npt.ArrayLike, max_len: int, *, bos: int = BOS, eos: int | None = None
) -> list[Ids]:
    """source_ids (N, S) -> one id array per sequence: the most probable token at each step, fed back as the next input.

    A sequence ends after it emits ``eos`` (kept as its last id) or after
    ``max_len`` tokens; with ``eos=None`` every sequence has ``max_len`` ids.
    """
    arch, params, source = _prepared(params, source_ids, "NS", max_len, bos, eos)
    enc_hs, h, c, _ = _encode(params, arch, source)
    N = source.shape[0]
    previous, out, done = np.full(N, bos, dtype=np.int64), np.zeros((N, max_len), dtype=np.int64), np.zeros(N, dtype=bool)
    steps = max_len
    for t in range(max_len):
        log_probs, h, c = _decode_step(params, arch, previous, h, c, enc_hs)
        previous = np.argmax(log_probs, axis=1)
        out[:, t] = previous
        if eos is not None:
            done |= previous == eos
            if done.all():
                steps = t + 1
                break
    decoded = []
    for row in out[:, :steps]:
        ends = np.flatnonzero(row == eos) if eos is not None else ()
        decoded.append(row[: ends[0] + 1 if len(ends) else steps].copy())
    return decoded


def beam_search(
    params: Mapping[str, npt.ArrayLike],
    source_ids: npt.ArrayLike,
    beam_width: int,
    max_len: int,
    *,
    bos: int = BOS,
    eos: int | None = None,
) -> list[tuple[Ids, float]]:
    """source_ids (S,), one sequence -> up to ``beam_width`` hypotheses (ids, log-probability), best first.

    Each step extends every live hypothesis by every target token and keeps
    the ``beam_width`` best candidates. A hypothesis finishes when it emits
    ``eos`` (kept as its last id) and then stays in the beam unchanged,
    competing with the extensions of the live ones; the search stops when
    every kept hypothesis has finished or after ``max_len`` tokens.

    Lengths: a hypothesis's score is its plain summed log-probability, with no
    length normalisation, so an extra token never raises it and shorter
    finished hypotheses are favoured. Ties go to the earlier hypothesis, then
    the lower token id, as ``argmax`` does, so ``beam_width=1`` is
    ``greedy_decode``.
    """
    if not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError(f"beam_width={beam_width!r} should be an integer of at least 1")
    arch, params, source = _prepared(params, source_ids, "S", max_len, bos, eos)
    enc_hs, h, c, _ = _encode(params, arch, source[None])
    tokens: list[list[int]] = [[]]
    scores, finished = np.zeros(1), np.zeros(1, dtype=bool)
    for _ in range(max_len):
        live = np.flatnonzero(~finished)
        if live.size == 0:
            break
        previous = np.array([tokens[b][-1] if tokens[b] else bos for b in live], dtype=np.int64)
        log_probs, h_live, c_live = _decode_step(
            params, arch, previous, h[live], None if c is None else c[live], np.repeat(enc_hs, live.size, axis=0)
        )
        # Candidates in beam order: a finished hypothesis as itself (token -1), a live one extended by each token.
        cand_score, cand_beam, cand_token, cand_row = [], [], [], []
        row_of = {b: r for r, b in enumerate(live)}
        for b in range(len(tokens)):
            if finished[b]:
                cand_score.append(scores[b : b + 1])
                cand_beam.append([b])
                cand_token.append([-1])
                cand_row.append([-1])
            else:
                r = row_of[b]
                cand_score.append(scores[b] + log_probs[r])
                cand_beam.append(np.full(arch.target_vocab, b))
                cand_token.append(np.arange(arch.target_vocab))
                cand_row.append(np.full(arch.target_vocab, r))
        all_scores = np.concatenate(cand_score)
        keep = np.argsort(-all_scores, kind="stable")[:beam_width]
        beams, toks, rows = (np.concatenate(a)[keep] for a in (cand_beam, cand_token, cand_row))
        tokens = [tokens[b] + ([] if t < 0 else [int(t)]) for b, t in zip(beams, toks)]
        finished = np.array([finished[b] or (eos is not None and t == eos) for b, t in zip(beams, toks)])
        scores = all_scores[keep]
        h = np.where((rows >= 0)[:, None], h_live[np.maximum(rows, 0)], h[beams])
        if c is not None:
            c = np.where((rows >= 0)[:, None], c_live[np.maximum(rows, 0)], c[beams])
    order = np.argsort(-scores, kind="stable")
    return [(np.array(tokens[b], dtype=np.int64), float(scores[b])) for b in order]


class TrainResult(NamedTuple):
    params: Params
    losses: Array  # (steps,) the loss of each step's batch, before that step's update


def train(
    params: Mapping[str, npt.ArrayLike],
    batches: Callable[[np.random.Generator], tuple[npt.ArrayLike, npt.ArrayLike]],
    *,
    steps: int,
    lr: float,
    seed: int,
    optimizer: str = "adagrad",
    max_norm: float = 5.0,
    bos: int = BOS,
) -> TrainResult:
    """``steps`` updates, each on ``batches(rng)`` -> (source_ids (N, S), target_ids (N, T)).

    rng is ``np.random.default_rng(seed)``, the only randomness, so a run is
    determined by its arguments. Each gradient is clipped to global norm
    ``max_norm`` (``training.clip_by_norm``) before the SGD or Adagrad step.
    Returns new params; the given ones are left alone.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r} is not one of {', '.join(map(repr, OPTIMIZERS))}")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps={steps!r} should be an integer of at least 1")
    architecture(params)
    rng = np.random.default_rng(seed)
    current = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    memory, losses = None, np.empty(steps)
    for step in range(steps):
        source, target = batches(rng)
        losses[step], grads = loss_and_grads(current, source, target, bos=bos)
        grads = training.clip_by_norm(grads, max_norm)
        if optimizer == "sgd":
            current = training.sgd(current, grads, lr)
        else:
            current, memory = training.adagrad(current, grads, memory, lr)
    return TrainResult(current, losses)
