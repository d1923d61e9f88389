"""Topic 17: transformers.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file:

* weights act as ``x @ W + b`` with ``W`` of shape (D_in, D_out): the
  TRANSPOSE of a ``torch.nn.Linear.weight`` (topic.md shows the mapping onto
  ``torch.nn.MultiheadAttention`` and ``torch.nn.TransformerEncoderLayer``);
* a boolean attention ``mask`` is True where a query MAY attend to a key, as
  in ``torch.nn.functional.scaled_dot_product_attention`` and topic 16. Careful:
  ``torch.nn.MultiheadAttention``'s boolean ``attn_mask`` means the opposite
  (True = blocked), so pass it ``~mask``;
* shape mismatches raise ``ValueError`` naming the offending shapes;
* float64 throughout; no function modifies its inputs.

``gelu``, ``layer_norm`` and ``causal_mask`` (topics 08, 13 and 16) are given,
already implemented: topics do not import each other. Suggested order:
split_heads, merge_heads, multi_head_attention, sinusoidal_positional_encoding,
rope, feed_forward, transformer_block, transformer_parameter_count,
forward_flops_per_token, kv_cache_bytes, kv_cache_step, kv_cache_decode,
next_token_distribution.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Given helpers (identical in solutions.py): not exercises
# ---------------------------------------------------------------------------

# math.erfc entry by entry (NumPy has no erf); a Python loop in disguise, fine
# for the sizes of this topic.
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def gelu(x: np.ndarray) -> np.ndarray:
    """Given helper (topic 08): exact GELU, x * Phi(x) = 0.5 x erfc(-x / sqrt 2).

    The erfc form keeps full relative precision in the negative tail, where
    0.5 x (1 + erf(x / sqrt 2)) cancels to 0 (torch.nn.functional.gelu uses
    the erf form; the two agree to ~1e-16 in absolute terms).
    """
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * _erfc(-x / math.sqrt(2.0))


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """Given helper (topic 13): LayerNorm over the last axis, as torch.nn.LayerNorm.

    x: (..., D); gamma, beta: (D,). Biased variance (divide by D), eps inside
    the square root: (x - mean) / sqrt(var + eps) * gamma + beta.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def causal_mask(L: int) -> np.ndarray:
    """Given helper (topic 16): (L, L) bool, True on and below the diagonal (may attend)."""
    return np.tril(np.ones((L, L), dtype=bool))


# ---------------------------------------------------------------------------
# Exercises: heads
# ---------------------------------------------------------------------------


def split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """Split the feature axis into heads: (N, L, D) -> (N, h, L, D // h).

    Head j gets the contiguous block of features j*dh .. (j+1)*dh - 1, with
    dh = D // h (torch.nn.MultiheadAttention's layout):

        out[n, j, l, i] = x[n, l, j * dh + i]

    Args:
        x: (N, L, D).
        n_heads: h, which must divide D.

    Returns:
        (N, h, L, dh). A view of x is fine (it must not be written to).

    Raises:
        ValueError: if x is not 3-D or D is not divisible by n_heads (name the shape).

    Hint: reshape to (N, L, h, dh), then move the head axis in front of L with
    a transpose. ``x.reshape(N, h, L, dh)`` alone has the right shape and the
    wrong content.
    """
    raise NotImplementedError


def merge_heads(x: np.ndarray) -> np.ndarray:
    """Concatenate the heads again: (N, h, L, d) -> (N, L, h * d), the inverse of split_heads.

        out[n, l, j * d + i] = x[n, j, l, i]

    Args:
        x: (N, h, L, d), exactly 4-D.

    Returns:
        (N, L, h * d).

    Raises:
        ValueError: if x is not 4-D (name its shape).

    Hint: undo split_heads step by step in reverse order: transpose back, then reshape.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: multi-head attention
# ---------------------------------------------------------------------------


def multi_head_attention(
    x_q: np.ndarray,
    x_kv: np.ndarray,
    Wq: np.ndarray,
    Wk: np.ndarray,
    Wv: np.ndarray,
    Wo: np.ndarray,
    bq: np.ndarray,
    bk: np.ndarray,
    bv: np.ndarray,
    bo: np.ndarray,
    n_heads: int,
    mask=None,
):
    """Multi-head scaled dot-product attention (torch.nn.MultiheadAttention's math).

        Q = split_heads(x_q @ Wq + bq)           (N, h, Lq, dh)
        K = split_heads(x_kv @ Wk + bk)          (N, h, Lk, dh)
        V = split_heads(x_kv @ Wv + bv)          (N, h, Lk, dh)
        A = softmax(Q K^T / sqrt(dh) over the allowed keys)    (N, h, Lq, Lk)
        out = merge_heads(A V) @ Wo + bo         (N, Lq, D)

    Self-attention is x_q = x_kv; cross-attention (a decoder reading an
    encoder) has x_q from one sequence and x_kv from another (Lq != Lk).

    Args:
        x_q: (N, Lq, D) queries' input; x_kv: (N, Lk, D) keys' and values' input.
        Wq, Wk, Wv, Wo: (D, D); bq, bk, bv, bo: (D,).
        n_heads: h, which must divide D; dh = D // h.
        mask: None, or a BOOLEAN array, True where query i may attend to key l:
            (Lq, Lk) for every example and head (a causal mask), (N, Lq, Lk) or
            (N, 1, Lk) per example (topic 16's padding mask), or 4-D
            broadcastable to (N, h, Lq, Lk).

    Returns:
        (out, weights): out (N, Lq, D); weights (N, h, Lq, Lk), PER HEAD
        (torch averages over heads by default: weights.mean(axis=1) is its
        ``average_attn_weights=True`` output). Masked entries are exactly 0.
        A query row with no allowed key gets all-zero weights, so its output
        is bo (as torch.nn.functional.scaled_dot_product_attention; torch's
        MultiheadAttention returns nan there).

    Raises:
        ValueError: naming the shapes, if x_q and x_kv disagree in N or D, a
        weight or bias is not (D, D) or (D,), D % n_heads != 0, or the mask
        does not broadcast; also if mask is not boolean.

    Hint: scale by sqrt(dh), not sqrt(D). Mask with np.where(mask, scores,
    -np.inf) BEFORE the softmax, subtract the row max of the allowed scores,
    and take care that an all-masked row neither warns nor gives nan.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: positions
# ---------------------------------------------------------------------------


def sinusoidal_positional_encoding(L: int, D: int) -> np.ndarray:
    """The fixed positional encoding of "Attention is all you need" (Vaswani et al. 2017).

        PE[p, 2i]     = sin(p / 10000^(2i / D))
        PE[p, 2i + 1] = cos(p / 10000^(2i / D))        p = 0 .. L-1

    Sin on even columns, cos on odd ones, a pair (2i, 2i + 1) sharing one
    frequency. For odd D the last column is a sin with no cos partner.

    Args:
        L: number of positions (0 gives an empty (0, D) array); D: model width.

    Returns:
        (L, D) float64.

    Raises:
        ValueError: if L < 0 or D <= 0.

    Hint: build the angle table positions[:, None] * inv_freq[None, :] with
    one frequency per column (column j uses pair i = j // 2), then choose sin
    or cos by the column's parity.
    """
    raise NotImplementedError


def rope(x: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Rotary position embedding (RoPE, Su et al. 2021) on the last axis of x (..., L, D).

    The vector at position p (p = 0 .. L-1 along axis -2) is rotated, pair by
    pair, by the angles p * theta_i with theta_i = base^(-2i / D),
    i = 0 .. D/2 - 1. Pair i is the features (i, i + D/2): the "half-split"
    layout of Llama and GPT-NeoX. With x1 = x[..., :D/2], x2 = x[..., D/2:]:

        rotate_half(x) = concat(-x2, x1)
        out = x * cos(angle) + rotate_half(x) * sin(angle),
        angle[p] = concat(p * theta, p * theta)            (L, D)

    which for each pair is the 2-D rotation (x1 cos - x2 sin, x1 sin + x2 cos).
    Applied to queries and keys (not values), it makes q_m . k_n depend only on
    the offset m - n.

    Args:
        x: (..., L, D), D even; any leading axes (batch, heads).
        base: the frequency base (10000 in the paper and Llama-2; larger bases
            are used to extend the context).

    Returns:
        Same shape as x.

    Raises:
        ValueError: if x has fewer than 2 axes or D is odd (name the shape).

    Hint: position 0 must come back unchanged, and every vector keeps its norm.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: the block
# ---------------------------------------------------------------------------


def feed_forward(x, W1, b1, W2, b2, activation: str = "gelu") -> np.ndarray:
    """Position-wise feed-forward network, applied to each position independently.

        out = act(x @ W1 + b1) @ W2 + b2

    Args:
        x: (..., D), e.g. (N, L, D).
        W1: (D, F) (F = 4 D in GPT-2 and BERT), b1: (F,), W2: (F, M), b2: (M,).
        activation: "gelu" (exact, erf-based: use the given ``gelu``) or "relu".

    Returns:
        (..., M).

    Raises:
        ValueError: for an unknown activation, or shapes that do not fit
        (name them all).

    Hint: only ONE activation, between the two matrices; none after W2 (the
    output is added to the residual stream, which must move both ways).
    """
    raise NotImplementedError


def transformer_block(x, params: dict, n_heads: int, mask=None, pre_norm: bool = True):
    """One transformer block: self-attention and FFN, each with a residual and a LayerNorm.

        pre-norm  (GPT-2, Llama):  h = x + MHA(LN1(x));    out = h + FFN(LN2(h))
        post-norm (2017, BERT):    h = LN1(x + MHA(x));    out = LN2(h + FFN(h))

    MHA is multi_head_attention(z, z, ...) (self-attention) with ``mask``;
    FFN is feed_forward(..., activation="gelu"); LN is the given layer_norm
    (eps 1e-5). This is torch.nn.TransformerEncoderLayer(d_model, nhead,
    dim_feedforward, dropout=0.0, activation="gelu", batch_first=True,
    norm_first=pre_norm) with its weights mapped (topic.md).

    Args:
        x: (N, L, D).
        params: dict with keys ln1_gamma, ln1_beta (D,), Wq, Wk, Wv, Wo (D, D),
            bq, bk, bv, bo (D,), ln2_gamma, ln2_beta (D,), W1 (D, F), b1 (F,),
            W2 (F, D), b2 (D,). Must not be modified.
        n_heads: h.
        mask: as in multi_head_attention (causal_mask(L) for a decoder).
        pre_norm: which of the two variants.

    Returns:
        (N, L, D).

    Hint: four lines once multi_head_attention and feed_forward work. In
    post-norm the LayerNorm wraps the SUM x + sublayer(x), not the sublayer alone.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: counting parameters, FLOPs and memory
# ---------------------------------------------------------------------------


def transformer_parameter_count(
    d_model: int,
    n_heads: int,
    d_ff: int,
    n_layers: int,
    vocab: int,
    max_len: int = 0,
    tied_embeddings: bool = True,
) -> int:
    """Number of parameters of a GPT-2-style decoder-only transformer.

    Counted: the token embedding (vocab, d), learned position embeddings
    (max_len, d), per block Wq, Wk, Wv, Wo (d, d) with biases, W1 (d, d_ff),
    b1, W2 (d_ff, d), b2, two LayerNorms (gamma and beta each), the final
    LayerNorm, and, when NOT tied, an output head of vocab * d weights (no
    bias). Tied, the head reuses the token embedding and adds nothing.

    Args:
        d_model, n_heads, d_ff, n_layers, vocab: the architecture (n_heads
            must divide d_model; it does not change the count).
        max_len: rows of the learned position table (0: none, e.g. RoPE).
        tied_embeddings: whether the output head shares the token embedding.

    Returns:
        int (a Python int). GPT-2 small (768, 12, 3072, 12, 50257,
        max_len=1024, tied) has 124,439,808.

    Raises:
        ValueError: if n_heads does not divide d_model.

    Hint: per block 4 d^2 + 4 d (attention) + 2 d d_ff + d_ff + d (FFN) + 4 d
    (two LayerNorms), which is 12 d^2 + 13 d when d_ff = 4 d.
    """
    raise NotImplementedError


def forward_flops_per_token(n_params: int, n_layers: int, context_len: int, d_model: int) -> int:
    """Forward-pass FLOPs per token (Kaplan et al. 2020):

        C_forward = 2 * n_params + 2 * n_layers * context_len * d_model

    2 FLOPs (a multiply and an add) per non-embedding parameter, plus the
    attention scores of one query against context_len keys in every layer.
    Training costs about 3 times this (the backward pass is about 2 forwards).

    Args:
        n_params: non-embedding parameters N; n_layers; context_len; d_model.

    Returns:
        int, exact (Python integer arithmetic, no float rounding).

    Hint: one line. Do not convert to float: 2 * (2**53 + 1) is not a float64.
    """
    raise NotImplementedError


def kv_cache_bytes(
    n_layers: int,
    n_kv_heads: int,
    head_dim: int,
    seq_len: int,
    batch_size: int = 1,
    bytes_per_value: int = 2,
) -> int:
    """Memory of the key/value cache of a decoder, in bytes.

        bytes = 2 (keys and values) * n_layers * n_kv_heads * head_dim
                * seq_len * batch_size * bytes_per_value

    Multi-head attention has n_kv_heads = n_heads; grouped-query attention
    (Llama-2-70B: 8 KV heads for 64 query heads) and multi-query attention
    (1 KV head) shrink it. bytes_per_value = 2 for fp16/bf16.

    Returns:
        int. GPT-2 small (12 layers, 12 heads of 64) in fp16: 36,864 bytes per token.

    Hint: one product; do not forget the values.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: decoding with a KV cache
# ---------------------------------------------------------------------------


def kv_cache_step(x_t, cache, Wq, Wk, Wv, Wo, n_heads: int):
    """One step of cached, bias-free multi-head self-attention for the newest token.

        q, k, v = x_t @ Wq, x_t @ Wk, x_t @ Wv, split into h heads   (N, h, 1, dh)
        K = concat(cache["k"], k) along positions                     (N, h, t + 1, dh)
        V = concat(cache["v"], v)
        out_t = merge_heads(softmax(q K^T / sqrt(dh)) V) @ Wo          (N, D)

    The cache holds only earlier positions, so no mask is needed: attending
    to everything in the cache IS causal attention.

    Args:
        x_t: (N, D), the newest position of every sequence in the batch.
        cache: None before the first step, else a dict {"k": (N, h, t, dh),
            "v": (N, h, t, dh)} as returned by the previous step (t = 0, with
            empty arrays, is valid too). Must not be modified.
        Wq, Wk, Wv, Wo: (D, D); n_heads: h.

    Returns:
        (out_t, new_cache): out_t (N, D); new_cache {"k", "v"} each
        (N, h, t + 1, dh): exactly one position longer.

    Raises:
        ValueError: if x_t is not (N, D) with Wq (D, D), or h does not divide D.

    Hint: on the first step the token can only attend to itself (weight 1),
    so out_t = (x_t @ Wv) @ Wo: a good first check.
    """
    raise NotImplementedError


def kv_cache_decode(x, Wq, Wk, Wv, Wo, n_heads: int) -> np.ndarray:
    """Run a whole sequence through kv_cache_step, one position at a time.

    Start from cache = None; at step t call this module's
    ``kv_cache_step(x[:, t], cache, ...)`` (a test watches the calls) and
    store its output as out[:, t]. The result equals
    multi_head_attention(x, x, Wq, Wk, Wv, Wo, 0, 0, 0, 0, n_heads,
    mask=causal_mask(L)): the cache is an optimisation, never a change of
    the math.

    Args:
        x: (N, L, D); Wq, Wk, Wv, Wo: (D, D); n_heads: h.

    Returns:
        (N, L, D).

    Hint: a loop over t of one line; the cache grows by one position per step.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: sampling the next token
# ---------------------------------------------------------------------------


def next_token_distribution(
    logits: np.ndarray, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0
) -> np.ndarray:
    """The probabilities a sampler draws the next token from (Hugging Face's order).

    1. temperature: z = logits / temperature. temperature == 0 means greedy:
       all mass on the argmax (the first one on ties), the limit T -> 0.
    2. top-k (if 0 < top_k < V): keep the logits >= the k-th largest (ties at
       the boundary all kept), the others get probability 0.
    3. top-p / nucleus (if top_p < 1): with p = softmax of what is left, keep
       the smallest set of most probable tokens whose total reaches top_p:
       sort descending (equal probabilities in index order) and keep a token
       when the mass strictly before it is < top_p (so the top token is
       always kept). top_p = 1 keeps everything.
    4. renormalise the kept probabilities to sum to 1.

    Args:
        logits: (V,) or (N, V); every row is treated independently.
        temperature: >= 0. top_k: >= 0 (0 = off). top_p: in (0, 1].

    Returns:
        Same shape as logits, rows summing to 1, zeros where filtered.

    Raises:
        ValueError: for temperature < 0, top_k < 0 or top_p outside (0, 1].

    Hint: stable softmax (subtract the max); filtered logits as -inf, and
    exp(-inf) = 0. No warnings for logits of magnitude 1000.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------
#
# Every expected value below comes from a slow loop written here with `math`
# (one query, one head, one key at a time), a closed form, or a number checked
# by hand (or against PyTorch, as noted); never from the module under test.


def _max_abs(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b)), initial=0.0))


def _loop_softmax(values):
    """Stable softmax of a Python list with math.exp."""
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _loop_mha(x_q, x_kv, P, n_heads, allowed=None):
    """Slow reference attention: one (example, head, query) at a time.

    allowed: None or a boolean array broadcast (here, by the test) to
    (N, h, Lq, Lk). Returns (out (N, Lq, D), weights (N, h, Lq, Lk)).
    """
    N, Lq, D = x_q.shape
    Lk = x_kv.shape[1]
    dh = D // n_heads
    Q = x_q @ P["Wq"] + P["bq"]
    K = x_kv @ P["Wk"] + P["bk"]
    V = x_kv @ P["Wv"] + P["bv"]
    context = np.zeros((N, Lq, D))
    weights = np.zeros((N, n_heads, Lq, Lk))
    for n in range(N):
        for j in range(n_heads):
            cols = slice(j * dh, (j + 1) * dh)
            for i in range(Lq):
                keys = [ell for ell in range(Lk) if allowed is None or allowed[n, j, i, ell]]
                if not keys:
                    continue  # no key allowed: zero weights, zero context
                q = Q[n, i, cols].tolist()
                scores = [
                    sum(a * b for a, b in zip(q, K[n, ell, cols].tolist(), strict=True))
                    / math.sqrt(dh)
                    for ell in keys
                ]
                for ell, w in zip(keys, _loop_softmax(scores), strict=True):
                    weights[n, j, i, ell] = w
                    context[n, i, cols] += w * V[n, ell, cols]
    return context @ P["Wo"] + P["bo"], weights


def _attention_params(rng, D, scale=1.0):
    P = {name: scale * rng.standard_normal((D, D)) / math.sqrt(D) for name in ("Wq", "Wk", "Wv")}
    P["Wo"] = rng.standard_normal((D, D)) / math.sqrt(D)
    for name in ("bq", "bk", "bv", "bo"):
        P[name] = rng.standard_normal(D)
    return P


def _mha(impl, x_q, x_kv, P, n_heads, mask=None):
    return impl.multi_head_attention(
        x_q, x_kv, P["Wq"], P["Wk"], P["Wv"], P["Wo"], P["bq"], P["bk"], P["bv"], P["bo"],
        n_heads, mask,
    )  # fmt: skip


# --- split_heads / merge_heads ----------------------------------------------


def test_split_heads_matches_the_index_formula(impl, rng, assert_close):
    N, L, D, h = 2, 3, 12, 4  # dh = 3: nothing square, L != h != dh
    x = rng.standard_normal((N, L, D))
    got = impl.split_heads(x, h)
    expected = np.zeros((N, h, L, D // h))
    for n, j, ell, i in np.ndindex(expected.shape):
        expected[n, j, ell, i] = x[n, ell, j * (D // h) + i]
    assert_close(
        got,
        expected,
        tol=0,
        what="split_heads(x (2, 3, 12), 4): out[n, j, l, i] = x[n, l, j*3 + i] "
        "(reshape to (N, L, h, dh), THEN transpose)",
    )


def test_split_heads_keeps_a_batch_of_one_and_a_single_position(impl, rng):
    x = rng.standard_normal((1, 1, 6))
    got = impl.split_heads(x, 3)
    assert np.shape(got) == (1, 3, 1, 2), (
        f"split_heads(x (1, 1, 6), 3) has shape {np.shape(got)}, expected (1, 3, 1, 2): "
        "never squeeze the batch or sequence axis"
    )


def test_split_heads_rejects_an_indivisible_width(impl, rng):
    x = rng.standard_normal((2, 3, 10))
    with pytest.raises(ValueError, match=r"10"):
        impl.split_heads(x, 4)


def test_split_heads_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.split_heads, rng.standard_normal((2, 5, 6)), 2)


def test_merge_heads_matches_the_index_formula(impl, rng, assert_close):
    N, h, L, d = 2, 4, 3, 5
    x = rng.standard_normal((N, h, L, d))
    got = impl.merge_heads(x)
    expected = np.zeros((N, L, h * d))
    for n, j, ell, i in np.ndindex(x.shape):
        expected[n, ell, j * d + i] = x[n, j, ell, i]
    assert_close(
        got, expected, tol=0, what="merge_heads(x (2, 4, 3, 5)): out[n, l, j*5 + i] = x[n, j, l, i]"
    )


def test_merge_heads_undoes_split_heads(impl, rng, assert_close):
    x = rng.standard_normal((3, 7, 10))
    back = impl.merge_heads(impl.split_heads(x, 5))
    assert_close(back, x, tol=0, what="merge_heads(split_heads(x (3, 7, 10), 5)) (expected x)")


def test_merge_heads_rejects_a_3d_input(impl, rng):
    x = rng.standard_normal((2, 3, 4))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        impl.merge_heads(x)


def test_merge_heads_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.merge_heads, rng.standard_normal((2, 3, 4, 5)))


# --- multi_head_attention ----------------------------------------------------


def test_multi_head_attention_hand_computed_example(impl, assert_close):
    # D = 2, h = 2 (dh = 1), identity weights, zero biases. Query [1, 0];
    # keys/values [1, 0] and [0, 1]. Head 0 (feature 0): scores [1, 0] / sqrt(1)
    # -> weights [e, 1] / (e + 1), context e / (e + 1). Head 1 (feature 1):
    # scores [0, 0] -> [1/2, 1/2], context 1/2. Scaling by sqrt(D) = sqrt(2)
    # instead of sqrt(dh) = 1 would give sigmoid(1 / sqrt 2) = 0.670 in head 0.
    eye, zero = np.eye(2), np.zeros(2)
    P = {"Wq": eye, "Wk": eye, "Wv": eye, "Wo": eye, "bq": zero, "bk": zero, "bv": zero}
    P["bo"] = zero
    x_q = np.array([[[1.0, 0.0]]])
    x_kv = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    out, weights = _mha(impl, x_q, x_kv, P, 2)
    s = math.e / (1.0 + math.e)
    what = "multi_head_attention(x_q=[[[1, 0]]], x_kv=[[[1, 0], [0, 1]]], identity W, h=2)"
    assert_close(out, [[[s, 0.5]]], tol=1e-12, what=what + " -> out")
    assert_close(weights, [[[[s, 1 - s]], [[0.5, 0.5]]]], tol=1e-12, what=what + " -> weights")


def test_multi_head_attention_cross_attention_matches_a_loop(impl, rng, assert_close):
    N, Lq, Lk, D, h = 2, 3, 5, 8, 2
    x_q, x_kv = rng.standard_normal((N, Lq, D)), rng.standard_normal((N, Lk, D))
    P = _attention_params(rng, D)
    out, weights = _mha(impl, x_q, x_kv, P, h)
    ref_out, ref_w = _loop_mha(x_q, x_kv, P, h)
    what = "multi_head_attention(x_q (2, 3, 8), x_kv (2, 5, 8), h=2, no mask)"
    assert_close(out, ref_out, tol=1e-10, what=what + " -> out")
    assert_close(weights, ref_w, tol=1e-10, what=what + " -> per-head weights (N, h, Lq, Lk)")


def test_multi_head_attention_with_a_boolean_mask_matches_a_loop(impl, rng, assert_close):
    N, L, D, h = 2, 6, 12, 3
    x = rng.standard_normal((N, L, D))
    P = _attention_params(rng, D)
    mask = rng.random((L, L)) < 0.5
    mask[np.arange(L), rng.integers(0, L, L)] = True  # every query keeps >= 1 key
    out, weights = _mha(impl, x, x, P, h, mask)
    ref_out, ref_w = _loop_mha(x, x, P, h, np.broadcast_to(mask, (N, h, L, L)))
    what = (
        "multi_head_attention(x (2, 6, 12), h=3, mask (6, 6) True = may attend)\n"
        f"  mask = {mask.astype(int).tolist()}"
    )
    assert_close(weights, ref_w, tol=1e-10, what=what + "\n  -> weights (0 where mask is False)")
    assert_close(out, ref_out, tol=1e-10, what=what + "\n  -> out")


def test_multi_head_attention_causal_mask_matches_a_loop(impl, rng, assert_close):
    N, L, D, h = 3, 5, 8, 4
    x = rng.standard_normal((N, L, D))
    P = _attention_params(rng, D)
    mask = np.tril(np.ones((L, L), dtype=bool))
    out, _ = _mha(impl, x, x, P, h, mask)
    ref_out, _ = _loop_mha(x, x, P, h, np.broadcast_to(mask, (N, h, L, L)))
    assert_close(out, ref_out, tol=1e-10, what="multi_head_attention(x (3, 5, 8), h=4, causal)")


def test_multi_head_attention_accepts_a_per_example_padding_mask(impl, rng, assert_close):
    # Topic 16's padding_mask(lengths, L) has shape (N, 1, Lk); one per example,
    # the same for every head and query.
    N, Lq, Lk, D, h = 3, 2, 5, 6, 2
    lengths = np.array([5, 2, 3])
    mask = np.arange(Lk)[None, None, :] < lengths[:, None, None]  # (3, 1, 5)
    x_q, x_kv = rng.standard_normal((N, Lq, D)), rng.standard_normal((N, Lk, D))
    P = _attention_params(rng, D)
    out, weights = _mha(impl, x_q, x_kv, P, h, mask)
    ref_out, ref_w = _loop_mha(x_q, x_kv, P, h, np.broadcast_to(mask[:, None], (N, h, Lq, Lk)))
    what = "multi_head_attention(x_q (3, 2, 6), x_kv (3, 5, 6), h=2, padding mask (3, 1, 5))"
    assert_close(weights, ref_w, tol=1e-10, what=what + " -> weights")
    assert_close(out, ref_out, tol=1e-10, what=what + " -> out")


def test_multi_head_attention_accepts_a_per_example_padding_and_causal_mask(
    impl, rng, assert_close
):
    # padding_mask(lengths, L) & causal_mask(L) has shape (N, L, L): a
    # different (Lq, Lk) pattern per example, shared by the heads. Every row of
    # this one keeps key 0, so no row is fully masked.
    N, L, D, h = 3, 4, 6, 2
    lengths = np.array([4, 2, 3])
    causal = np.tril(np.ones((L, L), dtype=bool))
    mask = (np.arange(L)[None, None, :] < lengths[:, None, None]) & causal  # (3, 4, 4)
    x = rng.standard_normal((N, L, D))
    P = _attention_params(rng, D)
    out, weights = _mha(impl, x, x, P, h, mask)
    ref_out, ref_w = _loop_mha(x, x, P, h, np.broadcast_to(mask[:, None], (N, h, L, L)))
    what = "multi_head_attention(x (3, 4, 6), h=2, padding & causal mask (3, 4, 4))"
    assert_close(weights, ref_w, tol=1e-10, what=what + " -> weights")
    assert_close(out, ref_out, tol=1e-10, what=what + " -> out")


def test_multi_head_attention_accepts_a_per_head_4d_mask(impl, rng, assert_close):
    N, L, D, h = 2, 4, 6, 3
    x = rng.standard_normal((N, L, D))
    P = _attention_params(rng, D)
    mask = rng.random((1, h, L, L)) < 0.6
    mask[..., 0] = True
    out, _ = _mha(impl, x, x, P, h, mask)
    ref_out, _ = _loop_mha(x, x, P, h, np.broadcast_to(mask, (N, h, L, L)))
    assert_close(out, ref_out, tol=1e-10, what="multi_head_attention(..., mask (1, 3, 4, 4))")


def test_multi_head_attention_masked_keys_have_no_influence(impl, rng, assert_close):
    # Changing what sits at padded key positions must not change any output.
    N, L, D, h = 2, 5, 6, 2
    x = rng.standard_normal((N, L, D))
    P = _attention_params(rng, D)
    mask = np.array([[[True, True, True, False, False]], [[True, False, False, False, False]]])
    out1, _ = _mha(impl, x, x, P, h, mask)
    x2 = x.copy()
    x2[0, 3:] += 10.0 * rng.standard_normal((2, D))
    x2[1, 1:] += 10.0 * rng.standard_normal((4, D))
    out2, _ = _mha(impl, x2, x2, P, h, mask)
    # Queries are the changed rows too, so compare only queries that were not changed.
    assert_close(out2[0, :3], out1[0, :3], tol=1e-12, what="outputs after changing masked keys")
    assert_close(out2[1, :1], out1[1, :1], tol=1e-12, what="outputs after changing masked keys")


def test_multi_head_attention_fully_masked_row_gives_zero_weights_and_bias(
    impl, rng, call_quietly, assert_close
):
    # No allowed key for query 1: weights 0 (not nan) and the output is bo,
    # as torch.nn.functional.scaled_dot_product_attention; no RuntimeWarning.
    N, L, D, h = 2, 3, 4, 2
    x = rng.standard_normal((N, L, D))
    P = _attention_params(rng, D)
    mask = np.ones((L, L), dtype=bool)
    mask[1] = False
    out, weights = call_quietly(
        _mha, impl, x, x, P, h, mask, what="multi_head_attention with an all-False mask row"
    )
    assert_close(weights[:, :, 1], np.zeros((N, h, L)), tol=0, what="weights of the masked row")
    assert_close(
        out[:, 1], np.broadcast_to(P["bo"], (N, D)), tol=1e-12, what="out of the masked row"
    )
    ref_out, _ = _loop_mha(x, x, P, h, np.broadcast_to(mask, (N, h, L, L)))
    assert_close(out, ref_out, tol=1e-10, what="the other rows")


@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_is_stable_for_large_scores(
    impl, rng, call_quietly, assert_close, masked
):
    # Scores of magnitude ~1e4: exp overflows unless the row max is subtracted,
    # with a mask and without one.
    N, L, D, h = 2, 4, 6, 2
    x = 30.0 * rng.standard_normal((N, L, D))
    P = _attention_params(rng, D, scale=3.0)
    mask = np.tril(np.ones((L, L), dtype=bool)) if masked else None
    what = f"multi_head_attention(x ~ 30 N(0, 1), h=2, mask={'causal' if masked else None})"
    out, weights = call_quietly(_mha, impl, x, x, P, h, mask, what=what)
    allowed = None if mask is None else np.broadcast_to(mask, (N, h, L, L))
    ref_out, ref_w = _loop_mha(x, x, P, h, allowed)
    assert_close(weights, ref_w, tol=1e-9, what=what + " -> weights (subtract the row max)")
    assert_close(out, ref_out, tol=1e-9, what=what + " -> out")


def test_multi_head_attention_keeps_a_batch_of_one_and_one_query(impl, rng, assert_close):
    D, h, Lk = 6, 3, 4
    x_q, x_kv = rng.standard_normal((1, 1, D)), rng.standard_normal((1, Lk, D))
    P = _attention_params(rng, D)
    out, weights = _mha(impl, x_q, x_kv, P, h)
    shapes = (np.shape(out), np.shape(weights))
    assert shapes == ((1, 1, D), (1, h, 1, Lk)), (
        f"multi_head_attention(x_q (1, 1, 6), x_kv (1, 4, 6), h=3) returned out {shapes[0]} "
        f"and weights {shapes[1]}, expected (1, 1, 6) and (1, 3, 1, 4): never squeeze"
    )
    ref_out, _ = _loop_mha(x_q, x_kv, P, h)
    assert_close(out, ref_out, tol=1e-10, what="out for N = 1, Lq = 1")


@pytest.mark.parametrize(
    "case", ["x_kv width", "x_kv batch", "Wq shape", "bo shape", "mask shape", "heads"]
)
def test_multi_head_attention_rejects_mismatched_shapes(impl, rng, case):
    N, L, D = 2, 3, 6
    x_q, x_kv = rng.standard_normal((N, L, D)), rng.standard_normal((N, L + 1, D))
    P = _attention_params(rng, D)
    h, mask = 2, None
    if case == "x_kv width":
        x_kv = rng.standard_normal((N, L, D + 2))
        shown = str(x_kv.shape)
    elif case == "x_kv batch":
        x_kv = rng.standard_normal((N + 1, L, D))
        shown = str(x_kv.shape)
    elif case == "Wq shape":
        P["Wq"] = rng.standard_normal((D, D + 1))
        shown = str(P["Wq"].shape)
    elif case == "bo shape":
        P["bo"] = rng.standard_normal(D + 1)
        shown = str(P["bo"].shape)
    elif case == "mask shape":
        mask = np.ones((L + 1, L + 1), dtype=bool)  # (Lk, Lk), not (Lq, Lk)
        shown = str(mask.shape)
    else:
        h = 4
        shown = str(D)
    with pytest.raises(ValueError, match=re.escape(shown)):
        _mha(impl, x_q, x_kv, P, h, mask)


def test_multi_head_attention_rejects_a_non_boolean_mask(impl, rng):
    # An int 0/1 or float additive mask is ambiguous (which value blocks?).
    x = rng.standard_normal((1, 3, 4))
    P = _attention_params(rng, 4)
    with pytest.raises(ValueError, match="bool"):
        _mha(impl, x, x, P, 2, np.tril(np.ones((3, 3))))


def test_multi_head_attention_leaves_inputs_untouched(impl, rng, call_untouched):
    D = 6
    P = _attention_params(rng, D)
    x_q, x_kv = rng.standard_normal((2, 3, D)), rng.standard_normal((2, 4, D))
    mask = rng.random((3, 4)) < 0.5
    mask[:, 0] = True
    call_untouched(
        impl.multi_head_attention,
        x_q, x_kv, P["Wq"], P["Wk"], P["Wv"], P["Wo"], P["bq"], P["bk"], P["bv"], P["bo"], 3,
        mask=mask,
    )  # fmt: skip


# --- sinusoidal_positional_encoding -------------------------------------------


def _loop_sinusoidal(L, D):
    pe = np.zeros((L, D))
    for p in range(L):
        for j in range(D):
            angle = p / math.pow(10000.0, 2 * (j // 2) / D)
            pe[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return pe


@pytest.mark.parametrize(("L", "D"), [(50, 16), (7, 5), (1, 2)])
def test_sinusoidal_positional_encoding_matches_a_loop(impl, L, D):
    # Absolute error: the entries lie in [-1, 1], and angles up to 50 rad carry
    # ~1e-14 rounding whatever the formula's arrangement.
    got = np.asarray(impl.sinusoidal_positional_encoding(L, D), dtype=np.float64)
    expected = _loop_sinusoidal(L, D)
    assert got.shape == expected.shape, (
        f"sinusoidal_positional_encoding({L}, {D}) has shape {got.shape}, expected {(L, D)}"
    )
    err = _max_abs(got, expected)
    assert err < 1e-12, (
        f"sinusoidal_positional_encoding({L}, {D}) differs from PE[p, 2i] = sin(p / 10000^(2i/D)), "
        f"PE[p, 2i+1] = cos(same) by up to {err:.1e} (tolerance 1e-12)\n"
        f"  row 1 actual:   {np.round(got[min(1, L - 1)], 6).tolist()}\n"
        f"  row 1 expected: {np.round(expected[min(1, L - 1)], 6).tolist()}"
    )


def test_sinusoidal_positional_encoding_hand_values(impl, assert_close):
    # D = 4: frequencies 1 and 1/100. Row 0: [sin 0, cos 0, ...] = [0, 1, 0, 1].
    got = impl.sinusoidal_positional_encoding(2, 4)
    expected = [[0.0, 1.0, 0.0, 1.0], [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)]]
    assert_close(got, expected, tol=1e-14, what="sinusoidal_positional_encoding(2, 4)")


def test_sinusoidal_positional_encoding_zero_positions(impl):
    got = impl.sinusoidal_positional_encoding(0, 8)
    assert np.shape(got) == (0, 8), (
        f"sinusoidal_positional_encoding(0, 8) has shape {np.shape(got)}, expected (0, 8)"
    )


@pytest.mark.parametrize(("L", "D"), [(-1, 4), (3, 0)])
def test_sinusoidal_positional_encoding_rejects_negative_L_or_non_positive_D(impl, L, D):
    # np.arange(-1) is silently empty: without the check L = -1 returns a (0, D) table.
    with pytest.raises(ValueError):
        impl.sinusoidal_positional_encoding(L, D)


# --- rope ----------------------------------------------------------------------


def _rotate_half(v):
    half = len(v) // 2
    return [-a for a in v[half:]] + list(v[:half])


def _loop_rope(x, base):
    """Position by position with a hand-written rotate_half (Llama's formula)."""
    *lead, L, D = x.shape
    out = np.zeros_like(x)
    for idx in np.ndindex(*lead):
        for p in range(L):
            v = x[(*idx, p)].tolist()
            angles = [p / math.pow(base, 2 * i / D) for i in range(D // 2)] * 2
            rot = _rotate_half(v)
            out[(*idx, p)] = [
                v[c] * math.cos(angles[c]) + rot[c] * math.sin(angles[c]) for c in range(D)
            ]
    return out


@pytest.mark.parametrize("base", [10000.0, 500.0])
def test_rope_matches_a_rotate_half_reference(impl, rng, assert_close, base):
    x = rng.standard_normal((2, 3, 9, 8))  # (N, h, L, D)
    got = impl.rope(x, base=base)
    assert_close(
        got,
        _loop_rope(x, base),
        tol=1e-10,
        what=f"rope(x (2, 3, 9, 8), base={base}) "
        "(half-split pairs (i, i + D/2), angle p base^(-2i/D))",
    )


def test_rope_hand_example(impl, assert_close):
    # D = 4: pairs (0, 2) and (1, 3) with frequencies 1 and 1/100. The vector
    # e_0 at position 2 turns into (cos 2, 0, sin 2, 0); e_1 into (0, cos .02, 0, sin .02).
    x = np.array([[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]])
    got = impl.rope(x)
    c2, s2, c, s = math.cos(2), math.sin(2), math.cos(0.02), math.sin(0.02)
    expected = [[[1, 0, 0, 0], [0, math.cos(0.01), 0, math.sin(0.01)], [c2, c, s2, s]]]
    assert_close(got, expected, tol=1e-13, what="rope(x (1, 3, 4)) for unit vectors")


def test_rope_scores_depend_only_on_the_offset(impl, rng, assert_close):
    # Put the same q at every position and the same k at every position:
    # S[m, n] = rope(q at m) . rope(k at n) = q^T R(n - m) k must be constant
    # along each diagonal m - n = const (a Toeplitz matrix), and S[m, m] = q . k.
    L, D = 12, 16
    q, k = rng.standard_normal(D), rng.standard_normal(D)
    rq = np.asarray(impl.rope(np.tile(q, (L, 1))))
    rk = np.asarray(impl.rope(np.tile(k, (L, 1))))
    S = rq @ rk.T
    for offset in range(-(L - 1), L):
        diagonal = np.diagonal(S, offset=-offset)  # entries with m - n = offset
        assert_close(
            diagonal,
            np.full(diagonal.shape, diagonal[0]),
            tol=1e-10,
            what=f"rope(q)_m . rope(k)_n along m - n = {offset} (must depend on m - n only)",
        )
    assert_close(np.diag(S), np.full(L, q @ k), tol=1e-10, what="rope(q)_m . rope(k)_m (= q . k)")


def test_rope_keeps_norms_and_leaves_position_0_alone(impl, rng, assert_close):
    x = rng.standard_normal((3, 7, 10))
    got = np.asarray(impl.rope(x))
    assert_close(got[:, 0], x[:, 0], tol=1e-15, what="rope(x)[:, 0] (position 0: angle 0)")
    assert_close(
        np.linalg.norm(got, axis=-1),
        np.linalg.norm(x, axis=-1),
        tol=1e-12,
        what="norms of rope(x) rows (rotations keep lengths)",
    )


def test_rope_rejects_an_odd_width(impl, rng):
    with pytest.raises(ValueError, match=r"\(2, 4, 5\)"):
        impl.rope(rng.standard_normal((2, 4, 5)))


def test_rope_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.rope, rng.standard_normal((2, 5, 6)), base=100.0)


# --- feed_forward ---------------------------------------------------------------


def _loop_gelu(v: float) -> float:
    return 0.5 * v * math.erfc(-v / math.sqrt(2.0))


def _ffn_case(rng, D=4, F=6, M=5):
    return (
        rng.standard_normal((D, F)),
        rng.standard_normal(F),
        rng.standard_normal((F, M)),
        rng.standard_normal(M),
    )


@pytest.mark.parametrize("shape", [(2, 3, 4), (5, 4)])
@pytest.mark.parametrize("activation", ["gelu", "relu"])
def test_feed_forward_matches_a_loop(impl, rng, assert_close, shape, activation):
    x = rng.standard_normal(shape)
    W1, b1, W2, b2 = _ffn_case(rng)
    act = _loop_gelu if activation == "gelu" else (lambda v: max(v, 0.0))
    flat = x.reshape(-1, 4)
    expected = np.zeros((len(flat), 5))
    for r, row in enumerate(flat):
        hidden = [act(float(row @ W1[:, f]) + b1[f]) for f in range(6)]
        expected[r] = [sum(hidden[f] * W2[f, m] for f in range(6)) + b2[m] for m in range(5)]
    got = impl.feed_forward(x, W1, b1, W2, b2, activation=activation)
    assert_close(
        got,
        expected.reshape(*shape[:-1], 5),
        tol=1e-11,
        what=f"feed_forward(x {shape}, W1 (4, 6), W2 (6, 5), activation={activation!r})",
    )


def test_feed_forward_default_is_exact_gelu_even_in_the_tails(impl):
    # Identity weights: out = gelu(x). GELU(-10) = -7.6e-23; the tanh
    # approximation is off by up to 5e-4 near |x| = 2, and 0.5 x (1 + erf(x / sqrt 2))
    # cancels to 0 for x < -8.3. Relative error, entry by entry.
    x = np.linspace(-10.0, 6.0, 33).reshape(1, 33, 1)
    one, zero = np.ones((1, 1)), np.zeros(1)
    got = np.asarray(impl.feed_forward(x, one, zero, one, zero), dtype=np.float64).ravel()
    expected = np.array([_loop_gelu(v) for v in x.ravel()])
    nonzero = expected != 0
    rel = np.abs(got[nonzero] - expected[nonzero]) / np.abs(expected[nonzero])
    worst = int(np.argmax(rel))
    assert np.all(got[~nonzero] == 0), f"feed_forward(0) = {got[~nonzero]}, expected 0"
    assert rel.max() < 1e-12, (
        "feed_forward(x, W1=[[1]], b1=0, W2=[[1]], b2=0) must be the exact GELU "
        f"x Phi(x) = 0.5 x erfc(-x / sqrt 2) (use the given gelu): relative error "
        f"{rel.max():.1e} at x = {x.ravel()[nonzero][worst]:.2f}, got "
        f"{got[nonzero][worst]!r}, expected {expected[nonzero][worst]!r}"
    )


def test_feed_forward_rejects_an_unknown_activation(impl, rng):
    W1, b1, W2, b2 = _ffn_case(rng)
    with pytest.raises(ValueError, match="swish"):
        impl.feed_forward(rng.standard_normal((2, 4)), W1, b1, W2, b2, activation="swish")


def test_feed_forward_rejects_mismatched_shapes(impl, rng):
    W1, b1, W2, b2 = _ffn_case(rng)
    x = rng.standard_normal((2, 3, 6))  # width 6, W1 expects 4
    with pytest.raises(ValueError, match=r"\(2, 3, 6\)"):
        impl.feed_forward(x, W1, b1, W2, b2)


def test_feed_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.feed_forward, rng.standard_normal((2, 3, 4)), *_ffn_case(rng))


# --- transformer_block ------------------------------------------------------------


def _loop_layer_norm(x, gamma, beta):
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape[:-1]):
        row = x[idx].tolist()
        mean = sum(row) / len(row)
        var = sum((v - mean) ** 2 for v in row) / len(row)
        out[idx] = [
            (v - mean) / math.sqrt(var + 1e-5) * g + b
            for v, g, b in zip(row, gamma, beta, strict=True)
        ]
    return out


def _loop_ffn(x, P):
    hidden = np.vectorize(_loop_gelu)(x @ P["W1"] + P["b1"])
    return hidden @ P["W2"] + P["b2"]


def _loop_block(x, P, h, allowed, pre_norm):
    def attend(z):
        return _loop_mha(z, z, P, h, allowed)[0]

    if pre_norm:
        mid = x + attend(_loop_layer_norm(x, P["ln1_gamma"], P["ln1_beta"]))
        return mid + _loop_ffn(_loop_layer_norm(mid, P["ln2_gamma"], P["ln2_beta"]), P)
    mid = _loop_layer_norm(x + attend(x), P["ln1_gamma"], P["ln1_beta"])
    return _loop_layer_norm(mid + _loop_ffn(mid, P), P["ln2_gamma"], P["ln2_beta"])


def _block_params(rng, D=8, F=12):
    P = _attention_params(rng, D)
    P["W1"] = rng.standard_normal((D, F)) / math.sqrt(D)
    P["b1"] = rng.standard_normal(F)
    P["W2"] = rng.standard_normal((F, D)) / math.sqrt(F)
    P["b2"] = rng.standard_normal(D)
    for ln in ("ln1", "ln2"):
        P[f"{ln}_gamma"] = 1.0 + 0.2 * rng.standard_normal(D)
        P[f"{ln}_beta"] = 0.2 * rng.standard_normal(D)
    return P


@pytest.mark.parametrize("pre_norm", [True, False])
def test_transformer_block_matches_a_loop_with_a_causal_mask(impl, rng, assert_close, pre_norm):
    # Also checked against torch.nn.TransformerEncoderLayer(8, 2, 12, dropout=0,
    # activation="gelu", batch_first=True, norm_first=pre_norm) with the weights
    # mapped as in topic.md and src_mask = ~causal: agreement to 4e-14.
    N, L, D, h = 2, 5, 8, 2
    x = rng.standard_normal((N, L, D))
    P = _block_params(rng, D)
    mask = np.tril(np.ones((L, L), dtype=bool))
    got = impl.transformer_block(x, P, h, mask=mask, pre_norm=pre_norm)
    expected = _loop_block(x, P, h, np.broadcast_to(mask, (N, h, L, L)), pre_norm)
    kind = (
        "pre-norm x + MHA(LN1(x)), then + FFN(LN2(.))"
        if pre_norm
        else "post-norm LN1(x + MHA(x)), then LN2(. + FFN(.))"
    )
    assert_close(
        got,
        expected,
        tol=1e-10,
        what=f"transformer_block(x (2, 5, 8), h=2, causal mask, pre_norm={pre_norm}): {kind}",
    )


def test_transformer_block_defaults_to_pre_norm_without_a_mask(impl, rng, assert_close):
    N, L, D, h = 2, 4, 8, 4
    x = rng.standard_normal((N, L, D))
    P = _block_params(rng, D)
    got = impl.transformer_block(x, P, h)
    expected = _loop_block(x, P, h, None, pre_norm=True)
    assert_close(got, expected, tol=1e-10, what="transformer_block(x, params, 4) (defaults)")


def test_transformer_block_with_a_causal_mask_ignores_the_future(impl, rng, assert_close):
    N, L, D, h = 2, 6, 8, 2
    x = rng.standard_normal((N, L, D))
    P = _block_params(rng, D)
    mask = np.tril(np.ones((L, L), dtype=bool))
    later = x.copy()
    later[:, 4:] = rng.standard_normal((N, 2, D))
    for pre_norm in (True, False):
        a = impl.transformer_block(x, P, h, mask=mask, pre_norm=pre_norm)
        b = impl.transformer_block(later, P, h, mask=mask, pre_norm=pre_norm)
        assert_close(
            b[:, :4],
            a[:, :4],
            tol=1e-12,
            what=f"positions 0-3 after changing positions 4-5 (causal, pre_norm={pre_norm})",
        )


def test_transformer_block_leaves_inputs_untouched(impl, rng, call_untouched):
    P = _block_params(rng)
    mask = np.tril(np.ones((3, 3), dtype=bool))
    for pre_norm in (True, False):
        call_untouched(
            impl.transformer_block, rng.standard_normal((2, 3, 8)), P, 2, mask=mask,
            pre_norm=pre_norm,
        )  # fmt: skip


# --- counting ----------------------------------------------------------------------


def test_transformer_parameter_count_gpt2_small(impl):
    # 12 x (12 * 768^2 + 13 * 768) + 50257 * 768 + 1024 * 768 + 2 * 768
    # = 85,054,464 + 38,597,376 + 786,432 + 1,536 (Hugging Face's GPT2Model;
    # also a GPT-2-shaped torch model built and counted: 124,439,808).
    got = impl.transformer_parameter_count(768, 12, 3072, 12, 50257, max_len=1024)
    assert got == 124_439_808, (
        f"transformer_parameter_count(768, 12, 3072, 12, 50257, max_len=1024) = {got}, "
        "expected 124,439,808 (GPT-2 small, tied head)"
    )


def test_transformer_parameter_count_untied_head_and_gpt2_medium(impl):
    untied = impl.transformer_parameter_count(768, 12, 3072, 12, 50257, 1024, False)
    assert untied == 124_439_808 + 50257 * 768, (
        f"untied GPT-2 small: {untied}, expected 163,037,184 (the head adds vocab x d, no bias)"
    )
    # GPT-2 medium: 24 x (12 * 1024^2 + 13 * 1024) + 51,463,168 + 1,048,576 + 2,048.
    medium = impl.transformer_parameter_count(1024, 16, 4096, 24, 50257, max_len=1024)
    assert medium == 354_823_168, f"GPT-2 medium: {medium}, expected 354,823,168"


def test_transformer_parameter_count_by_listing_every_tensor(impl):
    # Tiny model, d_ff not 4 d, no position table (max_len = 0 is valid: RoPE).
    d, f, n_layers, vocab = 8, 20, 3, 11
    block = [(d, d)] * 4 + [(d,)] * 4 + [(d, f), (f,), (f, d), (d,)] + [(d,)] * 4
    shapes = [(vocab, d)] + block * n_layers + [(d,), (d,)]
    expected = sum(math.prod(s) for s in shapes)  # 1,919
    got = impl.transformer_parameter_count(d, 2, f, n_layers, vocab)
    assert got == expected, (
        f"transformer_parameter_count({d}, 2, {f}, {n_layers}, {vocab}) = {got}, expected "
        f"{expected}: token table, per block 4 (d, d) + 4 biases + W1, b1, W2, b2 + 2 LayerNorms "
        "(gamma, beta), final LayerNorm; no position table when max_len = 0"
    )
    assert isinstance(got, int), f"returned {type(got).__name__}, expected int"


def test_transformer_parameter_count_does_not_depend_on_heads(impl):
    counts = {h: impl.transformer_parameter_count(64, h, 256, 2, 100, 16) for h in (1, 4, 16)}
    assert len(set(counts.values())) == 1, (
        f"counts by n_heads {counts}: heads share (D, D) matrices"
    )
    with pytest.raises(ValueError, match="64"):
        impl.transformer_parameter_count(64, 5, 256, 2, 100)


def test_forward_flops_per_token_gpt2_small(impl):
    # N = 85,054,464 non-embedding parameters, 12 layers, n_ctx 1024, d 768:
    # 2 N + 2 * 12 * 1024 * 768 = 170,108,928 + 18,874,368.
    got = impl.forward_flops_per_token(85_054_464, 12, 1024, 768)
    assert got == 188_983_296, (
        f"forward_flops_per_token(85054464, 12, 1024, 768) = {got}, expected 188,983,296"
    )


def test_forward_flops_per_token_is_exact_and_keeps_context_0(impl):
    big = 2**53 + 1  # not representable in float64
    got = impl.forward_flops_per_token(big, 96, 0, 12288)
    assert isinstance(got, int), f"returned {type(got).__name__}, expected a Python int"
    assert got == 2 * big, (
        f"forward_flops_per_token(2**53 + 1, 96, 0, 12288) = {got!r}, expected the int {2 * big} "
        "(context 0 leaves 2 N; keep integer arithmetic)"
    )
    gpt3 = impl.forward_flops_per_token(175_000_000_000, 96, 2048, 12288)
    assert gpt3 == 354_831_838_208, f"GPT-3-sized: {gpt3}, expected 354,831,838,208"


def test_kv_cache_bytes_known_models(impl):
    gpt2 = impl.kv_cache_bytes(12, 12, 64, 1)
    assert gpt2 == 36_864, (
        f"kv_cache_bytes(12, 12, 64, 1) = {gpt2}, expected 36,864 (2 x 12 x 768 x 2 bytes)"
    )
    llama7b = impl.kv_cache_bytes(32, 32, 128, 4096)
    assert llama7b == 2 * 1024**3, (
        f"Llama-2-7B, 4096 tokens, fp16: {llama7b}, expected 2 GiB = 2,147,483,648"
    )
    gqa = impl.kv_cache_bytes(80, 8, 128, 1, batch_size=3, bytes_per_value=4)
    assert gqa == 3 * 4 * 163_840, (
        f"Llama-2-70B (8 KV heads), batch 3, fp32, 1 token: {gqa}, expected 1,966,080"
    )


# --- kv_cache_step / kv_cache_decode -----------------------------------------------


def _decode_params(rng, D):
    P = _attention_params(rng, D)
    for name in ("bq", "bk", "bv", "bo"):
        P[name] = np.zeros(D)
    return P


def _heads(v, h):  # (N, D) -> (N, h, 1, dh), written out
    D = v.shape[1]
    return np.stack([v[:, j * (D // h) : (j + 1) * (D // h)] for j in range(h)], axis=1)[:, :, None]


@pytest.mark.parametrize("empty", ["None", "empty arrays"])
def test_kv_cache_step_first_token_attends_to_itself(impl, rng, assert_close, empty):
    N, D, h = 3, 8, 2
    P = _decode_params(rng, D)
    x_t = rng.standard_normal((N, D))
    cache = None if empty == "None" else {"k": np.zeros((N, h, 0, 4)), "v": np.zeros((N, h, 0, 4))}
    out, new = impl.kv_cache_step(x_t, cache, P["Wq"], P["Wk"], P["Wv"], P["Wo"], h)
    assert_close(
        out, x_t @ P["Wv"] @ P["Wo"], tol=1e-12, what=f"kv_cache_step(x_t (3, 8), cache={empty}) "
        "(one key: weight 1, out = x_t Wv Wo)"
    )  # fmt: skip
    assert_close(new["k"], _heads(x_t @ P["Wk"], h), tol=1e-12, what="new_cache['k'] (N, h, 1, dh)")
    assert_close(new["v"], _heads(x_t @ P["Wv"], h), tol=1e-12, what="new_cache['v'] (N, h, 1, dh)")


def test_kv_cache_step_attends_over_the_cache_and_itself(impl, rng, assert_close):
    N, D, h, t = 2, 6, 3, 4
    P = _decode_params(rng, D)
    past = rng.standard_normal((N, t, D))
    x_t = rng.standard_normal((N, D))
    cache = {
        "k": np.stack([_heads(past[:, s] @ P["Wk"], h)[:, :, 0] for s in range(t)], axis=2),
        "v": np.stack([_heads(past[:, s] @ P["Wv"], h)[:, :, 0] for s in range(t)], axis=2),
    }
    out, new = impl.kv_cache_step(x_t, cache, P["Wq"], P["Wk"], P["Wv"], P["Wo"], h)
    # The same token is the last query of the full sequence past + x_t.
    full = np.concatenate([past, x_t[:, None]], axis=1)
    ref, _ = _loop_mha(full[:, -1:], full, P, h)
    assert_close(out, ref[:, 0], tol=1e-10, what="kv_cache_step(x_t (2, 6), cache of 4 positions)")
    for key in ("k", "v"):
        assert np.shape(new[key]) == (N, h, t + 1, D // h), (
            f"new_cache['{key}'] has shape {np.shape(new[key])}, expected {(N, h, t + 1, D // h)}"
        )
        assert_close(new[key][:, :, :t], cache[key], tol=0, what=f"new_cache['{key}'][:, :, :4]")


def test_kv_cache_step_is_stable_for_large_scores(impl, rng, call_quietly, assert_close):
    # Inputs ~ 30 N(0, 1) and weights 3 times larger than usual: scores of
    # magnitude ~1e4 between the new query and the cached keys. A softmax
    # written inline without subtracting the row max overflows.
    N, D, h, t = 2, 6, 3, 3
    P = _attention_params(rng, D, scale=3.0)
    for name in ("bq", "bk", "bv", "bo"):
        P[name] = np.zeros(D)
    past = 30.0 * rng.standard_normal((N, t, D))
    x_t = 30.0 * rng.standard_normal((N, D))
    cache = {
        "k": np.stack([_heads(past[:, s] @ P["Wk"], h)[:, :, 0] for s in range(t)], axis=2),
        "v": np.stack([_heads(past[:, s] @ P["Wv"], h)[:, :, 0] for s in range(t)], axis=2),
    }
    what = "kv_cache_step(x_t ~ 30 N(0, 1), cache of 3 positions, h=3) (scores ~1e4)"
    out, _ = call_quietly(
        impl.kv_cache_step, x_t, cache, P["Wq"], P["Wk"], P["Wv"], P["Wo"], h, what=what
    )
    full = np.concatenate([past, x_t[:, None]], axis=1)
    ref, _ = _loop_mha(full[:, -1:], full, P, h)
    assert_close(out, ref[:, 0], tol=1e-9, what=what + " (subtract the row max)")


def test_kv_cache_step_leaves_the_cache_untouched(impl, rng, call_untouched):
    N, D, h = 2, 4, 2
    P = _decode_params(rng, D)
    cache = {"k": rng.standard_normal((N, h, 3, 2)), "v": rng.standard_normal((N, h, 3, 2))}
    call_untouched(
        impl.kv_cache_step,
        rng.standard_normal((N, D)),
        cache,
        P["Wq"],
        P["Wk"],
        P["Wv"],
        P["Wo"],
        h,
    )


def test_kv_cache_decode_equals_causal_attention_on_the_whole_sequence(impl, rng, assert_close):
    # Also checked against torch.nn.MultiheadAttention(bias=False) with
    # attn_mask = ~causal: agreement to 1e-14.
    N, L, D, h = 2, 6, 8, 2
    P = _decode_params(rng, D)
    x = rng.standard_normal((N, L, D))
    got = impl.kv_cache_decode(x, P["Wq"], P["Wk"], P["Wv"], P["Wo"], h)
    causal = np.tril(np.ones((L, L), dtype=bool))
    expected, _ = _loop_mha(x, x, P, h, np.broadcast_to(causal, (N, h, L, L)))
    assert_close(
        got, expected, tol=1e-10, what="kv_cache_decode(x (2, 6, 8), h=2) vs causal MHA on all of x"
    )


def test_kv_cache_decode_grows_the_cache_one_position_per_step(impl, rng, monkeypatch):
    N, L, D, h = 2, 5, 6, 3
    P = _decode_params(rng, D)
    x = rng.standard_normal((N, L, D))
    seen = []
    original = impl.kv_cache_step

    def spy(x_t, cache, *args, **kwargs):
        before = None if cache is None else np.shape(cache["k"])[2]
        out, new = original(x_t, cache, *args, **kwargs)
        seen.append((np.array(x_t, copy=True), before, np.shape(new["k"]), np.shape(new["v"])))
        return out, new

    monkeypatch.setattr(impl, "kv_cache_step", spy)
    impl.kv_cache_decode(x, P["Wq"], P["Wk"], P["Wv"], P["Wo"], h)
    assert len(seen) == L, (
        f"kv_cache_decode(x (2, 5, 6)) called kv_cache_step {len(seen)} times, expected 5 "
        "(once per position; call this module's kv_cache_step)"
    )
    for t, (x_t, before, k_shape, v_shape) in enumerate(seen):
        assert np.array_equal(x_t, x[:, t]), (
            f"step {t} received x_t != x[:, {t}] (shape {x_t.shape})"
        )
        assert before in ((None, 0) if t == 0 else (t,)), (
            f"step {t} received a cache of {before} positions, expected {t}: pass each step's "
            "new cache to the next step"
        )
        assert k_shape == v_shape == (N, h, t + 1, D // h), (
            f"after step {t} the cache is k {k_shape}, v {v_shape}, "
            f"expected {(N, h, t + 1, D // h)}"
        )


def test_kv_cache_decode_leaves_inputs_untouched(impl, rng, call_untouched):
    P = _decode_params(rng, 4)
    call_untouched(
        impl.kv_cache_decode, rng.standard_normal((2, 3, 4)), P["Wq"], P["Wk"], P["Wv"], P["Wo"], 2
    )


# --- next_token_distribution ----------------------------------------------------------


def test_next_token_distribution_defaults_are_the_softmax(impl, rng, assert_close):
    logits = rng.standard_normal((3, 7))
    expected = [_loop_softmax(row.tolist()) for row in logits]
    assert_close(impl.next_token_distribution(logits), expected, tol=1e-12, what="defaults")


def test_next_token_distribution_temperature_divides_the_logits(impl, assert_close):
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    for T in (0.5, 2.0):
        expected = _loop_softmax([v / T for v in logits.tolist()])
        got = impl.next_token_distribution(logits, temperature=T)
        assert_close(got, expected, tol=1e-12, what=f"next_token_distribution(logits, T={T})")


def test_next_token_distribution_temperature_0_is_greedy_first_on_ties(impl, assert_close):
    logits = np.array([[0.5, 3.0, -1.0, 3.0], [1.0, 0.0, 0.0, 0.0]])
    got = impl.next_token_distribution(logits, temperature=0.0)
    assert_close(
        got, [[0, 1, 0, 0], [1, 0, 0, 0]], tol=0, what="temperature=0 (argmax, first of a tie)"
    )


def test_next_token_distribution_top_k_keeps_the_k_largest_and_boundary_ties(impl, assert_close):
    logits = np.log(np.array([0.4, 0.1, 0.3, 0.1, 0.1]))
    got = impl.next_token_distribution(logits, top_k=2)
    assert_close(got, [4 / 7, 0, 3 / 7, 0, 0], tol=1e-12, what="top_k=2 of [.4, .1, .3, .1, .1]")
    ties = impl.next_token_distribution(logits, top_k=3)  # the k-th value 0.1 is shared
    assert_close(ties, [0.4, 0.1, 0.3, 0.1, 0.1], tol=1e-12, what="top_k=3 (ties at the k-th kept)")
    for k in (0, 5, 9):
        got = impl.next_token_distribution(logits, top_k=k)
        assert_close(got, [0.4, 0.1, 0.3, 0.1, 0.1], tol=1e-12, what=f"top_k={k} (no filtering)")


def test_next_token_distribution_top_p_keeps_the_smallest_nucleus(impl, assert_close):
    probs = [0.5, 0.05, 0.3, 0.15]
    logits = np.log(np.array(probs))
    cases = {
        0.1: [1, 0, 0, 0],
        0.6: [5 / 8, 0, 3 / 8, 0],
        0.9: [0.5 / 0.95, 0, 0.3 / 0.95, 0.15 / 0.95],
    }
    for p, expected in cases.items():
        got = impl.next_token_distribution(logits, top_p=p)
        assert_close(
            got, expected, tol=1e-12, what=f"top_p={p} of {probs} (smallest set with mass >= p)"
        )


def test_next_token_distribution_top_p_1_keeps_even_a_tiny_token(impl):
    # The cumulative sum before the last token rounds to exactly 1.0 here.
    logits = np.array([0.0, 0.0, -50.0])
    got = np.asarray(impl.next_token_distribution(logits, top_p=1.0))
    assert got[2] > 0, f"top_p=1.0 removed a token of probability 1e-22: {got.tolist()}"


def test_next_token_distribution_top_p_stops_when_the_mass_reaches_p_exactly(impl):
    # Four equal logits: probabilities exactly 1/4, masses before each sorted
    # token 0, 1/4, 1/2, 3/4. With top_p = 1/2 two tokens already reach the
    # mass: the third (mass before it = 1/2, not < 1/2) is dropped. Keeping it
    # (<= instead of <) gives three tokens of 1/3.
    got = np.asarray(impl.next_token_distribution(np.zeros(4), top_p=0.5), dtype=np.float64)
    kept = np.sort(got[got > 0])
    assert kept.tolist() == [0.5, 0.5], (
        f"next_token_distribution(zeros(4), top_p=0.5) = {got.tolist()}: expected two tokens of "
        "0.5 (keep a token only while the mass strictly before it is < top_p)"
    )


def test_next_token_distribution_top_p_breaks_ties_by_index(impl, assert_close):
    # Equal probabilities 1/4; top_p = 0.3 keeps two of them: the FIRST two
    # indices (a stable descending sort). Reversing an ascending argsort keeps
    # the last two.
    got = impl.next_token_distribution(np.zeros(4), top_p=0.3)
    assert_close(
        got, [0.5, 0.5, 0.0, 0.0], tol=1e-12, what="next_token_distribution(zeros(4), top_p=0.3)"
    )


def test_next_token_distribution_filters_each_row_on_its_own(impl, assert_close):
    # Three rows with different rankings. Top-k and top-p must sort, threshold
    # and accumulate along the last axis of EACH row (np.cumsum and
    # np.partition without axis=-1 flatten or pick a row).
    probs = np.array([[0.5, 0.05, 0.3, 0.15], [0.1, 0.6, 0.1, 0.2], [0.2, 0.1, 0.3, 0.4]])
    logits = np.log(probs)
    top_k = impl.next_token_distribution(logits, top_k=2)
    expected_k = [[5 / 8, 0, 3 / 8, 0], [0, 3 / 4, 0, 1 / 4], [0, 0, 3 / 7, 4 / 7]]
    assert_close(top_k, expected_k, tol=1e-12, what=f"top_k=2 of rows {probs.tolist()}")
    # Masses before each sorted token: [0, .5, .8, .95], [0, .6, .8, .9], [0, .4, .7, .9].
    top_p = impl.next_token_distribution(logits, top_p=0.55)
    expected_p = [[5 / 8, 0, 3 / 8, 0], [0, 1, 0, 0], [0, 0, 3 / 7, 4 / 7]]
    assert_close(top_p, expected_p, tol=1e-12, what=f"top_p=0.55 of rows {probs.tolist()}")


def test_next_token_distribution_applies_temperature_before_top_p(impl, assert_close):
    # T = 1: probabilities [.6, .3, .1], whose 0.65-nucleus is 2 tokens; T = 0.5
    # squares and renormalises them to [.36, .09, .01] / .46 = [.783, .196, .022],
    # whose 0.65-nucleus is the top token alone. Top-p first, then temperature,
    # would give [.8, .2, 0].
    logits = np.log(np.array([0.6, 0.3, 0.1]))
    got = impl.next_token_distribution(logits, temperature=0.5, top_p=0.65)
    assert_close(got, [1.0, 0.0, 0.0], tol=1e-12, what="T=0.5, top_p=0.65 (temperature first)")


def test_next_token_distribution_is_stable_for_large_logits(impl, call_quietly, assert_close):
    logits = np.array([1000.0, 999.0, -1000.0])
    got = call_quietly(
        impl.next_token_distribution, logits, temperature=0.01, what="T=0.01, logits 1000"
    )
    assert_close(got, [1.0, math.exp(-100) / (1 + math.exp(-100)), 0.0], tol=1e-12, what="T=0.01")


@pytest.mark.parametrize(
    "bad", [{"temperature": -1.0}, {"top_k": -1}, {"top_p": 0.0}, {"top_p": 1.5}]
)
def test_next_token_distribution_rejects_invalid_settings(impl, bad):
    with pytest.raises(ValueError):
        impl.next_token_distribution(np.zeros(4), **bad)


def test_next_token_distribution_leaves_logits_untouched(impl, rng, call_untouched):
    call_untouched(
        impl.next_token_distribution,
        rng.standard_normal((2, 6)),
        temperature=0.7,
        top_k=4,
        top_p=0.8,
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
