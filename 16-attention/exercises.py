"""Topic 16: attention.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file (PyTorch's
``torch.nn.functional.scaled_dot_product_attention``):

* Q ``(..., Lq, d)``, K ``(..., Lk, d)``, V ``(..., Lk, dv)``; the leading
  (batch, head) axes broadcast against each other as in ``np.matmul``;
* scores are ``Q K^T / sqrt(d)``, with d the query/key width (never dv);
* a mask is a BOOLEAN array broadcastable to the scores' shape
  ``(..., Lq, Lk)``, True meaning "this query may attend to this key";
* a query row whose keys are ALL masked gets weights 0 and output 0 (what
  PyTorch's scaled_dot_product_attention returns since version 2.5, with no
  nan and no warning);
* a shape mismatch raises ``ValueError`` naming the shapes; a non-boolean
  mask raises ``TypeError``;
* nothing may overflow, return nan or warn for large, widely spread scores:
  the tests run with RuntimeWarning turned into an error.

Suggested order: causal_mask, padding_mask, scaled_dot_product_attention,
attention_forward, attention_backward, additive_attention,
dot_product_variance_demo, then the two extras online_softmax_attention and
grouped_query_attention.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def scaled_dot_product_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask=None):
    """Scaled dot-product attention and its weights.

        S = Q K^T / sqrt(d)                          (..., Lq, Lk)
        S_ij = -inf where mask_ij is False
        P = softmax(S) over the last axis (keys)     (..., Lq, Lk)
        out = P V                                    (..., Lq, dv)

    Matches torch.nn.functional.scaled_dot_product_attention(Q, K, V,
    attn_mask=mask) for a boolean mask (PyTorch returns out only).

    Args:
        Q: (..., Lq, d) queries.
        K: (..., Lk, d) keys.
        V: (..., Lk, dv) values (dv may differ from d).
        mask: None, or a bool array broadcastable to (..., Lq, Lk); True = may
            attend. E.g. causal_mask(L) (L, L), padding_mask(lengths, L)
            (N, 1, L) against (N, Lq, Lk) scores, or mask[:, None] for heads.

    Returns:
        (out, weights): out (..., Lq, dv) and weights (..., Lq, Lk), where
        "..." is the broadcast of the leading axes of Q, K and V. Each weight
        row sums to 1 over its allowed keys and is 0 on masked keys; a row with
        no allowed key is all 0, and so is its output row.

    Raises:
        ValueError: naming the shapes, if Q and K differ in d, K and V differ
            in Lk, the leading axes do not broadcast, or the mask does not
            broadcast to (..., Lq, Lk).
        TypeError: if the mask is not boolean (a float mask would be ADDED to
            the scores by PyTorch; converting one with astype(bool) inverts it).

    Hint: transpose the last two axes with np.swapaxes(K, -1, -2) (K.T reverses
    every axis). Softmax: replace masked scores by -np.inf, subtract each row's
    max (a row of all -inf has max -inf: subtract 0 there instead, since
    -inf - -inf is nan), exponentiate, and divide by the row sum where it is
    positive. Filling with -1e9 instead of -inf turns a fully masked row into
    a uniform average over keys it must not see.
    """
    raise NotImplementedError


def attention_forward(Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask=None):
    """Scaled dot-product attention as a layer: the forward half.

    The same computation as scaled_dot_product_attention (shapes, mask,
    errors), returning what the backward pass needs instead of the weights.

    Args:
        Q: (..., Lq, d); K: (..., Lk, d); V: (..., Lk, dv).
        mask: None or a bool array broadcastable to (..., Lq, Lk).

    Returns:
        (out, cache): out (..., Lq, dv); cache is whatever attention_backward
        reads (for example (Q, K, V, weights, scale)).

    Hint: keep the softmax OUTPUT P in the cache: the softmax's backward is
    written with P alone, and masked entries (P = 0) then need no mask.
    """
    raise NotImplementedError


def attention_backward(dout: np.ndarray, cache):
    """Backward pass of attention_forward: gradients with respect to Q, K, V.

    With S = s Q K^T (s = 1 / sqrt(d)), P = softmax(S) row by row, out = P V:

        dV = P^T dout                               (..., Lk, dv)
        dP = dout V^T                               (..., Lq, Lk)
        dS = P * (dP - rowsum(dP * P))              (softmax backward, row by row)
        dQ = s dS K                                 (..., Lq, d)
        dK = s dS^T Q                               (..., Lk, d)

    Masked entries have P = 0, hence dS = 0; a fully masked row passes no
    gradient at all (as in PyTorch).

    Args:
        dout: (..., Lq, dv) upstream gradient, the output's shape.
        cache: from attention_forward.

    Returns:
        (dQ, dK, dV) with the shapes of Q, K and V as given to the forward
        pass. If an input was broadcast (K of shape (N, 1, Lk, d) shared by h
        heads, as in multi-query attention), its gradient is summed over the
        broadcast axes back to its own shape.

    Raises:
        ValueError: naming both shapes, if dout does not have the output's shape.

    Hint: "transpose" means np.swapaxes(x, -1, -2). The row sum term is what
    makes the softmax backward more than an element-wise product; forgetting
    it passes only with dout = ones. To undo a broadcast, sum the gradient
    over the axes where the input had size 1 (keepdims=True) and over any
    extra leading axes.
    """
    raise NotImplementedError


def causal_mask(L: int) -> np.ndarray:
    """The causal (autoregressive) mask: query i may attend to keys j <= i.

        mask[i, j] = (j <= i)     lower triangle, diagonal included

    This is torch.ones(L, L, dtype=torch.bool).tril(), what PyTorch's
    is_causal=True uses for square attention.

    Args:
        L: sequence length, a positive integer.

    Returns:
        ndarray (L, L) of dtype bool. causal_mask(1) is [[True]].

    Raises:
        ValueError: if L is not a positive integer.

    Hint: np.tril of a boolean array of ones (np.tri gives floats).
    """
    raise NotImplementedError


def padding_mask(lengths, L: int) -> np.ndarray:
    """Key-padding mask for a batch of right-padded sequences.

        mask[n, 0, j] = (j < lengths[n])     True on the real tokens

    The middle axis of size 1 broadcasts over the queries, so the mask fits
    scores (N, Lq, Lk) with Lk = L; for (N, h, Lq, Lk) use mask[:, None].
    Combine with a causal mask by &: padding_mask(lengths, L) & causal_mask(L)
    has shape (N, L, L).

    Args:
        lengths: (N,) integers in [0, L]. Length L: nothing padded (all True).
            Length 0 is allowed (an empty sequence): its row is all False, so
            every query of that sequence is fully masked and attention returns
            0 for it.
        L: the padded length, a positive integer.

    Returns:
        ndarray (N, 1, L) of dtype bool.

    Raises:
        ValueError: if L is not a positive integer, lengths is not a 1-D
            integer array, or a length lies outside [0, L].

    Hint: compare np.arange(L) with lengths[:, None], then add the middle axis.
    """
    raise NotImplementedError


def additive_attention(query, keys, values, Wq, Wk, v):
    """Additive (Bahdanau) attention of one query per sequence.

        e_nl = v^T tanh(query_n Wq + keys_nl Wk)     (N, L) scores
        a_n  = softmax(e_n) over the L positions     (N, L) weights
        c_n  = sum_l a_nl values_nl                  (N, dv) context

    Args:
        query: (N, dq), e.g. the decoder's previous hidden state.
        keys: (N, L, dk), e.g. the encoder's hidden states.
        values: (N, L, dv) (in Bahdanau et al. the keys themselves).
        Wq: (dq, A); Wk: (dk, A); v: (A,), A the attention width.

    Returns:
        (context, weights): context (N, dv), weights (N, L), each row summing to 1.

    Raises:
        ValueError: naming the shapes, if they do not fit the above.

    Hint: (query @ Wq)[:, None, :] + keys @ Wk broadcasts the query over the L
    positions. |e| <= sum |v|, but a large v still overflows exp: use the
    max-shifted softmax.
    """
    raise NotImplementedError


def dot_product_variance_demo(d: int, n: int, rng: np.random.Generator):
    """Why attention divides by sqrt(d): the variance of a dot product.

    Draw n independent pairs q, k ~ N(0, I_d) and return the empirical
    variance (np.var, ddof 0) of the n numbers q . k, and of q . k / sqrt(d).
    In theory Var(q . k) = d and Var(q . k / sqrt(d)) = 1. (ddof=1 would
    differ by a factor n / (n - 1), far inside the sampling error: the tests
    accept either.)

    Args:
        d: dimension, a positive integer.
        n: number of pairs, at least 2.
        rng: the only source of randomness.

    Returns:
        (var_unscaled, var_scaled), two floats computed from the SAME n draws,
        so var_unscaled / var_scaled = d (up to rounding).

    Raises:
        ValueError: if d < 1 or n < 2.

    Hint: q = rng.standard_normal((n, d)), and a separate k of the same shape;
    the row-wise dot products are np.sum(q * k, axis=1).
    """
    raise NotImplementedError


def online_softmax_attention(Q, K, V, block_size: int, mask=None) -> np.ndarray:
    """Extra: attention computed one block of keys at a time (the idea of FlashAttention).

    Never forms the full (Lq, Lk) score matrix. For each block of at most
    block_size keys, with per-row running max m, running sum l and running
    unnormalised output acc (start m = -inf, l = 0, acc = 0):

        S     = Q K_blk^T / sqrt(d)   (masked entries -inf)    (..., Lq, B)
        m_new = max(m, rowmax(S))
        alpha = exp(m - m_new)             rescales what was accumulated so far
        p     = exp(S - m_new)
        l     = alpha l + rowsum(p)
        acc   = alpha acc + p V_blk
        m     = m_new

    and finally out = acc / l. The result equals scaled_dot_product_attention's
    output exactly in exact arithmetic, for any block_size.

    Args:
        Q: (..., Lq, d); K: (..., Lk, d); V: (..., Lk, dv).
        block_size: a positive integer; the last block may be shorter, and a
            block_size >= Lk is one block.
        mask: None or a bool array broadcastable to (..., Lq, Lk).

    Returns:
        out (..., Lq, dv); a fully masked row gives 0, as in the plain version.

    Raises:
        ValueError: as scaled_dot_product_attention, or if block_size is not
            a positive integer. TypeError for a non-boolean mask.

    Hint: while a row has seen only masked keys its m_new is -inf; use 0 in
    place of m_new there in both exps (exp(-inf - 0) = 0, whereas -inf - -inf
    is nan). Forgetting alpha gives the right answer only when the row max
    never grows after the first block.
    """
    raise NotImplementedError


def grouped_query_attention(Q, K, V, mask=None):
    """Extra: grouped-query attention (GQA): h query heads share g key/value heads.

    Query head i attends with key/value head i // (h // g), as PyTorch's
    scaled_dot_product_attention(..., enable_gqa=True) does
    (K.repeat_interleave(h // g, dim=-3)). g = 1 is multi-query attention,
    g = h ordinary multi-head attention.

    Args:
        Q: (..., h, Lq, d); K: (..., g, Lk, d); V: (..., g, Lk, dv), with the
            same number of axes and h a multiple of g.
        mask: None or a bool array broadcastable to (..., h, Lq, Lk).

    Returns:
        (out, weights): out (..., h, Lq, dv), weights (..., h, Lq, Lk).

    Raises:
        ValueError: naming the shapes, if h is not a multiple of g, K and V
            differ in heads or length, or Q and K differ in d.

    Hint: np.repeat(K, h // g, axis=-3) works; reshaping Q to
    (..., g, h // g, Lq, d) and giving K an axis of size 1 there
    (K[..., :, None, :, :]) shares each group by broadcasting, without the
    copy. Heads 0 .. r-1 form group 0: np.tile would get this wrong.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _assert_names_shapes(error, shapes, call):
    message = str(error)
    for shape in shapes:
        assert str(tuple(shape)) in message, (
            f"{call} raised {type(error).__name__}({message!r}); the message should name "
            + " and ".join(str(tuple(s)) for s in shapes)
        )


def _assert_bool_mask(got, expected, call):
    """got must be a bool ndarray equal to expected, shape included."""
    expected = np.asarray(expected)
    ok = (
        isinstance(got, np.ndarray)
        and got.dtype == np.bool_
        and got.shape == expected.shape
        and np.array_equal(got, expected)
    )
    assert ok, (
        f"{call} returned {type(got).__name__} of dtype {getattr(got, 'dtype', None)} and shape "
        f"{np.shape(got)}:\n{got}\nexpected a bool array of shape {expected.shape}:\n{expected}"
    )


# --- independent slow references (plain Python loops and math) --------------


def _loop_softmax(row, allowed):
    """Softmax of the allowed entries of a list, 0 elsewhere; all 0 if none allowed."""
    kept = [s for s, a in zip(row, allowed, strict=True) if a]
    if not kept:
        return [0.0] * len(row)
    top = max(kept)
    exps = [math.exp(s - top) if a else 0.0 for s, a in zip(row, allowed, strict=True)]
    total = sum(exps)
    return [e / total for e in exps]


def _loop_attention(Q, K, V, mask=None):
    """out and weights of scaled dot-product attention, one query row at a time."""
    Q, K, V = (np.asarray(a, dtype=np.float64) for a in (Q, K, V))
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    Lq, d, Lk, dv = Q.shape[-2], Q.shape[-1], K.shape[-2], V.shape[-1]
    Qb = np.broadcast_to(Q, (*batch, Lq, d))
    Kb = np.broadcast_to(K, (*batch, Lk, d))
    Vb = np.broadcast_to(V, (*batch, Lk, dv))
    Mb = np.broadcast_to(True if mask is None else mask, (*batch, Lq, Lk))
    out = np.zeros((*batch, Lq, dv))
    weights = np.zeros((*batch, Lq, Lk))
    for b in np.ndindex(*batch):
        for i in range(Lq):
            row = [
                sum(Qb[b][i, t] * Kb[b][j, t] for t in range(d)) / math.sqrt(d) for j in range(Lk)
            ]
            w = _loop_softmax(row, [bool(Mb[b][i, j]) for j in range(Lk)])
            weights[b][i] = w
            for c in range(dv):
                out[b][i, c] = sum(w[j] * Vb[b][j, c] for j in range(Lk))
    return out, weights


def _loop_additive(query, keys, values, Wq, Wk, v):
    N, L, _ = keys.shape
    A, dv = v.shape[0], values.shape[2]
    context = np.zeros((N, dv))
    weights = np.zeros((N, L))
    for n in range(N):
        scores = []
        for pos in range(L):
            e = 0.0
            for a in range(A):
                pre = sum(query[n, i] * Wq[i, a] for i in range(Wq.shape[0]))
                pre += sum(keys[n, pos, i] * Wk[i, a] for i in range(Wk.shape[0]))
                e += v[a] * math.tanh(pre)
            scores.append(e)
        w = _loop_softmax(scores, [True] * L)
        weights[n] = w
        for c in range(dv):
            context[n, c] = sum(w[pos] * values[n, pos, c] for pos in range(L))
    return context, weights


def _batched_case(rng, N=2, h=3, Lq=4, Lk=5, d=3, dv=2):
    """Batched heads with nothing square: Lq != Lk, dv != d, h != N."""
    Q = rng.standard_normal((N, h, Lq, d))
    K = rng.standard_normal((N, h, Lk, d))
    V = rng.standard_normal((N, h, Lk, dv))
    return Q, K, V


# --- scaled_dot_product_attention -------------------------------------------


def test_scaled_dot_product_attention_hand_computed_example(impl, assert_close):
    # d = 4, so the scale is 1/2: q . k1 = 4 -> score 2, q . k2 = 0 -> score 0.
    # weights [e^2, 1] / (e^2 + 1) = [0.8808, 0.1192]; out = weights @ V.
    # Scaling by 1/d gives scores [1, 0]; no scale [4, 0]; 1/sqrt(dv) [2.31, 0].
    Q = np.array([[2.0, 0.0, 0.0, 0.0]])
    K = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    V = np.array([[1.0, 0.0, 3.0], [0.0, 1.0, -1.0]])
    w1 = math.exp(2.0) / (math.exp(2.0) + 1.0)
    out, weights = impl.scaled_dot_product_attention(Q, K, V)
    what = (
        "scaled_dot_product_attention(Q=[[2, 0, 0, 0]], K=[[2, 0, 0, 0], [0, 0, 0, 0]], V (2, 3))"
    )
    assert_close(weights, [[w1, 1.0 - w1]], tol=1e-12, what=what + " -> weights")
    expected = [[w1, 1.0 - w1, 3.0 * w1 - (1.0 - w1)]]
    assert_close(out, expected, tol=1e-12, what=what + " -> out")


def test_scaled_dot_product_attention_true_means_may_attend(impl, assert_close):
    # Masking key 0 (False) leaves key 1 alone: weight 1 on it, out = V[1].
    Q = np.array([[2.0, 0.0, 0.0, 0.0]])
    K = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    V = np.array([[1.0, 0.0, 3.0], [0.0, 1.0, -1.0]])
    mask = np.array([[False, True]])
    out, weights = impl.scaled_dot_product_attention(Q, K, V, mask)
    what = "scaled_dot_product_attention(same Q, K, V, mask=[[False, True]])"
    assert_close(weights, [[0.0, 1.0]], tol=1e-12, what=what + " -> weights (True = may attend)")
    assert_close(out, [[0.0, 1.0, -1.0]], tol=1e-12, what=what + " -> out (= V[1])")


@pytest.mark.parametrize(
    "mask_shape", [None, (4, 5), (2, 1, 4, 5), (2, 3, 4, 5), (1, 3, 1, 5), (5,)]
)
def test_scaled_dot_product_attention_matches_loop_reference(impl, rng, assert_close, mask_shape):
    # Batched (N, h, Lq, d) = (2, 3, 4, 3) against Lk = 5 keys with dv = 2, and
    # masks that broadcast over the batch, the heads, or the queries. The
    # random masks include rows with no allowed key (which must give 0).
    Q, K, V = _batched_case(rng)
    mask = None if mask_shape is None else rng.uniform(size=mask_shape) < 0.5
    out, weights = impl.scaled_dot_product_attention(Q, K, V, mask)
    expected_out, expected_weights = _loop_attention(Q, K, V, mask)
    what = (
        "scaled_dot_product_attention(Q (2, 3, 4, 3), K (2, 3, 5, 3), V (2, 3, 5, 2), "
        f"mask {mask_shape})"
    )
    assert_close(weights, expected_weights, tol=1e-10, what=what + " -> weights")
    assert_close(out, expected_out, tol=1e-10, what=what + " -> out")


def test_scaled_dot_product_attention_broadcasts_shared_keys_over_heads(impl, rng, assert_close):
    # Multi-query attention by broadcasting: one key/value head for 3 query heads.
    Q = rng.standard_normal((2, 3, 4, 3))
    K = rng.standard_normal((2, 1, 5, 3))
    V = rng.standard_normal((2, 1, 5, 2))
    out, weights = impl.scaled_dot_product_attention(Q, K, V)
    expected_out, expected_weights = _loop_attention(Q, K, V)
    what = "scaled_dot_product_attention(Q (2, 3, 4, 3), K (2, 1, 5, 3), V (2, 1, 5, 2))"
    assert_close(weights, expected_weights, tol=1e-10, what=what + " -> weights (2, 3, 4, 5)")
    assert_close(out, expected_out, tol=1e-10, what=what + " -> out (2, 3, 4, 2)")


def test_scaled_dot_product_attention_fully_masked_row_gives_zeros(
    impl, rng, assert_close, call_quietly
):
    # PyTorch (>= 2.5) returns 0 for a query with no allowed key. A plain
    # softmax of an all -inf row is nan (with a RuntimeWarning); filling with
    # -1e9 instead of -inf gives a uniform average of V. The other rows must
    # be ordinary attention.
    Q, K, V = _batched_case(rng, N=1, h=1)
    mask = rng.uniform(size=(4, 5)) < 0.7
    mask[0] = True
    mask[2] = False
    what = "scaled_dot_product_attention(Q (1, 1, 4, 3), ..., mask (4, 5) with row 2 all False)"
    out, weights = call_quietly(impl.scaled_dot_product_attention, Q, K, V, mask, what=what)
    assert_close(weights[0, 0, 2], np.zeros(5), tol=0.0, what=what + " -> weights of row 2")
    assert_close(out[0, 0, 2], np.zeros(2), tol=0.0, what=what + " -> out of row 2")
    expected_out, _ = _loop_attention(Q, K, V, mask)
    assert_close(out, expected_out, tol=1e-10, what=what + " -> out")


def test_scaled_dot_product_attention_is_stable_for_large_widely_spread_scores(
    impl, assert_close, call_quietly
):
    # d = 1, so the scores are q * k exactly. Row 0 has scores near +1e4, row 1
    # near -1e4 (a softmax shifted by the global max underflows to 0 / 0
    # there), and row 2 has gaps of 700 between scores: weights of e^-700 =
    # 1e-304 that must come out with full relative accuracy.
    Q = np.array([[10.0], [-10.0], [1.0]])
    K = np.array([[1000.0], [999.0], [300.0], [-400.0]])
    V = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0], [-2.0, 4.0]])
    what = "scaled_dot_product_attention(Q=[[10], [-10], [1]], K=[[1000], [999], [300], [-400]])"
    out, weights = call_quietly(impl.scaled_dot_product_attention, Q, K, V, what=what)
    expected_out, expected_weights = _loop_attention(Q, K, V)
    assert_close(weights, expected_weights, tol=1e-12, what=what + " -> weights")
    assert_close(out, expected_out, tol=1e-12, what=what + " -> out")


def test_scaled_dot_product_attention_ignores_a_masked_key_with_a_huge_score(
    impl, assert_close, call_quietly
):
    # d = 1: scores [1000, 0, 1] with key 0 masked. Masking AFTER an unmasked
    # softmax (weights * mask, then renormalise) lets the masked score 1000 set
    # the shift: exp(0 - 1000) and exp(1 - 1000) underflow to 0 and the row
    # comes out all 0 instead of [0, 1/(1+e), e/(1+e)]. Mask first, then shift
    # by the max of the ALLOWED scores.
    Q = np.array([[1.0]])
    K = np.array([[1000.0], [0.0], [1.0]])
    V = np.array([[100.0, 100.0], [1.0, 0.0], [0.0, 1.0]])
    mask = np.array([[False, True, True]])
    w1 = 1.0 / (1.0 + math.e)
    what = "scaled_dot_product_attention(Q=[[1]], K=[[1000], [0], [1]], V, mask=[[F, T, T]])"
    out, weights = call_quietly(impl.scaled_dot_product_attention, Q, K, V, mask, what=what)
    assert_close(weights, [[0.0, w1, 1.0 - w1]], tol=1e-12, what=what + " -> weights")
    assert_close(out, [[w1, 1.0 - w1]], tol=1e-12, what=what + " -> out")


def test_scaled_dot_product_attention_is_permutation_equivariant(impl, rng, assert_close):
    # Permuting the queries permutes the output rows; permuting keys and values
    # together changes nothing. (No positions: that is why transformers add them.)
    Q, K, V = _batched_case(rng, N=1, h=2, Lq=4, Lk=6)
    out, _ = impl.scaled_dot_product_attention(Q, K, V)
    pq, pk = rng.permutation(4), rng.permutation(6)
    out_q, _ = impl.scaled_dot_product_attention(Q[..., pq, :], K, V)
    out_k, _ = impl.scaled_dot_product_attention(Q, K[..., pk, :], V[..., pk, :])
    assert_close(out_q, out[..., pq, :], tol=1e-12, what="attention(Q[perm], K, V) vs out[perm]")
    assert_close(out_k, out, tol=1e-12, what="attention(Q, K[perm], V[perm]) vs attention(Q, K, V)")


def test_scaled_dot_product_attention_keeps_batch_of_one(impl, rng):
    Q, K, V = _batched_case(rng, N=1, h=1, Lq=1, Lk=3, d=2, dv=4)
    out, weights = impl.scaled_dot_product_attention(Q, K, V)
    shapes = (np.shape(out), np.shape(weights))
    assert shapes == ((1, 1, 1, 4), (1, 1, 1, 3)), (
        "scaled_dot_product_attention(Q (1, 1, 1, 2), K (1, 1, 3, 2), V (1, 1, 3, 4)) returned "
        f"out {np.shape(out)} and weights {np.shape(weights)}; expected (1, 1, 1, 4) and "
        "(1, 1, 1, 3) (no axis of size 1 may be squeezed)"
    )


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape"),
    [
        ((2, 4, 3), (2, 5, 2), (2, 5, 2)),  # d differs between Q and K
        ((2, 4, 3), (2, 5, 3), (2, 6, 2)),  # Lk differs between K and V
        ((2, 4, 3), (3, 5, 3), (3, 5, 2)),  # batch axes 2 and 3 do not broadcast
    ],
)
def test_scaled_dot_product_attention_rejects_mismatched_shapes(impl, q_shape, k_shape, v_shape):
    Q, K, V = np.ones(q_shape), np.ones(k_shape), np.ones(v_shape)
    with pytest.raises(ValueError) as info:
        impl.scaled_dot_product_attention(Q, K, V)
    _assert_names_shapes(
        info.value,
        [q_shape, k_shape, v_shape],
        f"scaled_dot_product_attention(Q {q_shape}, K {k_shape}, V {v_shape})",
    )


def test_scaled_dot_product_attention_rejects_a_mask_that_does_not_fit(impl, rng):
    # A (Lk, Lq) mask, the transpose of what is needed, must not slip through.
    Q, K, V = _batched_case(rng)
    mask = np.ones((5, 4), dtype=bool)
    with pytest.raises(ValueError) as info:
        impl.scaled_dot_product_attention(Q, K, V, mask)
    _assert_names_shapes(
        info.value, [(5, 4)], "scaled_dot_product_attention(Q (2, 3, 4, 3), ..., mask (5, 4))"
    )


def test_scaled_dot_product_attention_rejects_a_float_mask(impl, rng):
    # PyTorch ADDS a float mask to the scores (0 keeps, -inf removes), and
    # mask.astype(bool) would turn that -inf into True: refuse, do not guess.
    Q, K, V = _batched_case(rng)
    mask = np.where(rng.uniform(size=(4, 5)) < 0.5, 0.0, -np.inf)
    with pytest.raises(TypeError):
        impl.scaled_dot_product_attention(Q, K, V, mask)


def test_scaled_dot_product_attention_does_not_modify_inputs(impl, rng, call_untouched):
    Q, K, V = _batched_case(rng)
    mask = rng.uniform(size=(2, 1, 4, 5)) < 0.5
    call_untouched(impl.scaled_dot_product_attention, Q, K, V, mask)


# --- attention_forward / attention_backward ---------------------------------


def test_attention_forward_matches_loop_reference(impl, rng, assert_close):
    Q, K, V = _batched_case(rng)
    mask = rng.uniform(size=(2, 1, 4, 5)) < 0.6
    out, _ = impl.attention_forward(Q, K, V, mask)
    expected, _ = _loop_attention(Q, K, V, mask)
    assert_close(out, expected, tol=1e-10, what="attention_forward(Q (2, 3, 4, 3), ..., mask)")


def test_attention_forward_does_not_modify_inputs(impl, rng, call_untouched):
    Q, K, V = _batched_case(rng)
    call_untouched(impl.attention_forward, Q, K, V, rng.uniform(size=(4, 5)) < 0.5)


def _check_attention_vjp(impl, num_vjp, assert_close, Q, K, V, mask, dout, label):
    _, cache = impl.attention_forward(Q, K, V, mask)
    grads = impl.attention_backward(dout, cache)
    inputs = {"Q": Q, "K": K, "V": V}
    for (name, value), got in zip(inputs.items(), grads, strict=True):

        def forward(point, name=name):
            args = {**inputs, name: point}
            return _loop_attention(args["Q"], args["K"], args["V"], mask)[0]

        # out is linear in V, so any step is exact there and h = 1e-3 keeps
        # rounding small; in Q and K, h = 1e-5 balances truncation (h^2) and
        # rounding (1e-16 / h) errors near 1e-10.
        expected = num_vjp(forward, value, dout, h=1e-3 if name == "V" else 1e-5)
        assert_close(
            got,
            expected,
            tol=1e-7,
            what=f"attention_backward(random dout, cache of {label}) -> d{name} "
            "(a correct backward agrees with the numerical VJP to ~1e-9)",
        )


def test_attention_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close):
    # Random dout (with dout = ones the softmax backward's row-sum term hides),
    # a mask that broadcasts over heads, Lq != Lk, dv != d.
    Q, K, V = _batched_case(rng, N=2, h=2, Lq=3, Lk=4, d=3, dv=2)
    mask = rng.uniform(size=(2, 1, 3, 4)) < 0.7
    mask[..., 0] = True  # every row keeps a key (the fully masked case is tested below)
    dout = rng.standard_normal((2, 2, 3, 2))
    _check_attention_vjp(
        impl, num_vjp, assert_close, Q, K, V, mask, dout, "Q (2, 2, 3, 3), K (2, 2, 4, 3), mask"
    )


def test_attention_backward_without_mask_matches_numerical_vjp(impl, rng, num_vjp, assert_close):
    Q, K, V = _batched_case(rng, N=3, h=1, Lq=2, Lk=5, d=4, dv=3)
    dout = rng.standard_normal((3, 1, 2, 3))
    _check_attention_vjp(
        impl, num_vjp, assert_close, Q, K, V, None, dout, "Q (3, 1, 2, 4), K (3, 1, 5, 4)"
    )


def test_attention_backward_fully_masked_row_passes_no_gradient(
    impl, rng, num_vjp, assert_close, call_quietly
):
    # Query row 1 sees no key: its output is the constant 0, so dQ[row 1] = 0
    # and it contributes nothing to dK or dV (PyTorch gives the same zeros).
    Q, K, V = _batched_case(rng, N=2, h=1, Lq=3, Lk=4, d=2, dv=3)
    mask = np.array([[True, False, True, True], [False] * 4, [True, True, False, False]])
    dout = rng.standard_normal((2, 1, 3, 3))
    _, cache = impl.attention_forward(Q, K, V, mask)
    what = "attention_backward(random dout, cache with query row 1 fully masked)"
    dQ, _, _ = call_quietly(impl.attention_backward, dout, cache, what=what)
    assert_close(dQ[..., 1, :], np.zeros((2, 1, 2)), tol=0.0, what=what + " -> dQ[..., 1, :]")
    _check_attention_vjp(impl, num_vjp, assert_close, Q, K, V, mask, dout, "a fully masked row")


def test_attention_backward_sums_gradients_of_shared_keys(impl, rng, num_vjp, assert_close):
    # K and V of shape (N, 1, Lk, d) are shared by 3 query heads (multi-query
    # attention): their gradients must be summed back to (N, 1, Lk, d).
    Q = rng.standard_normal((2, 3, 2, 3))
    K = rng.standard_normal((2, 1, 4, 3))
    V = rng.standard_normal((2, 1, 4, 2))
    dout = rng.standard_normal((2, 3, 2, 2))
    _check_attention_vjp(
        impl, num_vjp, assert_close, Q, K, V, None, dout, "Q (2, 3, 2, 3), K, V (2, 1, 4, *)"
    )


def test_attention_backward_sums_gradients_of_a_query_shared_over_the_batch(
    impl, rng, num_vjp, assert_close
):
    # Q of shape (1, Lq, d) is broadcast against 3 examples of keys: dQ must be
    # summed back to (1, Lq, d), like dK and dV in multi-query attention.
    Q = rng.standard_normal((1, 2, 3))
    K = rng.standard_normal((3, 4, 3))
    V = rng.standard_normal((3, 4, 2))
    dout = rng.standard_normal((3, 2, 2))
    _check_attention_vjp(
        impl, num_vjp, assert_close, Q, K, V, None, dout, "Q (1, 2, 3) shared, K (3, 4, 3)"
    )


def test_attention_backward_sums_over_leading_axes_a_2d_input_lacks(
    impl, rng, num_vjp, assert_close
):
    # K (Lk, d) and V (Lk, dv) have no batch or head axes at all: one key set
    # for every (N, h). Their gradients sum over the extra leading axes of the
    # output, back to (Lk, d) and (Lk, dv).
    Q = rng.standard_normal((2, 3, 2, 3))
    K = rng.standard_normal((4, 3))
    V = rng.standard_normal((4, 2))
    mask = rng.uniform(size=(2, 1, 2, 4)) < 0.7
    mask[..., 1] = True
    dout = rng.standard_normal((2, 3, 2, 2))
    _check_attention_vjp(
        impl, num_vjp, assert_close, Q, K, V, mask, dout, "Q (2, 3, 2, 3), K (4, 3), V (4, 2)"
    )


def test_attention_backward_rejects_mismatched_dout(impl, rng):
    Q, K, V = _batched_case(rng)
    _, cache = impl.attention_forward(Q, K, V)
    bad = rng.standard_normal((2, 3, 4, 3))  # d instead of dv
    with pytest.raises(ValueError) as info:
        impl.attention_backward(bad, cache)
    _assert_names_shapes(
        info.value, [(2, 3, 4, 3), (2, 3, 4, 2)], "attention_backward(dout (2, 3, 4, 3), cache)"
    )


def test_attention_backward_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    Q, K, V = _batched_case(rng)
    _, cache = impl.attention_forward(Q, K, V, rng.uniform(size=(4, 5)) < 0.5)
    call_untouched(impl.attention_backward, rng.standard_normal((2, 3, 4, 2)), cache)


# --- causal_mask ------------------------------------------------------------


def test_causal_mask_of_length_one_is_true(impl):
    # A single position may attend to itself: [[True]], not [[False]] or (1,).
    _assert_bool_mask(impl.causal_mask(1), [[True]], "causal_mask(1)")


def test_causal_mask_hand_written_L4(impl):
    expected = np.array(
        [
            [True, False, False, False],
            [True, True, False, False],
            [True, True, True, False],
            [True, True, True, True],
        ]
    )
    # Query i may see keys j <= i, diagonal included; bool (np.tri gives floats).
    _assert_bool_mask(impl.causal_mask(4), expected, "causal_mask(4)")


def test_causal_mask_matches_loop_for_L7(impl):
    expected = np.array([[j <= i for j in range(7)] for i in range(7)])
    _assert_bool_mask(impl.causal_mask(7), expected, "causal_mask(7) (mask[i, j] = j <= i)")


def test_causal_mask_accepts_a_numpy_integer(impl):
    # L often comes out of NumPy (lengths.max(), x.shape read back from an
    # array): np.int64(3) is a positive integer too.
    expected = np.array([[True, False, False], [True, True, False], [True, True, True]])
    _assert_bool_mask(impl.causal_mask(np.int64(3)), expected, "causal_mask(np.int64(3))")


@pytest.mark.parametrize("L", [0, -3, 2.5])
def test_causal_mask_rejects_non_positive_or_non_integer_L(impl, L):
    with pytest.raises(ValueError):
        impl.causal_mask(L)


def test_causal_mask_first_position_copies_its_value(impl, rng, assert_close):
    # Under a causal mask query 0 sees key 0 only: its output is V[..., 0, :].
    Q, K, V = _batched_case(rng, N=2, h=1, Lq=5, Lk=5)
    out, _ = impl.scaled_dot_product_attention(Q, K, V, impl.causal_mask(5))
    expected, _ = _loop_attention(Q, K, V, np.tril(np.ones((5, 5), dtype=bool)))
    assert_close(out[..., 0, :], V[..., 0, :], tol=1e-12, what="causal attention -> out[..., 0, :]")
    assert_close(out, expected, tol=1e-10, what="attention(Q, K, V, causal_mask(5)) -> out")


# --- padding_mask -----------------------------------------------------------


def test_padding_mask_hand_written_with_lengths_0_and_L(impl):
    # Length 3, an empty sequence (all False) and a full one (all True).
    expected = np.array(
        [
            [[True, True, True, False, False]],
            [[False, False, False, False, False]],
            [[True, True, True, True, True]],
        ]
    )
    _assert_bool_mask(
        impl.padding_mask(np.array([3, 0, 5]), 5),
        expected,
        "padding_mask([3, 0, 5], 5) (True on each sequence's first lengths[n] positions)",
    )


def test_padding_mask_keeps_batch_of_one(impl):
    expected = np.array([[[True, True, False, False]]])
    _assert_bool_mask(impl.padding_mask(np.array([2]), 4), expected, "padding_mask([2], 4)")


def test_padding_mask_masks_keys_not_queries(impl, rng, assert_close):
    # Sequence n attends over its own first lengths[n] keys, from every query.
    lengths = np.array([2, 5, 4])
    Q, K, V = _batched_case(rng, N=3, h=1, Lq=5, Lk=5)
    Q, K, V = Q[:, 0], K[:, 0], V[:, 0]  # (N, L, d), no head axis
    out, _ = impl.scaled_dot_product_attention(Q, K, V, impl.padding_mask(lengths, 5))
    for n, length in enumerate(lengths):
        expected, _ = _loop_attention(Q[n], K[n, :length], V[n, :length])
        assert_close(
            out[n],
            expected,
            tol=1e-10,
            what=f"attention with padding_mask([2, 5, 4], 5) -> sequence {n} "
            f"(expected attention over its first {length} keys only)",
        )


def test_padding_mask_combines_with_causal_mask(impl):
    combined = impl.padding_mask(np.array([2, 3]), 3) & impl.causal_mask(3)
    expected = np.array(
        [
            [[True, False, False], [True, True, False], [True, True, False]],
            [[True, False, False], [True, True, False], [True, True, True]],
        ]
    )
    _assert_bool_mask(combined, expected, "padding_mask([2, 3], 3) & causal_mask(3)")


@pytest.mark.parametrize("lengths", [[4, 6], [-1, 2], [2.0, 3.0]])
def test_padding_mask_rejects_invalid_lengths(impl, lengths):
    with pytest.raises(ValueError):
        impl.padding_mask(np.array(lengths), 5)


def test_padding_mask_does_not_modify_lengths(impl, call_untouched):
    call_untouched(impl.padding_mask, np.array([3, 1, 4]), 4)


# --- additive_attention -----------------------------------------------------


def _additive_case(rng, N=3, L=4, dq=2, dk=5, A=3, dv=6):
    return (
        rng.standard_normal((N, dq)),
        rng.standard_normal((N, L, dk)),
        rng.standard_normal((N, L, dv)),
        rng.standard_normal((dq, A)),
        rng.standard_normal((dk, A)),
        rng.standard_normal(A),
    )


def test_additive_attention_matches_loop_reference(impl, rng, assert_close):
    args = _additive_case(rng)
    context, weights = impl.additive_attention(*args)
    expected_context, expected_weights = _loop_additive(*args)
    what = "additive_attention(query (3, 2), keys (3, 4, 5), values (3, 4, 6), Wq, Wk, v (3,))"
    assert_close(weights, expected_weights, tol=1e-12, what=what + " -> weights (3, 4)")
    assert_close(context, expected_context, tol=1e-12, what=what + " -> context (3, 6)")


def test_additive_attention_with_v_zero_averages_the_values(impl, rng, assert_close):
    # v = 0 makes every score 0: uniform weights 1/L, context = mean of values.
    query, keys, values, Wq, Wk, v = _additive_case(rng)
    context, weights = impl.additive_attention(query, keys, values, Wq, Wk, np.zeros_like(v))
    what = "additive_attention(..., v=0)"
    assert_close(weights, np.full((3, 4), 0.25), tol=1e-12, what=what + " -> weights")
    assert_close(context, values.mean(axis=1), tol=1e-12, what=what + " -> context")


def test_additive_attention_hand_computed_example(impl, assert_close):
    # One sequence, two positions, A = 1: scores v tanh(q Wq + k Wk) with
    # q Wq = 0.5, k Wk = [0.5, -0.5], v = 2 -> scores [2 tanh(1), 0].
    query = np.array([[1.0]])
    keys = np.array([[[1.0], [-1.0]]])
    values = np.array([[[10.0, 0.0], [0.0, 10.0]]])
    e = 2.0 * math.tanh(1.0)
    w0 = math.exp(e) / (math.exp(e) + 1.0)
    context, weights = impl.additive_attention(
        query, keys, values, np.array([[0.5]]), np.array([[0.5]]), np.array([2.0])
    )
    what = "additive_attention(q=[[1]], keys=[[[1], [-1]]], Wq=Wk=[[0.5]], v=[2])"
    assert_close(weights, [[w0, 1.0 - w0]], tol=1e-12, what=what + " -> weights")
    assert_close(context, [[10.0 * w0, 10.0 * (1.0 - w0)]], tol=1e-12, what=what + " -> context")


def test_additive_attention_is_stable_for_large_v(impl, rng, assert_close, call_quietly):
    # |score| <= sum |v| = about 2e4 here: exp without a shift overflows.
    query, keys, values, Wq, Wk, v = _additive_case(rng)
    v = 1e4 * v
    what = "additive_attention(..., v of magnitude 1e4)"
    context, weights = call_quietly(
        impl.additive_attention, query, keys, values, Wq, Wk, v, what=what
    )
    expected_context, expected_weights = _loop_additive(query, keys, values, Wq, Wk, v)
    assert_close(weights, expected_weights, tol=1e-9, what=what + " -> weights")
    assert_close(context, expected_context, tol=1e-9, what=what + " -> context")


def test_additive_attention_keeps_batch_of_one(impl, rng):
    args = _additive_case(rng, N=1, L=1)
    context, weights = impl.additive_attention(*args)
    shapes = (np.shape(context), np.shape(weights))
    assert shapes == ((1, 6), (1, 1)), (
        f"additive_attention with N = 1, L = 1 returned context {shapes[0]} and "
        f"weights {shapes[1]}; expected (1, 6) and (1, 1) (nothing squeezed)"
    )


def test_additive_attention_rejects_transposed_weights(impl, rng):
    query, keys, values, Wq, Wk, v = _additive_case(rng)
    with pytest.raises(ValueError) as info:
        impl.additive_attention(query, keys, values, Wq.T, Wk, v)
    _assert_names_shapes(
        info.value, [(3, 2)], "additive_attention(query (3, 2), ..., Wq (3, 2) instead of (2, 3))"
    )


def test_additive_attention_does_not_modify_inputs(impl, rng, call_untouched):
    call_untouched(impl.additive_attention, *_additive_case(rng))


# --- dot_product_variance_demo ----------------------------------------------


@pytest.mark.parametrize(("d", "n"), [(1, 100_000), (16, 40_000), (64, 20_000)])
def test_dot_product_variance_demo_is_d_and_1(impl, d, n):
    # X = q . k = sum_i q_i k_i has E X = 0, E X^2 = d and E X^4 = 3d^2 + 6d
    # (E (q_i k_i)^4 = 3 * 3 = 9), so the sample variance has standard error
    # sqrt((E X^4 - d^2) / n) = sqrt((2 d^2 + 6 d) / n). Allow 5 standard
    # errors (a correct implementation fails with probability < 1e-6).
    # q reused for all n samples would give ||q||^2 (for d = 1 a chi-square
    # draw, far from 1); k = q would give Var(||q||^2) = 2d.
    var_unscaled, var_scaled = impl.dot_product_variance_demo(d, n, np.random.default_rng(7))
    se = math.sqrt((2 * d * d + 6 * d) / n)
    for got, expected, tol, name in [
        (var_unscaled, d, 5 * se, "var_unscaled"),
        (var_scaled, 1.0, 5 * se / d, "var_scaled"),
    ]:
        assert abs(got - expected) <= tol, (
            f"dot_product_variance_demo(d={d}, n={n}) -> {name} = {got:.4f}; expected "
            f"{expected} within {tol:.4f} (5 standard errors of the sample variance)"
        )


def test_dot_product_variance_demo_ratio_is_exactly_d(impl, assert_close):
    # Both variances come from the same draws: scaling by 1/sqrt(d) divides the
    # variance by exactly d. A scale of 1/d would give a ratio of d^2.
    var_unscaled, var_scaled = impl.dot_product_variance_demo(32, 1000, np.random.default_rng(3))
    types = (type(var_unscaled), type(var_scaled))
    assert types == (float, float), (
        "dot_product_variance_demo must return two Python floats, got "
        f"{type(var_unscaled).__name__} and {type(var_scaled).__name__}"
    )
    assert_close(
        var_unscaled / var_scaled, 32.0, tol=1e-12, what="dot_product_variance_demo(32, 1000) ratio"
    )


def test_dot_product_variance_demo_draws_from_the_given_rng(impl):
    a = impl.dot_product_variance_demo(8, 500, np.random.default_rng(11))
    b = impl.dot_product_variance_demo(8, 500, np.random.default_rng(11))
    c = impl.dot_product_variance_demo(8, 500, np.random.default_rng(12))
    assert a == b, f"same seed, different results: {a} and {b} (use only the rng argument)"
    assert a != c, f"seeds 11 and 12 gave the same result {a}: the rng argument is not used"


class _CountingRng:
    """A Generator stand-in that counts how many random numbers were drawn from it."""

    def __init__(self, seed):
        self._rng = np.random.default_rng(seed)
        self.drawn = 0

    def __getattr__(self, name):
        method = getattr(self._rng, name)

        def counted(*args, **kwargs):
            out = method(*args, **kwargs)
            self.drawn += np.size(out)
            return out

        return counted


def test_dot_product_variance_demo_draws_2_n_d_normals_from_the_rng(impl):
    # n independent pairs of d-vectors: 2 n d standard normals, all from rng.
    # One q reused for every sample, k = q, or a private generator draw fewer.
    rng = _CountingRng(5)
    impl.dot_product_variance_demo(6, 300, rng)
    assert rng.drawn == 2 * 300 * 6, (
        f"dot_product_variance_demo(6, 300, rng) drew {rng.drawn} numbers from rng; expected "
        "2 * n * d = 3600 (a fresh q and a fresh k for every one of the n pairs)"
    )


@pytest.mark.parametrize(("d", "n"), [(0, 100), (4, 1)])
def test_dot_product_variance_demo_rejects_bad_sizes(impl, d, n):
    with pytest.raises(ValueError):
        impl.dot_product_variance_demo(d, n, np.random.default_rng(0))


# --- online_softmax_attention -----------------------------------------------


@pytest.mark.parametrize("block_size", [1, 2, 3, 5, 8])
def test_online_softmax_attention_matches_loop_reference(impl, rng, assert_close, block_size):
    # Lk = 5 keys: block sizes that divide it, leave a short last block, and
    # exceed it. The mask includes fully masked rows.
    Q, K, V = _batched_case(rng)
    Q = 3.0 * Q  # sharper softmax: the running max changes between blocks
    mask = rng.uniform(size=(2, 1, 4, 5)) < 0.6
    out = impl.online_softmax_attention(Q, K, V, block_size, mask)
    expected, _ = _loop_attention(Q, K, V, mask)
    assert_close(
        out,
        expected,
        tol=1e-10,
        what=f"online_softmax_attention(Q (2, 3, 4, 3), K, V, block_size={block_size}, mask)",
    )


def test_online_softmax_attention_rescales_when_the_max_grows(impl, assert_close, call_quietly):
    # d = 1, block_size 2: row 0's scores are [0, 1, 500, 1000, 999]: its max
    # jumps in every block, so the sums of earlier blocks must be rescaled by
    # exp(m_old - m_new) (e^-1000 underflows to 0, cleanly). Row 1 has its max
    # in the first block; row 2 sees only masked keys in the first block.
    Q = np.array([[1.0], [-1.0], [2.0]])
    K = np.array([[0.0], [1.0], [500.0], [1000.0], [999.0]])
    V = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [-1.0, 3.0], [4.0, -2.0]])
    mask = np.ones((3, 5), dtype=bool)
    mask[2, :2] = False
    what = "online_softmax_attention(Q=[[1], [-1], [2]], K=[[0], [1], [500], [1000], [999]], 2)"
    out = call_quietly(impl.online_softmax_attention, Q, K, V, 2, mask, what=what)
    expected, _ = _loop_attention(Q, K, V, mask)
    assert_close(out, expected, tol=1e-12, what=what)


def test_online_softmax_attention_mask_broadcast_over_the_keys(impl, rng, assert_close):
    # A mask of shape (Lq, 1) (query 1 and 3 may attend to nothing) broadcasts
    # over all Lk = 5 keys: slicing it per block without broadcasting it first
    # gives an empty slice for every block after the first.
    Q, K, V = _batched_case(rng)
    mask = np.array([[True], [False], [True], [False]])
    what = "online_softmax_attention(Q (2, 3, 4, 3), K, V, block_size=2, mask (4, 1))"
    out = impl.online_softmax_attention(Q, K, V, 2, mask)
    expected, _ = _loop_attention(Q, K, V, mask)
    assert_close(out, expected, tol=1e-10, what=what)


def test_online_softmax_attention_fully_masked_row_gives_zeros(impl, rng, call_quietly):
    Q, K, V = _batched_case(rng, N=1, h=1)
    mask = np.ones((4, 5), dtype=bool)
    mask[1] = False
    what = "online_softmax_attention(..., block_size=2, mask with row 1 all False)"
    out = call_quietly(impl.online_softmax_attention, Q, K, V, 2, mask, what=what)
    assert np.all(out[0, 0, 1] == 0.0), f"{what} -> row 1 = {out[0, 0, 1]}, expected zeros"


@pytest.mark.parametrize("block_size", [0, -2, 1.5])
def test_online_softmax_attention_rejects_bad_block_size(impl, rng, block_size):
    Q, K, V = _batched_case(rng)
    with pytest.raises(ValueError):
        impl.online_softmax_attention(Q, K, V, block_size)


def test_online_softmax_attention_does_not_modify_inputs(impl, rng, call_untouched):
    Q, K, V = _batched_case(rng)
    call_untouched(impl.online_softmax_attention, Q, K, V, 2, rng.uniform(size=(4, 5)) < 0.5)


# --- grouped_query_attention ------------------------------------------------


def test_grouped_query_attention_maps_head_i_to_group_i_div_r(impl, rng, assert_close):
    # h = 4 query heads, g = 2 key/value heads: heads 0, 1 use group 0 and
    # heads 2, 3 use group 1 (PyTorch's enable_gqa). Tiling (i % g) differs.
    Q = rng.standard_normal((2, 4, 3, 3))
    K = rng.standard_normal((2, 2, 5, 3))
    V = rng.standard_normal((2, 2, 5, 2))
    mask = rng.uniform(size=(2, 1, 3, 5)) < 0.7
    out, weights = impl.grouped_query_attention(Q, K, V, mask)
    for i in range(4):
        expected_out, expected_w = _loop_attention(Q[:, i], K[:, i // 2], V[:, i // 2], mask[:, 0])
        what = f"grouped_query_attention(Q (2, 4, 3, 3), K (2, 2, 5, 3), ...) head {i}"
        assert_close(out[:, i], expected_out, tol=1e-10, what=what + " out (uses K/V head i // 2)")
        assert_close(weights[:, i], expected_w, tol=1e-10, what=what + " weights")


def test_grouped_query_attention_per_head_mask_follows_the_query_head(impl, rng, assert_close):
    # A mask (N, h, Lq, Lk) with a different pattern for each of the h = 4
    # query heads: head i keeps ITS mask while it reads K/V group i // 2.
    Q = rng.standard_normal((2, 4, 3, 3))
    K = rng.standard_normal((2, 2, 5, 3))
    V = rng.standard_normal((2, 2, 5, 2))
    mask = rng.uniform(size=(2, 4, 3, 5)) < 0.6
    out, weights = impl.grouped_query_attention(Q, K, V, mask)
    for i in range(4):
        expected_out, expected_w = _loop_attention(Q[:, i], K[:, i // 2], V[:, i // 2], mask[:, i])
        what = (
            f"grouped_query_attention(Q (2, 4, 3, 3), K (2, 2, 5, 3), mask (2, 4, 3, 5)) head {i}"
        )
        assert_close(weights[:, i], expected_w, tol=1e-10, what=what + " weights (mask[:, i])")
        assert_close(out[:, i], expected_out, tol=1e-10, what=what + " out")


def test_grouped_query_attention_without_batch_axes(impl, rng, assert_close):
    # Q (h, Lq, d), K and V (g, Lk, *): the "..." is empty, nothing may be
    # reshaped to an assumed batch axis.
    Q = rng.standard_normal((4, 3, 3))
    K = rng.standard_normal((2, 5, 3))
    V = rng.standard_normal((2, 5, 2))
    out, weights = impl.grouped_query_attention(Q, K, V)
    what = "grouped_query_attention(Q (4, 3, 3), K (2, 5, 3), V (2, 5, 2))"
    for i in range(4):
        expected_out, expected_w = _loop_attention(Q[i], K[i // 2], V[i // 2])
        assert_close(out[i], expected_out, tol=1e-10, what=what + f" -> out[{i}] (shape (4, 3, 2))")
        assert_close(weights[i], expected_w, tol=1e-10, what=what + f" -> weights[{i}]")


def test_grouped_query_attention_with_one_group_is_multi_query(impl, rng, assert_close):
    Q = rng.standard_normal((1, 3, 2, 4))
    K = rng.standard_normal((1, 1, 6, 4))
    V = rng.standard_normal((1, 1, 6, 5))
    out, _ = impl.grouped_query_attention(Q, K, V)
    expected, _ = _loop_attention(Q, K, V)
    assert_close(out, expected, tol=1e-10, what="grouped_query_attention(h=3, g=1) -> out")


def test_grouped_query_attention_rejects_h_not_a_multiple_of_g(impl, rng):
    Q = rng.standard_normal((2, 3, 4, 3))
    K = rng.standard_normal((2, 2, 5, 3))
    V = rng.standard_normal((2, 2, 5, 2))
    with pytest.raises(ValueError) as info:
        impl.grouped_query_attention(Q, K, V)
    _assert_names_shapes(
        info.value, [(2, 3, 4, 3), (2, 2, 5, 3)], "grouped_query_attention(h=3, g=2)"
    )


def test_grouped_query_attention_does_not_modify_inputs(impl, rng, call_untouched):
    Q = rng.standard_normal((2, 4, 3, 3))
    K = rng.standard_normal((2, 2, 5, 3))
    V = rng.standard_normal((2, 2, 5, 2))
    call_untouched(impl.grouped_query_attention, Q, K, V, rng.uniform(size=(3, 5)) < 0.5)


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
