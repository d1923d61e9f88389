"""Topic 16: attention, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Conventions (PyTorch's ``torch.nn.functional.scaled_dot_product_attention``):
a boolean mask with True = "may attend", scores scaled by 1 / sqrt(d) with d
the query/key width, and a query row whose keys are all masked gets weights 0
and output 0 (PyTorch's math backend since 2.5; plain softmax would give nan).
"""

from __future__ import annotations

import numbers

import numpy as np

# ---------------------------------------------------------------------------
# Checks shared by the exercises
# ---------------------------------------------------------------------------


def _positive_int(name: str, what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
    return int(value)


def _qkv(name: str, Q, K, V):
    """Q (..., Lq, d), K (..., Lk, d), V (..., Lk, dv) as float64, checked."""
    Q = np.asarray(Q, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    shapes = f"Q {Q.shape}, K {K.shape}, V {V.shape}"
    if Q.ndim < 2 or K.ndim < 2 or V.ndim < 2:
        raise ValueError(f"{name}: Q, K and V need at least 2 dimensions (..., L, d); got {shapes}")
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(f"{name}: queries and keys must have the same width d; got {shapes}")
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(f"{name}: keys and values must have the same length Lk; got {shapes}")
    try:
        batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{name}: the leading (batch) axes do not broadcast; got {shapes}"
        ) from None
    return Q, K, V, (*batch, Q.shape[-2], K.shape[-2])


def _bool_mask(name: str, mask, scores_shape):
    """The mask as a bool array that broadcasts to the scores' shape, or None."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    # A float mask is refused rather than converted: PyTorch ADDS a float mask
    # to the scores (0 keeps, -inf removes), and np.asarray(m, dtype=bool) on
    # such a mask would turn -inf into True and 0 into False: the exact inverse.
    if mask.dtype != np.bool_:
        raise TypeError(
            f"{name}: mask must be a boolean array (True = may attend), got dtype {mask.dtype}"
        )
    try:
        fits = np.broadcast_shapes(mask.shape, scores_shape) == tuple(scores_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name}: mask of shape {mask.shape} does not broadcast to the scores' shape "
            f"{tuple(scores_shape)} (..., Lq, Lk)"
        )
    return mask


def _masked_softmax(scores: np.ndarray, mask) -> np.ndarray:
    """Softmax over the last axis, masked entries 0, a fully masked row all 0."""
    if mask is not None:
        # -inf, not -1e9: exp(-inf) is exactly 0 (no warning), and a fully
        # masked row stays recognisable (its max is -inf). With -1e9 such a row
        # would become a uniform average over keys it was told not to see.
        scores = np.where(mask, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    # Shift each row by its own max (the log-sum-exp trick): every exponent is
    # <= 0, so nothing overflows, and the largest term is exactly 1. A fully
    # masked row has max -inf, and -inf - (-inf) is nan: shift it by 0 instead,
    # so its exponentials are exp(-inf) = 0 and its sum is 0.
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.exp(scores - row_max)
    total = e.sum(axis=-1, keepdims=True)
    # PyTorch's choice since 2.5 (_safe_softmax): an all-masked row gives
    # weights 0, so its output is 0 and no gradient flows through it. Dividing
    # by a 1 there leaves the zeros as they are and raises no 0/0 warning.
    return e / np.where(total > 0.0, total, 1.0)


def _sum_to_shape(grad: np.ndarray, shape) -> np.ndarray:
    """Undo broadcasting: sum grad over the axes that were broadcast to reach it."""
    # Forward broadcast, backward sum: a K of shape (N, 1, Lk, d) shared by h
    # heads (multi-query attention) collects the gradient of every head.
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


# ---------------------------------------------------------------------------
# Scaled dot-product attention
# ---------------------------------------------------------------------------


def scaled_dot_product_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask=None):
    """softmax(Q K^T / sqrt(d), masked) V, and the attention weights."""
    Q, K, V, scores_shape = _qkv("scaled_dot_product_attention", Q, K, V)
    mask = _bool_mask("scaled_dot_product_attention", mask, scores_shape)
    d = Q.shape[-1]
    # K^T means swapping the LAST two axes (swapaxes), not K.T, which would
    # reverse every axis of a batched array. The scale is 1/sqrt(d) with d the
    # key width; dv (the value width) plays no part in it.
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    weights = _masked_softmax(scores, mask)
    return weights @ V, weights


def attention_forward(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask=None):
    """Scaled dot-product attention as a layer: (out, cache)."""
    Q, K, V, scores_shape = _qkv("attention_forward", Q, K, V)
    mask = _bool_mask("attention_forward", mask, scores_shape)
    scale = 1.0 / np.sqrt(Q.shape[-1])
    weights = _masked_softmax(Q @ np.swapaxes(K, -1, -2) * scale, mask)
    out = weights @ V
    # The weights are the only intermediate the backward needs (the scores
    # are not: the softmax's Jacobian is written with its output). They are
    # also the O(L^2) memory that memory-efficient attention refuses to keep.
    return out, (Q, K, V, weights, scale)


def attention_backward(dout: np.ndarray, cache):
    """Gradients of attention_forward with respect to Q, K and V."""
    Q, K, V, P, scale = cache
    dout = np.asarray(dout, dtype=np.float64)
    out_shape = (*P.shape[:-1], V.shape[-1])
    if dout.shape != out_shape:
        raise ValueError(
            f"attention_backward: dout has shape {dout.shape}, expected the output's shape "
            f"{out_shape}"
        )
    # out = P V:  dV = P^T dout, dP = dout V^T (the affine-layer rules).
    dV = np.swapaxes(P, -1, -2) @ dout
    dP = dout @ np.swapaxes(V, -1, -2)
    # Through the row softmax (Jacobian diag(p) - p p^T, applied row by row):
    #   dS = P * (dP - sum_j(dP * P))
    # Common mistake: forgetting the subtracted row sum (treating softmax as
    # element-wise), which passes only with dout = ones. Masked entries have
    # P = 0, so they get dS = 0, and a fully masked row gets 0 throughout.
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    # S = scale * Q K^T: the scale multiplies both gradients.
    dQ = scale * dS @ K
    dK = scale * np.swapaxes(dS, -1, -2) @ Q
    # Inputs that were broadcast over batch or head axes sum their gradients.
    return _sum_to_shape(dQ, Q.shape), _sum_to_shape(dK, K.shape), _sum_to_shape(dV, V.shape)


# ---------------------------------------------------------------------------
# Masks
# ---------------------------------------------------------------------------


def causal_mask(L: int) -> np.ndarray:
    """(L, L) bool, True where key j <= query i (lower triangle with the diagonal)."""
    L = _positive_int("causal_mask", "L", L)
    # Position i may see itself: excluding the diagonal (k=-1) would leave the
    # first query with nothing at all to attend to.
    return np.tril(np.ones((L, L), dtype=bool))


def padding_mask(lengths, L: int) -> np.ndarray:
    """(N, 1, L) bool, True on each sequence's first lengths[n] (real) positions."""
    L = _positive_int("padding_mask", "L", L)
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(
            f"padding_mask: lengths must be a 1-D integer array (N,), got shape {lengths.shape} "
            f"and dtype {lengths.dtype}"
        )
    if np.any((lengths < 0) | (lengths > L)):
        raise ValueError(f"padding_mask: every length must lie in [0, {L}], got {lengths}")
    # The mask is over KEYS: every query may look at the real tokens of its
    # own sequence. The middle axis of size 1 broadcasts over the queries.
    return (np.arange(L) < lengths[:, None])[:, None, :]


# ---------------------------------------------------------------------------
# Additive (Bahdanau) attention
# ---------------------------------------------------------------------------


def additive_attention(query, keys, values, Wq, Wk, v):
    """Bahdanau attention: scores v^T tanh(query Wq + key Wk), softmax over positions."""
    query = np.asarray(query, dtype=np.float64)
    keys = np.asarray(keys, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    Wq = np.asarray(Wq, dtype=np.float64)
    Wk = np.asarray(Wk, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    ok = (
        query.ndim == 2
        and keys.ndim == 3
        and values.ndim == 3
        and Wq.ndim == 2
        and Wk.ndim == 2
        and v.ndim == 1
        and keys.shape[0] == query.shape[0] == values.shape[0]
        and keys.shape[1] == values.shape[1]
        and Wq.shape == (query.shape[1], v.shape[0])
        and Wk.shape == (keys.shape[2], v.shape[0])
    )
    if not ok:
        raise ValueError(
            "additive_attention: expected query (N, dq), keys (N, L, dk), values (N, L, dv), "
            f"Wq (dq, A), Wk (dk, A), v (A,); got query {query.shape}, keys {keys.shape}, "
            f"values {values.shape}, Wq {Wq.shape}, Wk {Wk.shape}, v {v.shape}"
        )
    # The query's projection (N, A) is added to every position's key
    # projection (N, L, A): the [:, None, :] broadcast over L. Projecting the
    # keys once per sequence (not once per decoder step) is Bahdanau's trick.
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)  # (N, L, A)
    scores = hidden @ v  # (N, L)
    # |score| <= ||v||_1, but a large v still overflows exp: shift anyway.
    weights = _masked_softmax(scores, None)
    context = np.einsum("nl,nld->nd", weights, values)
    return context, weights


# ---------------------------------------------------------------------------
# Why 1 / sqrt(d)
# ---------------------------------------------------------------------------


def dot_product_variance_demo(d: int, n: int, rng: np.random.Generator):
    """Empirical Var(q . k) for q, k ~ N(0, I_d), unscaled and scaled by 1/sqrt(d)."""
    d = _positive_int("dot_product_variance_demo", "d", d)
    n = _positive_int("dot_product_variance_demo", "n", n)
    if n < 2:
        raise ValueError(f"dot_product_variance_demo: n must be at least 2, got {n}")
    # n independent PAIRS: a fresh q and a fresh k for every sample. Reusing
    # one q for all samples measures ||q||^2 (a chi-square draw), not d; using
    # k = q measures the variance of ||q||^2, which is 2d.
    q = rng.standard_normal((n, d))
    k = rng.standard_normal((n, d))
    dots = np.einsum("nd,nd->n", q, k)
    # Var(q.k) = sum_i Var(q_i k_i) = d * E[q^2] E[k^2] = d; dividing by
    # sqrt(d) divides the variance by d. Both from the same draws, so their
    # ratio is d up to rounding.
    return float(np.var(dots)), float(np.var(dots / np.sqrt(d)))


# ---------------------------------------------------------------------------
# Extra exercises: tiled (online-softmax) attention, grouped-query attention
# ---------------------------------------------------------------------------


def online_softmax_attention(Q, K, V, block_size: int, mask=None) -> np.ndarray:
    """Scaled dot-product attention computed one block of keys at a time."""
    Q, K, V, scores_shape = _qkv("online_softmax_attention", Q, K, V)
    block_size = _positive_int("online_softmax_attention", "block_size", block_size)
    mask = _bool_mask("online_softmax_attention", mask, scores_shape)
    if mask is not None:
        mask = np.broadcast_to(mask, scores_shape)  # a view: slicing it copies nothing
    batch, Lq, Lk = scores_shape[:-2], scores_shape[-2], scores_shape[-1]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    # Running state per query row: the max m seen so far, the sum row_sum of
    # exp(score - m), and the unnormalised output acc = sum exp(score - m) v.
    m = np.full((*batch, Lq, 1), -np.inf)
    row_sum = np.zeros((*batch, Lq, 1))
    acc = np.zeros((*batch, Lq, V.shape[-1]))
    for start in range(0, Lk, block_size):
        stop = min(start + block_size, Lk)  # the last block may be shorter
        S = Q @ np.swapaxes(K[..., start:stop, :], -1, -2) * scale  # (..., Lq, B)
        if mask is not None:
            S = np.where(mask[..., start:stop], S, -np.inf)
        m_new = np.maximum(m, S.max(axis=-1, keepdims=True))
        # A row that has seen only masked keys so far still has m_new = -inf:
        # shift by 0 there, so that exp sees -inf - 0 (= 0), never -inf + inf.
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        # Rescale what was accumulated under the old max to the new one:
        # exp(m - m_new) <= 1. Forgetting this factor is THE classic mistake:
        # the result is right only when the max never grows after block 1.
        alpha = np.exp(m - shift)
        p = np.exp(S - shift)
        row_sum = alpha * row_sum + p.sum(axis=-1, keepdims=True)
        acc = alpha * acc + p @ V[..., start:stop, :]
        m = m_new
    # Normalise once at the end; a fully masked row has row_sum = 0 and acc = 0.
    return acc / np.where(row_sum > 0.0, row_sum, 1.0)


def grouped_query_attention(Q, K, V, mask=None):
    """Attention with h query heads sharing g key/value heads (h divisible by g)."""
    Q = np.asarray(Q, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if Q.ndim < 3 or K.ndim != Q.ndim or V.ndim != Q.ndim:
        raise ValueError(
            "grouped_query_attention: expected Q (..., h, Lq, d), K (..., g, Lk, d), "
            f"V (..., g, Lk, dv) with the same number of axes; got Q {Q.shape}, K {K.shape}, "
            f"V {V.shape}"
        )
    h, g = Q.shape[-3], K.shape[-3]
    if V.shape[-3] != g or h % g != 0:
        raise ValueError(
            "grouped_query_attention: K and V need the same number of heads g, and the query "
            f"heads h must be a multiple of g; got Q {Q.shape}, K {K.shape}, V {V.shape}"
        )
    if Q.shape[-1] != K.shape[-1] or K.shape[-2] != V.shape[-2]:
        raise ValueError(
            "grouped_query_attention: Q and K need the same width d, K and V the same length "
            f"Lk; got Q {Q.shape}, K {K.shape}, V {V.shape}"
        )
    r = h // g
    # Query head i uses key/value head i // r (PyTorch's enable_gqa=True, i.e.
    # K.repeat_interleave(r, dim=-3)): heads 0..r-1 share group 0, and so on.
    # Tiling (head i uses group i % g) is the classic mistake. Splitting the
    # head axis into (g, r) and giving K and V an axis of size 1 there shares
    # each group's keys by broadcasting, with no copy: the memory saving that
    # is the point of GQA.
    Qg = Q.reshape(*Q.shape[:-3], g, r, *Q.shape[-2:])
    Kg = K[..., :, None, :, :]
    Vg = V[..., :, None, :, :]
    scores_shape = (*np.broadcast_shapes(Q.shape[:-3], K.shape[:-3]), h, Q.shape[-2], K.shape[-2])
    if mask is not None:
        mask = _bool_mask("grouped_query_attention", mask, scores_shape)
        mask = np.broadcast_to(mask, scores_shape)
        mask = mask.reshape(*scores_shape[:-3], g, r, *scores_shape[-2:])
    out, weights = scaled_dot_product_attention(Qg, Kg, Vg, mask)
    out = out.reshape(*out.shape[:-4], h, *out.shape[-2:])
    weights = weights.reshape(*weights.shape[:-4], h, *weights.shape[-2:])
    return out, weights


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
