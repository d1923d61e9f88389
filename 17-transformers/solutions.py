"""Topic 17: transformers, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Conventions (the same as in exercises.py): weights act as ``x @ W + b`` with
``W`` of shape (D_in, D_out), the transpose of a ``torch.nn.Linear.weight``;
a boolean attention mask is True where a query MAY attend to a key (the
convention of ``torch.nn.functional.scaled_dot_product_attention``, the
opposite of ``torch.nn.MultiheadAttention``'s boolean ``attn_mask``).
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------
# Given helpers (identical in exercises.py): not exercises
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
# Heads
# ---------------------------------------------------------------------------


def split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """(N, L, D) -> (N, h, L, D // h): head j gets features j*dh .. (j+1)*dh - 1."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"split_heads: x must be (N, L, D), got shape {x.shape}")
    N, L, D = x.shape
    if n_heads <= 0 or D % n_heads:
        raise ValueError(
            f"split_heads: D = {D} (x {x.shape}) is not divisible by n_heads = {n_heads}"
        )
    # reshape splits the feature axis into (h, dh) -- contiguous blocks, the
    # layout torch.nn.MultiheadAttention uses -- then the head axis moves in
    # front of L so that the last two axes are one head's (L, dh) matrix.
    # Common mistake: x.reshape(N, h, L, dh) with no transpose. The shape is
    # right, the content is not: it cuts the sequence, not the features.
    return x.reshape(N, L, n_heads, D // n_heads).transpose(0, 2, 1, 3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """(N, h, L, d) -> (N, L, h * d): the inverse of split_heads."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"merge_heads: x must be (N, h, L, d), got shape {x.shape}")
    N, h, L, d = x.shape
    # Transpose back first, then reshape: the transpose makes the array
    # non-contiguous, so reshape copies, which is what we want.
    return x.transpose(0, 2, 1, 3).reshape(N, L, h * d)


# ---------------------------------------------------------------------------
# Multi-head attention
# ---------------------------------------------------------------------------


def _broadcast_mask(mask, N: int, h: int, Lq: int, Lk: int) -> np.ndarray:
    """A boolean mask as (N or 1, h or 1, Lq or 1, Lk or 1), or ValueError."""
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise ValueError(
            f"mask must be boolean (True = may attend), got dtype {mask.dtype} and shape "
            f"{mask.shape}; for a 0/1 array pass mask.astype(bool)"
        )
    target = (N, h, Lq, Lk)
    if mask.ndim == 3:
        mask = mask[:, None]  # (N, Lq or 1, Lk): the same for every head
    if mask.ndim not in (2, 4) or any(
        m not in (1, t) for m, t in zip(mask.shape[::-1], target[::-1], strict=False)
    ):
        raise ValueError(
            f"mask of shape {np.shape(mask)} does not broadcast to (N, h, Lq, Lk) = {target}: "
            "use (Lq, Lk), (N, Lq, Lk), (N, 1, Lk) or (N, h or 1, Lq, Lk)"
        )
    return mask


def _masked_softmax(scores: np.ndarray, mask) -> np.ndarray:
    """Softmax over the last axis restricted to mask; all-masked rows give zeros."""
    if mask is None:
        shifted = scores - scores.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)
    mask = np.broadcast_to(mask, scores.shape)
    masked = np.where(mask, scores, -np.inf)
    row_max = masked.max(axis=-1, keepdims=True)
    # A row with no allowed key has max -inf; -inf - (-inf) would be nan.
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.exp(masked - row_max)  # exp(-inf) = 0, no warning
    total = e.sum(axis=-1, keepdims=True)
    # All-masked row: 0 / 1 = 0 weights (torch.nn.functional.
    # scaled_dot_product_attention returns 0 there; nn.MultiheadAttention nan).
    return e / np.where(total > 0, total, 1.0)


def _check_weights(D: int, **arrays) -> None:
    for name, value in arrays.items():
        want = (D, D) if name.startswith("W") else (D,)
        if np.shape(value) != want:
            raise ValueError(
                f"multi_head_attention: {name} has shape {np.shape(value)}, expected {want} "
                f"for D = {D}"
            )


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
    """Multi-head attention; returns (out (N, Lq, D), per-head weights (N, h, Lq, Lk))."""
    x_q = np.asarray(x_q, dtype=np.float64)
    x_kv = np.asarray(x_kv, dtype=np.float64)
    if (
        x_q.ndim != 3
        or x_kv.ndim != 3
        or x_q.shape[0] != x_kv.shape[0]
        or (x_q.shape[2] != x_kv.shape[2])
    ):
        raise ValueError(
            f"multi_head_attention: x_q {x_q.shape} and x_kv {x_kv.shape} must be (N, Lq, D) "
            "and (N, Lk, D) with the same N and D"
        )
    N, Lq, D = x_q.shape
    Lk = x_kv.shape[1]
    if n_heads <= 0 or D % n_heads:
        raise ValueError(f"multi_head_attention: D = {D} is not divisible by n_heads = {n_heads}")
    _check_weights(D, Wq=Wq, Wk=Wk, Wv=Wv, Wo=Wo, bq=bq, bk=bk, bv=bv, bo=bo)
    dh = D // n_heads

    # One (D, D) projection each, then a split into h heads of dh features:
    # the same as h separate (D, dh) projections, done as one big matmul.
    Q = split_heads(x_q @ Wq + bq, n_heads)  # (N, h, Lq, dh)
    K = split_heads(x_kv @ Wk + bk, n_heads)  # (N, h, Lk, dh)
    V = split_heads(x_kv @ Wv + bv, n_heads)  # (N, h, Lk, dh)

    # Scale by sqrt(dh), the dimension of the vectors in each dot product.
    # Common mistake: sqrt(D); the scores are then sqrt(h) times too small and
    # the softmax too flat. (Another: K.T, which reverses every axis.)
    scores = Q @ K.swapaxes(-1, -2) / math.sqrt(dh)  # (N, h, Lq, Lk)
    if mask is not None:
        mask = _broadcast_mask(mask, N, n_heads, Lq, Lk)
    weights = _masked_softmax(scores, mask)  # each row sums to 1 (or is all 0)
    context = merge_heads(weights @ V)  # (N, h, Lq, dh) -> (N, Lq, D)
    # The output projection mixes the heads: without it each head's features
    # would stay in their own dh-wide slot of the residual stream.
    out = context @ Wo + bo
    # Per-head weights: torch's default (average_attn_weights=True) is
    # weights.mean(axis=1), shape (N, Lq, Lk).
    return out, weights


# ---------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------


def sinusoidal_positional_encoding(L: int, D: int) -> np.ndarray:
    """PE[p, 2i] = sin(p / 10000^(2i/D)), PE[p, 2i+1] = cos(same angle); (L, D)."""
    if L < 0 or D <= 0:
        raise ValueError(f"sinusoidal_positional_encoding: need L >= 0 and D > 0, got {L}, {D}")
    positions = np.arange(L, dtype=np.float64)[:, None]  # (L, 1)
    # Column j belongs to pair i = j // 2, whose exponent is 2i / D: both the
    # sin column 2i and the cos column 2i + 1 share one frequency.
    # Common mistake: exponent j / D (a different frequency for the cos
    # column), or sin in the first half and cos in the second (a valid
    # encoding, but not this one: the pairs are interleaved).
    pair = np.arange(D) // 2
    inv_freq = 1.0 / 10000.0 ** (2.0 * pair / D)  # (D,)
    angles = positions * inv_freq  # (L, D)
    # np.where on the column parity: for odd D the last column is a sin with
    # no cos partner.
    return np.where(np.arange(D) % 2 == 0, np.sin(angles), np.cos(angles))


def rope(x: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Rotary position embedding of (..., L, D) in the half-split layout."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[-1] % 2:
        raise ValueError(f"rope: x must be (..., L, D) with D even, got shape {x.shape}")
    L, D = x.shape[-2:]
    half = D // 2
    # Frequencies theta_i = base^(-2i/D), i = 0 .. D/2 - 1: pair i is features
    # (i, i + D/2) in the half-split layout (Llama, GPT-NeoX), not (2i, 2i+1)
    # as in the RoFormer paper and GPT-J. The two layouts are a fixed
    # permutation of the features apart, but weights trained with one are
    # wrong with the other.
    inv_freq = 1.0 / base ** (np.arange(0, D, 2, dtype=np.float64) / D)  # (D/2,)
    angles = np.arange(L, dtype=np.float64)[:, None] * inv_freq  # (L, D/2)
    angles = np.concatenate([angles, angles], axis=-1)  # (L, D)
    # rotate_half: (x1, x2) -> (-x2, x1); then x cos + rotate_half(x) sin is,
    # for each pair, the 2-D rotation [[cos, -sin], [sin, cos]] @ (x1, x2).
    # Common mistakes: (x2, -x1) (rotating by -angle), positions from 1
    # (position 0 must be left unchanged), and exponent i/D instead of 2i/D.
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * np.cos(angles) + rotated * np.sin(angles)


# ---------------------------------------------------------------------------
# The block
# ---------------------------------------------------------------------------


def feed_forward(x, W1, b1, W2, b2, activation: str = "gelu") -> np.ndarray:
    """Position-wise FFN: act(x @ W1 + b1) @ W2 + b2 on the last axis of x (..., D)."""
    x = np.asarray(x, dtype=np.float64)
    if (
        np.ndim(W1) != 2
        or np.ndim(W2) != 2
        or x.shape[-1] != np.shape(W1)[0]
        or np.shape(b1) != (np.shape(W1)[1],)
        or np.shape(W2)[0] != np.shape(W1)[1]
        or np.shape(b2) != (np.shape(W2)[1],)
    ):
        raise ValueError(
            f"feed_forward: x {x.shape}, W1 {np.shape(W1)}, b1 {np.shape(b1)}, W2 {np.shape(W2)}, "
            f"b2 {np.shape(b2)} do not fit (..., D) @ (D, F) + (F,) then @ (F, M) + (M,)"
        )
    hidden = x @ W1 + b1  # (..., F): typically F = 4 D
    if activation == "gelu":
        # Exact GELU (torch's TransformerEncoderLayer(activation="gelu")), not
        # the tanh approximation GPT-2 used: they differ by up to ~5e-4.
        hidden = gelu(hidden)
    elif activation == "relu":
        hidden = np.maximum(hidden, 0.0)
    else:
        raise ValueError(f"feed_forward: activation must be 'gelu' or 'relu', got {activation!r}")
    # No activation after the second layer: the FFN's output is added to the
    # residual stream, which must be able to move in both directions.
    return hidden @ W2 + b2


def transformer_block(x, params: dict, n_heads: int, mask=None, pre_norm: bool = True):
    """One encoder/decoder block (self-attention + FFN, residuals, LayerNorm); (N, L, D)."""
    x = np.asarray(x, dtype=np.float64)
    p = params

    def attend(h):
        out, _ = multi_head_attention(
            h, h, p["Wq"], p["Wk"], p["Wv"], p["Wo"], p["bq"], p["bk"], p["bv"], p["bo"],
            n_heads, mask,
        )  # fmt: skip
        return out

    def ffn(h):
        return feed_forward(h, p["W1"], p["b1"], p["W2"], p["b2"], activation="gelu")

    if pre_norm:
        # Pre-norm (GPT-2 and nearly every LLM): each sublayer reads a
        # normalised copy, and the residual stream x itself is never
        # normalised, so the identity path from the loss to the embeddings is
        # a clean sum of terms.
        h = x + attend(layer_norm(x, p["ln1_gamma"], p["ln1_beta"]))
        return h + ffn(layer_norm(h, p["ln2_gamma"], p["ln2_beta"]))
    # Post-norm (the 2017 Transformer, BERT): normalise after each residual
    # add. Common mistake: LN applied to the sublayer output alone,
    # x + LN(MHA(x)), which is neither variant.
    h = layer_norm(x + attend(x), p["ln1_gamma"], p["ln1_beta"])
    return layer_norm(h + ffn(h), p["ln2_gamma"], p["ln2_beta"])


# ---------------------------------------------------------------------------
# Counting: parameters, FLOPs, KV-cache memory
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
    """Parameters of a GPT-2-style decoder (weights, biases, LayerNorms, embeddings)."""
    if d_model % n_heads:
        raise ValueError(f"d_model = {d_model} is not divisible by n_heads = {n_heads}")
    d = d_model
    # Python ints throughout: exact for any size (no float rounding).
    attention = 4 * d * d + 4 * d  # Wq, Wk, Wv, Wo (D, D) and their biases
    ffn = d * d_ff + d_ff + d_ff * d + d  # W1 (D, F), b1, W2 (F, D), b2
    norms = 2 * 2 * d  # ln1 and ln2, gamma and beta each
    per_layer = attention + ffn + norms  # = 12 d^2 + 13 d when d_ff = 4 d
    embeddings = vocab * d + max_len * d  # token and learned position tables
    final_norm = 2 * d  # GPT-2's ln_f
    # The output head reuses the token embedding when tied (W_out = E^T); an
    # untied head adds vocab x d weights, no bias. Common mistakes: counting
    # the tied head twice, forgetting the final LayerNorm or the biases.
    head = 0 if tied_embeddings else vocab * d
    # n_heads does not appear: h heads of d/h features use the same (D, D)
    # matrices as one head of D features.
    return int(n_layers * per_layer + embeddings + final_norm + head)


def forward_flops_per_token(n_params: int, n_layers: int, context_len: int, d_model: int) -> int:
    """Kaplan et al. (2020): 2 N + 2 n_layers n_ctx d_model FLOPs per token, forward."""
    # 2 N: every weight does one multiply and one add per token. The second
    # term is the attention scores q.k against n_ctx keys in every layer
    # (Kaplan count QK^T only; the weights @ V product costs as much again).
    # int(...) of each input keeps the arithmetic exact for any size.
    return 2 * int(n_params) + 2 * int(n_layers) * int(context_len) * int(d_model)


def kv_cache_bytes(
    n_layers: int,
    n_kv_heads: int,
    head_dim: int,
    seq_len: int,
    batch_size: int = 1,
    bytes_per_value: int = 2,
) -> int:
    """Memory of a KV cache: 2 (K and V) x layers x kv-heads x head_dim x tokens x bytes."""
    # Factor 2 for keys AND values. Grouped-query attention shrinks n_kv_heads
    # (Llama-2-70B: 8 KV heads for 64 query heads), multi-query to 1.
    return 2 * n_layers * n_kv_heads * head_dim * seq_len * batch_size * bytes_per_value


# ---------------------------------------------------------------------------
# Decoding with a KV cache
# ---------------------------------------------------------------------------


def kv_cache_step(x_t, cache, Wq, Wk, Wv, Wo, n_heads: int):
    """One decoding step: x_t (N, D) attends to the cache plus itself; (out_t, new_cache)."""
    x_t = np.asarray(x_t, dtype=np.float64)
    if x_t.ndim != 2 or np.shape(Wq) != (x_t.shape[1],) * 2:
        raise ValueError(
            f"kv_cache_step: x_t {x_t.shape} must be (N, D) with Wq (D, D), got Wq {np.shape(Wq)}"
        )
    D = x_t.shape[1]
    if D % n_heads:
        raise ValueError(f"kv_cache_step: D = {D} is not divisible by n_heads = {n_heads}")
    dh = D // n_heads
    step = x_t[:, None, :]  # (N, 1, D): a sequence of length one
    q = split_heads(step @ Wq, n_heads)  # (N, h, 1, dh)
    k_new = split_heads(step @ Wk, n_heads)
    v_new = split_heads(step @ Wv, n_heads)
    if cache is None:
        K, V = k_new, v_new
    else:
        # np.concatenate builds new arrays: the caller's cache is untouched.
        # (Production code preallocates (N, h, L_max, dh) and writes slot t
        # in place, which avoids this O(t) copy per step.)
        K = np.concatenate([cache["k"], k_new], axis=2)  # (N, h, t + 1, dh)
        V = np.concatenate([cache["v"], v_new], axis=2)
    # No mask: the cache holds only earlier positions, so "causal" is built
    # into what is stored. The new query attends to all t + 1 keys.
    scores = q @ K.swapaxes(-1, -2) / math.sqrt(dh)  # (N, h, 1, t + 1)
    weights = _masked_softmax(scores, None)
    out = merge_heads(weights @ V)[:, 0, :] @ Wo  # (N, D)
    return out, {"k": K, "v": V}


def kv_cache_decode(x, Wq, Wk, Wv, Wo, n_heads: int) -> np.ndarray:
    """Feed x (N, L, D) one position at a time through kv_cache_step; (N, L, D)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"kv_cache_decode: x must be (N, L, D), got shape {x.shape}")
    N, L, D = x.shape
    out = np.empty((N, L, D))
    cache = None
    for t in range(L):
        # Each step projects ONE new token (O(D^2) work) and reads the whole
        # cache (O(t D) work, O(t D) bytes): the cost per token grows with t
        # only through attention, not through recomputing old keys/values.
        out[:, t], cache = kv_cache_step(x[:, t], cache, Wq, Wk, Wv, Wo, n_heads)
    return out


# ---------------------------------------------------------------------------
# Sampling the next token
# ---------------------------------------------------------------------------


def next_token_distribution(
    logits: np.ndarray, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0
) -> np.ndarray:
    """The distribution a sampler draws from: temperature, then top-k, then top-p."""
    logits = np.asarray(logits, dtype=np.float64)
    if temperature < 0 or top_k < 0 or not 0.0 < top_p <= 1.0:
        raise ValueError(
            f"need temperature >= 0, top_k >= 0 and 0 < top_p <= 1, got temperature="
            f"{temperature}, top_k={top_k}, top_p={top_p}"
        )
    V = logits.shape[-1]
    if temperature == 0:
        # The limit T -> 0 of softmax(z / T): all mass on the argmax (greedy
        # decoding). Ties go to the first index, as np.argmax / torch.argmax.
        return (np.arange(V) == logits.argmax(axis=-1)[..., None]).astype(np.float64)
    z = logits / temperature
    if 0 < top_k < V:
        # Keep every logit >= the k-th largest: ties at the boundary are all
        # kept (Hugging Face's TopKLogitsWarper).
        kth = np.sort(z, axis=-1)[..., V - top_k, None]
        z = np.where(z >= kth, z, -np.inf)
    probs = _masked_softmax(z, np.isfinite(z))
    if top_p < 1.0:
        # Nucleus: the smallest set of most probable tokens whose mass reaches
        # top_p. Sort descending (stable: equal probabilities keep index
        # order); keep a token when the mass strictly before it is < top_p, so
        # the most probable token is always kept. top_p = 1 skips the filter:
        # a rounded cumulative sum can reach 1.0 before the last, tiny token.
        order = np.argsort(-probs, axis=-1, kind="stable")
        sorted_p = np.take_along_axis(probs, order, axis=-1)
        before = np.cumsum(sorted_p, axis=-1) - sorted_p
        keep_sorted = before < top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        probs = np.where(keep, probs, 0.0)
        probs = probs / probs.sum(axis=-1, keepdims=True)
    return probs


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
