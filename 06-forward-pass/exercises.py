"""Topic 06: the forward pass of a multilayer perceptron.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Affine (fully connected) layer: out = x_flat @ W + b.

        x_flat = x.reshape(N, D),   D = d1 * d2 * ... * dk
        out[n, m] = sum_d x_flat[n, d] W[d, m] + b[m]

    Args:
        x: (N, d1, ..., dk), a batch of N examples of any trailing shape
            (an image batch (N, C, H, W) is fine); at least 2-D.
        W: (D, M), one column per output unit.
        b: (M,), one bias per output unit, added to every example.

    Returns:
        out: (N, M).
        cache: the tuple (x, W, b), with x in its ORIGINAL shape (not
            flattened): topic 07's affine_backward needs it to return dx
            shaped like x.

    Raises:
        ValueError: naming the shapes, when x has fewer than 2 dimensions, when
            x's flattened D differs from W.shape[0], or when b.shape != (M,).

    Hint: ``x.reshape(x.shape[0], -1)`` flattens in row-major order, like
    PyTorch's ``x.flatten(1)``. Do not squeeze (a batch of one must stay a
    batch). ``b`` of shape (M,) broadcasts over the rows of (N, M) by itself.
    """
    raise NotImplementedError


def init_mlp(layer_sizes, rng: np.random.Generator):
    """He-normal (Kaiming) initialisation of an MLP.

    For each consecutive pair (fan_in, fan_out) of layer_sizes:

        W ~ Normal(0, std^2),  std = sqrt(2 / fan_in),  shape (fan_in, fan_out)
        b = 0,                 shape (fan_out,)

    This is PyTorch's ``kaiming_normal_(w, mode="fan_in", nonlinearity="relu")``
    (PyTorch stores w as (fan_out, fan_in); here W is its transpose, so that
    out = x @ W + b).

    Args:
        layer_sizes: [D, H1, ..., C], input size first, output size last;
            at least two positive sizes.
        rng: the np.random.Generator to draw from (never np.random.*),
            layer after layer: every layer's weights are fresh, independent
            draws (never re-seed, never reuse a draw for a same-shaped layer).

    Returns:
        list of (W, b) tuples, one per layer: len(layer_sizes) - 1 of them.

    Raises:
        ValueError: if layer_sizes has fewer than two entries or a size < 1.

    Hint: ``rng.standard_normal((fan_in, fan_out)) * std``. The 2 is a
    variance: the standard deviation is its square root over fan_in.
    """
    raise NotImplementedError


def mlp_forward(x: np.ndarray, params, activation: str = "relu"):
    """Forward pass of an MLP: affine, activation, affine, ..., affine.

        h_0 = x
        z_l = affine(h_{l-1}, W_l, b_l)          for l = 1..L
        h_l = phi(z_l)                           for l = 1..L-1
        scores = z_L                             (no activation on the last layer)

    Activations (element-wise):
        "relu":    max(z, 0)
        "tanh":    tanh(z)
        "sigmoid": 1 / (1 + exp(-z)), computed without overflow for |z| ~ 1000

    Args:
        x: (N, d1, ..., dk), flattened by the first affine layer to (N, D).
        params: list of (W, b), as returned by init_mlp.
        activation: "relu", "tanh" or "sigmoid".

    Returns:
        scores: (N, C), C = params[-1][0].shape[1]: raw scores (logits).
        caches: list with one entry per layer, caches[l] = (affine_cache, z)
            where affine_cache is what affine_forward returned for layer l and
            z its output (the pre-activation, (N, H_l); for the last layer z
            is the scores). caches[0] holds x in its original shape: pass x
            to affine_forward as it is and let it do the flattening.

    Raises:
        ValueError: for an unknown activation name (say which).

    Hint: use affine_forward. For the sigmoid, exp(-z) overflows when z is
    very negative: with e = exp(-|z|) (always <= 1), sigmoid is 1 / (1 + e)
    where z >= 0 and e / (1 + e) where z < 0. Compute the activation into a
    new array: z is in the cache and must stay the pre-activation.
    """
    raise NotImplementedError


def mlp_parameter_count(layer_sizes) -> int:
    """Number of trainable parameters (weights and biases) of the MLP.

        P = sum over layers of (fan_in * fan_out + fan_out)

    Args:
        layer_sizes: [D, H1, ..., C], at least two sizes.

    Returns:
        int. Example: [784, 256, 10] -> 784*256 + 256 + 256*10 + 10 = 203,530.

    Hint: pair each size with the next one. The input layer has no bias; every
    other size is the fan_out of exactly one layer. Python ints never overflow.
    """
    raise NotImplementedError


def mlp_activation_shapes(batch_size: int, layer_sizes) -> list[tuple]:
    """Shape of each layer's output for a batch of batch_size examples.

    One shape per layer, the input excluded:
        [(N, layer_sizes[1]), (N, layer_sizes[2]), ..., (N, layer_sizes[-1])]

    Args:
        batch_size: N; 1 gives (1, M) shapes (never squeezed), and 0 is valid
            (an empty batch: (0, M)).
        layer_sizes: [D, H1, ..., C], at least two sizes.

    Returns:
        list of tuples of ints, len(layer_sizes) - 1 of them.

    Hint: batch first. Nothing needs computing but the list.
    """
    raise NotImplementedError


def predict(x: np.ndarray, params) -> np.ndarray:
    """Predicted class of each example: the index of its largest score.

        y_hat[n] = argmax_c scores[n, c],   scores = mlp_forward(x, params)[0]

    (ReLU hidden layers, mlp_forward's default.)

    Args:
        x: (N, d1, ..., dk).
        params: list of (W, b).

    Returns:
        ndarray (N,) of integer dtype (class indices 0..C-1); (1,) for a batch
        of one. On a tie the first (lowest) index wins, as np.argmax and
        torch.argmax.

    Hint: which axis holds the classes? No softmax is needed: it is
    increasing, so it cannot change which score is largest; in floating
    point it can even round two close scores to one probability (a false
    tie), so take the argmax of the scores themselves.
    """
    raise NotImplementedError


def softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis: turn each row of scores into probabilities.

        p[n, c] = exp(z[n, c]) / sum_j exp(z[n, j])
                = exp(z[n, c] - m[n]) / sum_j exp(z[n, j] - m[n]),   m[n] = max_j z[n, j]

    The two lines are equal for any shift m[n] (it cancels); the max of each
    ROW makes every exponent <= 0 (no overflow) and the largest term exactly 1
    (the denominator is >= 1: no 0 / 0). Each row is normalised on its own:
    the probabilities of one example never depend on another example.

    Args:
        scores: (N, C) logits (the output of mlp_forward), or any (..., C);
            a 1-D (C,) vector is one example. Magnitudes up to 1e308.

    Returns:
        ndarray of the same shape, float64, each row >= 0 and summing to 1.
        A batch of one, (1, C), stays (1, C).

    Raises:
        ValueError: for a 0-d input (no class axis).

    Hint: scores.max(axis=-1, keepdims=True). Not the max of the whole array:
    with rows [1000, 999] and [0, -1], the second row would be exp(-1000) /
    exp(-1000) = 0 / 0. Do not subtract in place: the caller's logits stay.
    """
    raise NotImplementedError


def matrix_chain_order(dims):
    """Cheapest order to multiply a chain of matrices, by dynamic programming.

    A_i has shape (dims[i], dims[i+1]), i = 0 .. n-1 (n = len(dims) - 1). A
    (p, q) @ (q, r) product costs p * q * r multiply-adds (2 p q r FLOPs).
    The product is the same in every order (associativity); the cost is not:
    for dims (10, 100, 5, 50), (A0 A1) A2 costs 5,000 + 2,500 = 7,500 and
    A0 (A1 A2) costs 25,000 + 50,000 = 75,000.

        cost(i, j) = min over i <= k < j of
                     cost(i, k) + cost(k+1, j) + dims[i] * dims[k+1] * dims[j+1]
        cost(i, i) = 0

    Args:
        dims: sequence of n + 1 positive integers (list, tuple or int array).

    Returns:
        (cost, order): cost a Python int, the fewest multiply-adds (exact: no
        int64 overflow, three 1e7 sizes give 1e21); order a string with one
        pair of parentheses per product and one space between operands, e.g.
        "((A0 A1) A2)"; a single matrix is "A0" at cost 0. On a tie, the split
        with the fewest matrices on the left wins (the first k): for
        dims (1, 1, 1, 1) the order is "(A0 (A1 A2))".

    Raises:
        ValueError: if fewer than two sizes are given or a size is < 1.

    Hint: fill cost[i][j] for chains of length 2, 3, ..., n, remembering the
    best k in split[i][j]; then build the string recursively from split.
    O(n^3) time. Use Python ints, not a NumPy int64 table.
    """
    raise NotImplementedError


def mlp_flops(batch_size: int, layer_sizes) -> int:
    """Floating-point operations of the forward pass's matrix products.

    An (N, D) @ (D, M) product computes N * M dot products of length D: D
    multiplies and D - 1 adds each, counted as 2 * N * D * M. Bias adds and
    activations (N * M each, lower order) are NOT counted here.

        FLOPs = sum over layers of 2 * N * fan_in * fan_out

    Args:
        batch_size: N.
        layer_sizes: [D, H1, ..., C], at least two sizes.

    Returns:
        int, exact: a Python int, never a NumPy int64 that wraps past 9.2e18
        (N = 1e6 through a (1e6, 1e7) layer is 2e19 FLOPs). Example: N = 64,
        [784, 256, 10] -> 2 * 64 * (784*256 + 256*10) = 26,017,792.

    Hint: almost mlp_parameter_count without the biases, times 2 N.
    """
    raise NotImplementedError


def collapse_linear_layers(params):
    """The single affine map equal to a stack of affine layers with NO activation.

        (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)

    so by induction the stack is x W + b with

        W = W1 W2 ... WL                     shape (D, C)
        b = (...((b1 W2 + b2) W3 + b3)...) WL + bL    shape (C,)

    Args:
        params: list of (W, b), as returned by init_mlp.

    Returns:
        (W, b): W (D, C) and b (C,), new arrays.

    Hint: fold from the first layer: keep (W_eff, b_eff) and for each next
    layer (W, b) set W_eff <- W_eff @ W and b_eff <- b_eff @ W + b. The
    biases do not simply add up: an earlier bias passes through later weights.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _affine_loop(x_flat, W, b):
    """Slow reference: out[n, m] = sum_d x_flat[n, d] W[d, m] + b[m], one entry at a time."""
    N, D = x_flat.shape
    M = W.shape[1]
    out = np.zeros((N, M))
    for n in range(N):
        for m in range(M):
            total = b[m]
            for d in range(D):
                total += x_flat[n, d] * W[d, m]
            out[n, m] = total
    return out


def _flatten_loop(x):
    """Slow row-major flattening of (N, d1, ..., dk) to (N, d1 * ... * dk)."""
    N = x.shape[0]
    rows = []
    for n in range(N):
        # np.ndindex runs the last axis fastest: row-major (C) order.
        rows.append([x[(n, *index)] for index in np.ndindex(x.shape[1:])])
    return np.array(rows, dtype=np.float64)


def _relu_ref(z):
    return np.where(z > 0, z, 0.0)


def _sigmoid_ref(z):
    # Only used on moderate z, where the textbook formula is exact enough.
    return 1.0 / (1.0 + np.exp(-z))


_REFERENCE_ACTIVATIONS = {"relu": _relu_ref, "tanh": np.tanh, "sigmoid": _sigmoid_ref}


def _random_params(rng, layer_sizes):
    """Test-made parameters with NONZERO biases, so that bias mistakes show."""
    return [
        (rng.standard_normal((d_in, d_out)), rng.standard_normal(d_out))
        for d_in, d_out in pairwise(layer_sizes)
    ]


def _mlp_loop(x, params, phi):
    """Reference forward pass: a list of every layer's input h and pre-activation z."""
    h = _flatten_loop(x)
    inputs, pre_activations = [], []
    for layer, (W, b) in enumerate(params):
        inputs.append(h)
        z = _affine_loop(h, W, b)
        pre_activations.append(z)
        h = phi(z) if layer < len(params) - 1 else z
    return inputs, pre_activations


# --- affine_forward --------------------------------------------------------


def test_affine_forward_matches_loop(impl, rng, assert_close):
    # Non-square (N, D, M) = (4, 5, 3): a transposed W breaks a shape.
    x = rng.standard_normal((4, 5))
    W = rng.standard_normal((5, 3))
    b = rng.standard_normal(3)
    out, _ = impl.affine_forward(x, W, b)
    assert_close(
        out, _affine_loop(x, W, b), tol=1e-12, what="affine_forward(x (4, 5), W (5, 3), b)"
    )


def test_affine_forward_flattens_trailing_axes_row_major(impl, rng, assert_close):
    # x (3, 2, 3, 4) flattens to (3, 24), last axis fastest (PyTorch's flatten(1)).
    x = rng.standard_normal((3, 2, 3, 4))
    W = rng.standard_normal((24, 5))
    b = rng.standard_normal(5)
    out, _ = impl.affine_forward(x, W, b)
    expected = _affine_loop(_flatten_loop(x), W, b)
    assert_close(out, expected, tol=1e-12, what="affine_forward(x (3, 2, 3, 4), W (24, 5), b)")


def test_affine_forward_keeps_a_batch_of_one(impl, rng, assert_close):
    # x.squeeze() would turn (1, 5) into (5,) and the output into (3,).
    x = rng.standard_normal((1, 5))
    W = rng.standard_normal((5, 3))
    b = rng.standard_normal(3)
    out, _ = impl.affine_forward(x, W, b)
    assert_close(out, _affine_loop(x, W, b), tol=1e-12, what="affine_forward(x (1, 5), W, b)")


def test_affine_forward_adds_the_bias_to_every_row(impl, rng, assert_close):
    # With x = 0 the output is the bias, broadcast to each of the N rows.
    W = rng.standard_normal((5, 3))
    b = np.array([1.0, -2.0, 3.0])
    out, _ = impl.affine_forward(np.zeros((4, 5)), W, b)
    assert_close(out, np.tile(b, (4, 1)), tol=1e-12, what="affine_forward(zeros (4, 5), W, b)")


def test_affine_forward_cache_holds_original_x_W_b(impl, rng):
    x = rng.standard_normal((3, 2, 4))
    W = rng.standard_normal((8, 5))
    b = rng.standard_normal(5)
    _, cache = impl.affine_forward(x, W, b)
    assert isinstance(cache, tuple), (
        f"affine_forward returned a cache of type {type(cache).__name__}, "
        "expected the tuple (x, W, b)"
    )
    assert len(cache) == 3, (
        f"affine_forward returned cache {type(cache).__name__} of length {len(cache)}, "
        "expected the tuple (x, W, b)"
    )
    cx, cW, cb = cache
    assert np.shape(cx) == x.shape, (
        f"cache[0] has shape {np.shape(cx)}, expected x in its original shape {x.shape} "
        "(the backward pass must return dx shaped like x)"
    )
    assert np.array_equal(cx, x), "cache[0] is not x"
    assert np.array_equal(cW, W), "cache[1] is not W"
    assert np.array_equal(cb, b), "cache[2] is not b"


def test_affine_forward_examples_of_a_batch_stay_independent(impl, rng, assert_close):
    # Row n of the output depends on row n of x only: the output of a batch
    # is the stack of the outputs of its examples, and permuting the batch
    # permutes the output rows. Anything computed across the batch (a mean,
    # a normalisation, a bias of shape (N, 1)) breaks this.
    x, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    out, _ = impl.affine_forward(x, W, b)
    for n in range(5):
        alone, _ = impl.affine_forward(x[n : n + 1], W, b)
        assert_close(
            alone,
            np.asarray(out)[n : n + 1],
            tol=1e-12,
            what=f"affine_forward(x[{n}:{n + 1}]) vs row {n} of the batch",
        )
    perm = np.array([3, 0, 4, 1, 2])
    permuted, _ = impl.affine_forward(x[perm], W, b)
    assert_close(
        permuted,
        np.asarray(out)[perm],
        tol=1e-12,
        what="affine_forward(x[perm]) vs affine_forward(x)[perm]",
    )


@pytest.mark.parametrize(
    ("x_shape", "W_shape", "b_shape", "named"),
    [
        ((4, 6), (5, 3), (3,), [(4, 6), (5, 3)]),  # D = 6 but W expects 5
        ((4, 2, 3), (5, 3), (3,), [(4, 2, 3), (5, 3)]),  # flattens to D = 6
        ((4, 5), (5, 3), (4,), [(4,)]),  # b has the wrong length
        ((4, 5), (5, 3), (1, 3), [(1, 3)]),  # b must be (M,), not a row
        ((3, 5), (5, 3), (3, 1), [(3, 1)]),  # would broadcast to (3, 3) silently
        ((5,), (5, 3), (3,), [(5,)]),  # a single example with no batch axis
        ((5,), (1, 3), (3,), [(5,)]),  # no batch axis, even when D = 1 would fit
    ],
)
def test_affine_forward_rejects_mismatched_shapes(impl, x_shape, W_shape, b_shape, named):
    x, W, b = np.ones(x_shape), np.ones(W_shape), np.ones(b_shape)
    call = f"affine_forward(x {x_shape}, W {W_shape}, b {b_shape})"
    with pytest.raises(ValueError) as excinfo:
        impl.affine_forward(x, W, b)
    message = str(excinfo.value)
    for shape in named:
        assert str(shape) in message, (
            f"{call} raised ValueError({message!r}), which should name the shape {shape}"
        )


# --- init_mlp --------------------------------------------------------------


def test_init_mlp_returns_one_batch_first_pair_per_layer(impl, rng):
    params = impl.init_mlp([5, 7, 3], rng)
    shapes = [(np.shape(W), np.shape(b)) for W, b in params]
    expected = [((5, 7), (7,)), ((7, 3), (3,))]
    assert shapes == expected, (
        f"init_mlp([5, 7, 3], rng) gave (W, b) shapes {shapes}, expected {expected} "
        "(W is (fan_in, fan_out) so that out = x @ W + b)"
    )


def test_init_mlp_biases_are_zero(impl, rng):
    params = impl.init_mlp([5, 7, 3], rng)
    for layer, (_, b) in enumerate(params):
        assert np.array_equal(b, np.zeros_like(b)), f"init_mlp: layer {layer} bias is {b}, not 0"


def test_init_mlp_weight_std_is_sqrt_2_over_fan_in(impl, rng):
    # 400,000 and 20,000 draws: the sample std is within ~0.1% and ~0.5% of
    # the true one. fan_out, 1 / fan_in, 2 / fan_in or Xavier are 15%+ off.
    params = impl.init_mlp([1000, 400, 50], rng)
    for layer, (fan_in, (W, _)) in enumerate(zip([1000, 400], params, strict=True)):
        expected = math.sqrt(2.0 / fan_in)
        got = float(np.std(W))
        assert abs(got - expected) < 0.03 * expected, (
            f"init_mlp([1000, 400, 50], rng): layer {layer} weights have std {got:.5f}, "
            f"expected sqrt(2 / fan_in) = sqrt(2 / {fan_in}) = {expected:.5f}"
        )


def test_init_mlp_weights_are_zero_mean_normal(impl, rng):
    # A normal puts 8.3% of its mass beyond sqrt(3) std; He-UNIFORM (same
    # std, bound sqrt(3) std) puts none there. A mean far from 0 means the
    # draw was not centred (rng.random() is uniform on [0, 1)). The sample's
    # own std is the yardstick: the scale is the previous test's business.
    (W, _), *_ = impl.init_mlp([1000, 400], rng)
    std = float(np.std(W))
    mean = float(np.mean(W))
    assert abs(mean) < 5 * std / math.sqrt(W.size), (
        f"init_mlp([1000, 400], rng): weight mean {mean:.2e}, expected 0 (within sampling noise)"
    )
    tail = float(np.mean(np.abs(W) > math.sqrt(3.0) * std))
    assert abs(tail - 0.0833) < 0.005, (
        f"init_mlp([1000, 400], rng): {tail:.4f} of the weights lie beyond sqrt(3) * std, "
        "expected 0.0833 for a normal distribution (0 would mean uniform)"
    )


def test_init_mlp_is_driven_by_the_callers_rng(impl):
    first = impl.init_mlp([6, 4, 2], np.random.default_rng(1))
    again = impl.init_mlp([6, 4, 2], np.random.default_rng(1))
    other = impl.init_mlp([6, 4, 2], np.random.default_rng(2))
    assert all(np.array_equal(a[0], c[0]) for a, c in zip(first, again, strict=True)), (
        "init_mlp with two generators seeded alike gave different weights: draw from the "
        "rng argument, not from np.random"
    )
    assert not np.array_equal(first[0][0], other[0][0]), (
        "init_mlp with generators seeded 1 and 2 gave the same weights: the rng is not used"
    )


def test_init_mlp_layers_get_independent_draws(impl, rng):
    # [16, 16, 16]: two layers of the same shape. Re-seeding per layer, or
    # reusing one draw, gives W1 == W2 (or perfectly correlated): the layers
    # then start as copies. Independent draws have a correlation near 0
    # (standard error 1/16 for 256 pairs).
    params = impl.init_mlp([16, 16, 16], rng)
    W1, W2 = np.asarray(params[0][0]), np.asarray(params[1][0])
    r = float(np.corrcoef(W1.ravel(), W2.ravel())[0, 1])
    assert abs(r) < 0.25, (
        f"init_mlp([16, 16, 16]): the two weight matrices have correlation {r:.3f}, "
        "expected ~0: draw every layer from the caller's rng in turn, never re-seed"
    )


def test_init_mlp_rejects_a_single_size(impl, rng):
    with pytest.raises(ValueError):
        impl.init_mlp([784], rng)


# --- mlp_forward -----------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_forward_matches_loop(impl, rng, assert_close, activation):
    x = rng.standard_normal((4, 5))
    params = _random_params(rng, [5, 7, 6, 3])
    scores, _ = impl.mlp_forward(x, params, activation=activation)
    _, pre = _mlp_loop(x, params, _REFERENCE_ACTIVATIONS[activation])
    assert_close(
        scores, pre[-1], tol=1e-12, what=f"mlp_forward(x (4, 5), [5, 7, 6, 3], {activation!r})"
    )


def test_mlp_forward_last_layer_has_no_activation(impl, rng, assert_close):
    # The default activation is ReLU. Scores are logits: some must be negative
    # here, and a ReLU on the last layer would clip them to 0.
    x = rng.standard_normal((6, 4))
    params = _random_params(rng, [4, 8, 5])
    _, pre = _mlp_loop(x, params, _relu_ref)
    assert np.any(pre[-1] < 0), "test data: the expected scores should contain negatives"
    scores, _ = impl.mlp_forward(x, params)
    assert_close(
        scores, pre[-1], tol=1e-12, what="mlp_forward(x (6, 4), [4, 8, 5]) (negative scores kept)"
    )


def test_mlp_forward_single_layer_is_affine_only(impl, rng, assert_close):
    x = rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(4)
    scores, _ = impl.mlp_forward(x, [(W, b)], activation="sigmoid")
    assert_close(
        scores, _affine_loop(x, W, b), tol=1e-12, what="mlp_forward(x, [(W, b)], 'sigmoid')"
    )


def test_mlp_forward_caches_hold_each_layers_input_and_pre_activation(impl, rng, assert_close):
    # Topic 07's backward needs, per layer, the layer's input (in the affine
    # cache) and its pre-activation z. An in-place ReLU would overwrite z.
    x = rng.standard_normal((4, 5))
    params = _random_params(rng, [5, 7, 6, 3])
    _, caches = impl.mlp_forward(x, params, activation="relu")
    inputs, pre = _mlp_loop(x, params, _relu_ref)
    assert len(caches) == 3, f"mlp_forward returned {len(caches)} caches for 3 layers"
    for layer, (affine_cache, z) in enumerate(caches):
        assert_close(
            affine_cache[0], inputs[layer], tol=1e-12, what=f"caches[{layer}][0][0] (layer input)"
        )
        assert_close(z, pre[layer], tol=1e-12, what=f"caches[{layer}][1] (pre-activation z)")


def test_mlp_forward_flattens_image_input(impl, rng, assert_close):
    x = rng.standard_normal((4, 2, 3))
    params = _random_params(rng, [6, 5, 2])
    scores, _ = impl.mlp_forward(x, params, activation="tanh")
    _, pre = _mlp_loop(x, params, np.tanh)
    assert_close(scores, pre[-1], tol=1e-12, what="mlp_forward(x (4, 2, 3), [6, 5, 2], 'tanh')")


def test_mlp_forward_caches_the_input_in_its_original_shape(impl, rng):
    # Topic 07 returns dx shaped like the cached input: flattening x inside
    # mlp_forward, before the first affine layer, loses the shape (N, 2, 3).
    x = rng.standard_normal((4, 2, 3))
    _, caches = impl.mlp_forward(x, _random_params(rng, [6, 5, 2]))
    cached_x = caches[0][0][0]
    assert np.shape(cached_x) == x.shape, (
        f"mlp_forward(x (4, 2, 3), [6, 5, 2]): caches[0][0][0] has shape "
        f"{np.shape(cached_x)}, expected x in its original shape {x.shape} "
        "(leave the flattening to affine_forward)"
    )
    assert np.array_equal(cached_x, x), (
        "mlp_forward(x (4, 2, 3), [6, 5, 2]): caches[0][0][0] has the right shape but is not x"
    )


def test_mlp_forward_sigmoid_is_stable_for_large_pre_activations(impl, assert_close):
    # Hidden pre-activations +-1000: exp(1000) overflows (a RuntimeWarning,
    # an error under this project's pytest settings). sigmoid(1000) = 1 and
    # sigmoid(-1000) = 0 in float64; sigmoid(+-2) = 1 / (1 + e^-+2).
    x = np.array([[1.0], [-1.0]])
    W1 = np.array([[1000.0, -1000.0, 2.0]])
    params = [(W1, np.zeros(3)), (np.eye(3), np.zeros(3))]
    scores, _ = impl.mlp_forward(x, params, activation="sigmoid")
    s2 = 1.0 / (1.0 + math.exp(-2.0))
    expected = np.array([[1.0, 0.0, s2], [0.0, 1.0, 1.0 - s2]])
    assert_close(scores, expected, tol=1e-12, what="mlp_forward with sigmoid(+-1000)")


def test_mlp_forward_examples_of_a_batch_stay_independent(impl, rng, assert_close):
    # The forward pass of a batch equals the forward pass of each example
    # alone (batch of one, kept as (1, C)), and a permutation of the batch
    # permutes the scores: nothing in an MLP mixes examples.
    x = rng.standard_normal((6, 4))
    params = _random_params(rng, [4, 7, 3])
    scores, _ = impl.mlp_forward(x, params, "tanh")
    scores = np.asarray(scores)
    for n in range(6):
        alone, _ = impl.mlp_forward(x[n : n + 1], params, "tanh")
        assert_close(
            alone,
            scores[n : n + 1],
            tol=1e-12,
            what=f"mlp_forward(x[{n}:{n + 1}]) (1, 3) vs row {n} of the batch",
        )
    perm = rng.permutation(6)
    permuted, _ = impl.mlp_forward(x[perm], params, "tanh")
    assert_close(
        permuted, scores[perm], tol=1e-12, what="mlp_forward(x[perm]) vs mlp_forward(x)[perm]"
    )


def test_mlp_forward_sigmoid_keeps_relative_accuracy_in_the_tail(impl, assert_close):
    # One hidden sigmoid unit at pre-activation -40 and at -745 (near the
    # smallest subnormal), read out by an identity output layer:
    # sigmoid(-40) = 4.248e-18. Writing sigmoid(z) = 1 - sigmoid(-z) for
    # z < 0 returns 1 - 1 = 0 there.
    x = np.array([[-40.0], [-700.0], [35.0]])
    params = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0]]), np.array([0.0]))]
    scores, _ = impl.mlp_forward(x, params, "sigmoid")
    expected = [
        [math.exp(-40.0) / (1 + math.exp(-40.0))],
        [math.exp(-700.0)],
        [1 / (1 + math.exp(-35.0))],
    ]
    assert_close(
        scores,
        expected,
        tol=1e-12,
        what="mlp_forward([[-40], [-700], [35]], identity weights, 'sigmoid')",
        floor=0.0,
    )


def test_mlp_forward_sigmoid_far_tail_is_relatively_accurate(impl, assert_close):
    # sigmoid(-700) = 9.86e-305. assert_close's denominator is floored at 1e-8,
    # so a value this small must be compared as a ratio. The common
    # 1 / (1 + exp(-clip(z, -500, 500))) returns e^-500 = 7e-218 here.
    x = np.array([[-700.0], [-300.0]])
    params = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0]]), np.array([0.0]))]
    scores, _ = impl.mlp_forward(x, params, "sigmoid")
    expected = np.array([[math.exp(-700.0)], [math.exp(-300.0)]])
    ratio = np.asarray(scores, dtype=np.float64) / expected
    assert_close(
        ratio,
        [[1.0], [1.0]],
        tol=1e-12,
        what="mlp_forward([[-700], [-300]], identity, 'sigmoid') / [e^-700, e^-300]",
    )


def test_mlp_forward_rejects_unknown_activation(impl, rng):
    params = _random_params(rng, [3, 4, 2])
    with pytest.raises(ValueError, match="swish"):
        impl.mlp_forward(np.ones((2, 3)), params, activation="swish")


# --- mlp_parameter_count ---------------------------------------------------


@pytest.mark.parametrize(
    ("layer_sizes", "expected"),
    [
        ([784, 256, 10], 203_530),  # 784*256 + 256 + 256*10 + 10
        ([2, 1], 3),  # logistic regression on two features
        ([3, 4, 5, 2], 53),  # (12 + 4) + (20 + 5) + (10 + 2)
        ([50_000, 50_000, 50_000], 5_000_100_000),  # > 2**31: int32 would wrap
    ],
)
def test_mlp_parameter_count_known_values(impl, layer_sizes, expected):
    got = impl.mlp_parameter_count(layer_sizes)
    assert got == expected, f"mlp_parameter_count({layer_sizes}) = {got}, expected {expected:,}"


def test_mlp_parameter_count_matches_the_arrays(impl, rng):
    sizes = [10, 20, 30, 5]
    expected = sum(W.size + b.size for W, b in _random_params(rng, sizes))
    got = impl.mlp_parameter_count(sizes)
    assert got == expected, (
        f"mlp_parameter_count({sizes}) = {got}, but the weights and biases hold {expected} numbers"
    )


def test_mlp_parameter_count_returns_an_integer(impl):
    got = impl.mlp_parameter_count([4, 3])
    assert isinstance(got, (int, np.integer)), (
        f"mlp_parameter_count([4, 3]) returned {type(got).__name__} {got!r}, expected an int"
    )


def test_mlp_parameter_count_width_one_layers(impl):
    # [1, 1]: one weight and one bias. Python int, even for sizes whose
    # products exceed 2**31: [100000, 100000] -> 10,000,100,000.
    assert impl.mlp_parameter_count([1, 1]) == 2
    got = impl.mlp_parameter_count([100_000, 100_000])
    assert got == 10_000_100_000, (
        f"mlp_parameter_count([1e5, 1e5]) = {got}, expected 10,000,100,000"
    )


# --- mlp_activation_shapes -------------------------------------------------


def test_mlp_activation_shapes_exclude_the_input(impl):
    got = impl.mlp_activation_shapes(32, [784, 256, 10])
    expected = [(32, 256), (32, 10)]
    assert isinstance(got, list), f"mlp_activation_shapes returned {got!r}, expected a list"
    assert all(isinstance(s, tuple) for s in got), (
        f"mlp_activation_shapes returned {got!r}, expected a list of tuples"
    )
    assert got == expected, (
        f"mlp_activation_shapes(32, [784, 256, 10]) = {got}, expected {expected}"
    )


def test_mlp_activation_shapes_match_a_forward_pass(impl, rng):
    sizes = [6, 4, 5, 2]
    x = rng.standard_normal((3, 6))
    _, pre = _mlp_loop(x, _random_params(rng, sizes), _relu_ref)
    expected = [z.shape for z in pre]
    got = impl.mlp_activation_shapes(3, sizes)
    assert got == expected, f"mlp_activation_shapes(3, {sizes}) = {got}, expected {expected}"


@pytest.mark.parametrize("batch_size", [1, 0], ids=["batch-1", "batch-0"])
def test_mlp_activation_shapes_small_batches_are_kept(impl, batch_size):
    # A batch of one is (1, M), never squeezed to (M,); batch_size = 0 is
    # falsy but valid (an empty batch has shapes (0, M)).
    got = impl.mlp_activation_shapes(batch_size, [5, 4, 2])
    assert list(map(tuple, got)) == [(batch_size, 4), (batch_size, 2)], (
        f"mlp_activation_shapes({batch_size}, [5, 4, 2]) = {got}, "
        f"expected [({batch_size}, 4), ({batch_size}, 2)]"
    )


# --- predict ---------------------------------------------------------------


def test_predict_returns_argmax_of_scores_per_example(impl, rng):
    # N = 7 examples, C = 4 classes: argmax over axis 0 has the wrong shape.
    x = rng.standard_normal((7, 5))
    params = _random_params(rng, [5, 8, 4])
    _, pre = _mlp_loop(x, params, _relu_ref)
    expected = np.argmax(pre[-1], axis=1)
    got = impl.predict(x, params)
    assert np.shape(got) == (7,), (
        f"predict(x (7, 5), [5, 8, 4]) has shape {np.shape(got)}, not (7,)"
    )
    assert np.array_equal(got, expected), (
        f"predict(x (7, 5), [5, 8, 4]) = {got!r}, expected {expected!r} "
        "(the index of the largest score in each row)"
    )


def test_predict_returns_integer_indices(impl, rng):
    x = rng.standard_normal((3, 2))
    got = np.asarray(impl.predict(x, _random_params(rng, [2, 3, 4])))
    assert got.dtype.kind in "iu", f"predict returned dtype {got.dtype}, expected an integer dtype"


def test_predict_ranks_negative_scores(impl):
    # All scores negative; the largest is in column 1. A ReLU on the output
    # layer would make every score 0 and predict class 0.
    x = np.array([[1.0], [2.0]])
    W = np.array([[-3.0, -1.0, -2.0]])
    got = impl.predict(x, [(W, np.zeros(3))])
    assert np.array_equal(got, [1, 1]), (
        f"predict with scores [[-3, -1, -2], [-6, -2, -4]] = {got!r}, expected [1, 1]"
    )


def test_predict_ties_go_to_the_first_index_and_a_batch_of_one_stays_1d(impl):
    # Scores [2, 5, 5] and [0, 0, 0]: the first maximum wins (np.argmax and
    # torch.argmax both return it), giving [1, 0]; a batch of one gives (1,).
    W = np.array([[2.0, 5.0, 5.0]])
    got = np.asarray(impl.predict(np.array([[1.0], [0.0]]), [(W, np.zeros(3))]))
    assert got.tolist() == [1, 0], (
        f"predict with scores [[2, 5, 5], [0, 0, 0]] = {got.tolist()}, expected [1, 0]"
    )
    one = np.asarray(impl.predict(np.array([[1.0]]), [(W, np.zeros(3))]))
    assert one.shape == (1,), f"predict(x (1, 1), ...) has shape {one.shape}, expected (1,)"


def test_predict_takes_the_argmax_of_the_scores_not_of_rounded_probabilities(impl):
    # Scores [0, 1e-17]: class 1 is larger. softmax rounds exp(-1e-17) to 1.0
    # and gives [0.5, 0.5], a false tie that argmax hands to class 0.
    W = np.array([[0.0, 1e-17]])
    got = np.asarray(impl.predict(np.array([[1.0]]), [(W, np.zeros(2))]))
    assert got.tolist() == [1], f"predict with scores [[0, 1e-17]] = {got.tolist()}, expected [1]"


# --- softmax ---------------------------------------------------------------


def _softmax_loop(row):
    m = max(row)
    e = [math.exp(v - m) for v in row]
    return [v / sum(e) for v in e]


def test_softmax_matches_a_loop_row_by_row(impl, rng, assert_close):
    # N = 5 examples, C = 3 classes (non-square: a softmax over axis 0
    # normalises the columns, each example's probabilities then depend on the
    # other examples, and no row sums to 1).
    z = rng.standard_normal((5, 3)) * 3
    got = impl.softmax(z)
    assert_close(
        got, [_softmax_loop(r) for r in z], tol=1e-12, what="softmax(z (5, 3)) over the last axis"
    )


def test_softmax_rows_far_apart_are_each_stable(impl, assert_close, call_quietly):
    # One row at 1e3, one at 1e-3, one at -1e3, one at 1e300: each row is
    # shifted by its own max. The global max (1e300) would send the other
    # rows to exp(-1e300) = 0 and 0 / 0 = nan; no shift at all overflows.
    z = np.array(
        [
            [1000.0, 999.0, 998.0],
            [1e-3, 2e-3, 0.0],
            [-1000.0, -1001.0, -1000.0],
            [1e300, 0.0, -1e300],
        ]
    )
    got = call_quietly(impl.softmax, z, what="softmax(rows at 1e3, 1e-3, -1e3, 1e300)")
    expected = [_softmax_loop(r) for r in z[:3]] + [[1.0, 0.0, 0.0]]
    assert_close(got, expected, tol=1e-12, what="softmax(rows at 1e3, 1e-3, -1e3, 1e300)")


def test_softmax_small_probabilities_keep_relative_accuracy(impl, assert_close):
    # softmax([0, -50, -700]): the last two are e^-50 / (1 + e^-50 + e^-700)
    # and e^-700 / (...), 1.9e-22 and 9.9e-305, each to full relative accuracy.
    # 1 - (sum of the others), or a clip at 1e-12, loses them.
    got = impl.softmax(np.array([[0.0, -50.0, -700.0]]))
    d = 1 + math.exp(-50.0) + math.exp(-700.0)
    assert_close(
        got,
        [[1 / d, math.exp(-50.0) / d, math.exp(-700.0) / d]],
        tol=1e-12,
        what="softmax([[0, -50, -700]])",
    )
    # assert_close floors its denominator at 1e-8: compare the tiny ones as ratios.
    ratio = np.asarray(got, dtype=np.float64)[0, 1:] / [math.exp(-50.0) / d, math.exp(-700.0) / d]
    assert_close(ratio, [1.0, 1.0], tol=1e-12, what="softmax([[0, -50, -700]])[0, 1:] / expected")


def test_softmax_batch_of_one_and_a_single_vector_keep_their_shapes(impl, assert_close):
    assert_close(
        impl.softmax(np.array([[0.0, math.log(3.0)]])),
        [[0.25, 0.75]],
        tol=1e-12,
        what="softmax([[0, ln 3]]) (1, 2)",
    )
    assert_close(
        impl.softmax(np.array([math.log(3.0), 0.0])),
        [0.75, 0.25],
        tol=1e-12,
        what="softmax([ln 3, 0]) (2,)",
    )


def test_softmax_is_invariant_to_a_shift_per_row(impl, rng, assert_close):
    z = rng.standard_normal((4, 6))
    shifted = z + np.array([[100.0], [-3.0], [0.0], [1e4]])
    assert_close(
        impl.softmax(shifted),
        [_softmax_loop(r) for r in z],
        tol=1e-9,
        what="softmax(z + c per row)",
    )


def test_softmax_returns_float64_for_float32_logits(impl, assert_close):
    # The docstring promises float64. Computed in float32, exp(-120) = 7.7e-53
    # underflows to 0 (float32 stops at 1.4e-45) and the class vanishes.
    got = impl.softmax(np.array([[0.0, -120.0]], dtype=np.float32))
    assert np.asarray(got).dtype == np.float64, (
        f"softmax(float32 [[0, -120]]) has dtype {np.asarray(got).dtype}, expected float64"
    )
    assert_close(
        np.asarray(got)[0, 1] / math.exp(-120.0),
        1.0,
        tol=1e-12,
        what="softmax(float32 [[0, -120]])[0, 1] / e^-120",
    )


def test_softmax_normalises_the_last_axis_of_a_3d_batch(impl, rng, assert_close):
    # (2, 3, 4): the class axis is the last one, whatever the leading shape.
    z = rng.standard_normal((2, 3, 4)) * 3
    expected = [[_softmax_loop(r) for r in block] for block in z]
    assert_close(impl.softmax(z), expected, tol=1e-12, what="softmax(z (2, 3, 4)) over axis -1")


def test_softmax_rejects_a_scalar(impl):
    with pytest.raises(ValueError):
        impl.softmax(np.float64(1.0))


# --- matrix_chain_order ----------------------------------------------------


def _brute_force_chain(dims):
    """Cheapest cost by trying every parenthesisation (Catalan many): slow, independent."""

    def best(i, j):
        if i == j:
            return 0
        return min(
            best(i, k) + best(k + 1, j) + dims[i] * dims[k + 1] * dims[j + 1] for k in range(i, j)
        )

    return best(0, len(dims) - 2)


def _cost_of_order(order, dims):
    """Multiply-adds of a parenthesised order string, by evaluating its shapes."""
    tokens = order.replace("(", " ( ").replace(")", " ) ").split()
    stack = []
    total = 0
    for tok in tokens:
        if tok == ")":
            right, left = stack.pop(), stack.pop()
            assert stack.pop() == "(", f"malformed order {order!r}"
            assert left[1] == right[0], f"order {order!r} multiplies incompatible shapes"
            total += left[0] * left[1] * right[1]
            stack.append((left[0], right[1]))
        elif tok == "(":
            stack.append(tok)
        else:
            i = int(tok[1:])
            stack.append((dims[i], dims[i + 1]))
    assert len(stack) == 1, f"order {order!r} does not reduce to one product"
    return total


@pytest.mark.parametrize(
    ("dims", "cost", "order"),
    [
        ((10, 100, 5, 50), 7_500, "((A0 A1) A2)"),
        ((30, 35, 15, 5, 10, 20, 25), 15_125, "((A0 (A1 A2)) ((A3 A4) A5))"),
        ((4, 3), 0, "A0"),
        ((2, 3, 4), 24, "(A0 A1)"),
    ],
    ids=["10-100-5-50", "clrs-6", "one-matrix", "two-matrices"],
)
def test_matrix_chain_order_known_chains(impl, dims, cost, order):
    got = impl.matrix_chain_order(dims)
    assert tuple(got) == (cost, order), (
        f"matrix_chain_order({dims}) = {got}, expected ({cost:,}, {order!r})"
    )


def test_matrix_chain_order_matches_brute_force(impl, rng):
    # Random chains of 2 to 7 matrices, against trying every order; the
    # returned order must also cost what is claimed.
    for _ in range(15):
        dims = [int(d) for d in rng.integers(1, 40, size=int(rng.integers(3, 9)))]
        cost, order = impl.matrix_chain_order(dims)
        expected = _brute_force_chain(dims)
        assert cost == expected, (
            f"matrix_chain_order({dims}) cost {cost}, expected {expected} (brute force)"
        )
        assert _cost_of_order(order, dims) == cost, (
            f"matrix_chain_order({dims}): order {order!r} does not cost {cost}"
        )


def test_matrix_chain_order_ties_go_to_the_first_split(impl):
    # All sizes 1: every order costs n - 1; the first k wins at every level.
    assert tuple(impl.matrix_chain_order([1, 1, 1, 1])) == (2, "(A0 (A1 A2))")
    assert tuple(impl.matrix_chain_order([1, 1, 1, 1, 1])) == (3, "(A0 (A1 (A2 A3)))")


def test_matrix_chain_order_is_exact_beyond_int64(impl):
    # (1e7, 1e7) @ (1e7, 1e7): 1e21 multiply-adds, above int64's 9.2e18. A
    # NumPy int64 table wraps around silently; Python ints do not.
    cost, _ = impl.matrix_chain_order(np.array([10**7, 10**7, 10**7]))
    assert cost == 10**21, f"matrix_chain_order([1e7, 1e7, 1e7]) cost {cost}, expected 10**21"
    assert isinstance(cost, int), f"cost is {type(cost).__name__}, expected a Python int"


def test_matrix_chain_order_rejects_too_few_sizes(impl):
    with pytest.raises(ValueError):
        impl.matrix_chain_order([5])


def test_matrix_chain_order_rejects_a_zero_size(impl):
    # A (3, 0) @ (0, 4) chain is not a chain of real matrices; the docstring
    # says ValueError for a size < 1 (not a cost of 0).
    with pytest.raises(ValueError):
        impl.matrix_chain_order([3, 0, 4])


# --- mlp_flops -------------------------------------------------------------


@pytest.mark.parametrize(
    ("batch_size", "layer_sizes", "expected"),
    [
        (64, [784, 256, 10], 26_017_792),  # 2 * 64 * (200,704 + 2,560)
        (1, [3, 4, 5, 2], 84),  # 2 * (12 + 20 + 10)
        (10, [3, 4, 5, 2], 840),  # linear in the batch size
    ],
)
def test_mlp_flops_known_values(impl, batch_size, layer_sizes, expected):
    got = impl.mlp_flops(batch_size, layer_sizes)
    assert got == expected, (
        f"mlp_flops({batch_size}, {layer_sizes}) = {got}, expected {expected:,} "
        "(2 N D M per layer, biases and activations not counted)"
    )


def test_mlp_flops_is_exact_beyond_int64(impl):
    # 2 * 10^6 * 10^6 * 10^7 = 2e19 > int64's 9.2e18: np.sum / np.prod over an
    # int64 array wraps to a negative number; Python ints stay exact.
    got = impl.mlp_flops(10**6, [10**6, 10**7])
    assert got == 2 * 10**19, f"mlp_flops(1e6, [1e6, 1e7]) = {got}, expected 2 * 10**19"


# --- collapse_linear_layers ------------------------------------------------


@pytest.mark.parametrize(
    "layer_sizes",
    [
        [5, 7, 4, 3],
        [3, 3, 3, 3],  # square layers: a reversed product W3 W2 W1 has the right shape
    ],
)
def test_collapse_linear_layers_matches_the_stack(impl, rng, assert_close, layer_sizes):
    x = rng.standard_normal((6, layer_sizes[0]))
    params = _random_params(rng, layer_sizes)
    W, b = impl.collapse_linear_layers(params)
    _, pre = _mlp_loop(x, params, lambda z: z)  # identity: no activation
    assert_close(
        _affine_loop(x, W, b),
        pre[-1],
        tol=1e-10,
        what=f"x @ W + b for (W, b) = collapse_linear_layers(params {layer_sizes})",
    )


def test_collapse_linear_layers_of_one_layer_returns_new_arrays(impl, rng):
    # The docstring promises new arrays: handing back params[0]'s own W and b
    # lets a later in-place update of the collapsed map change the model.
    params = [(rng.standard_normal((3, 2)), rng.standard_normal(2))]
    W, b = impl.collapse_linear_layers(params)
    assert not np.shares_memory(W, params[0][0]), "collapse([(W, b)]) returned W itself"
    assert not np.shares_memory(b, params[0][1]), "collapse([(W, b)]) returned b itself"
    assert np.array_equal(W, params[0][0]), f"collapse([(W, b)]) -> W = {W!r}, expected a copy"
    assert np.array_equal(b, params[0][1]), f"collapse([(W, b)]) -> b = {b!r}, expected a copy"


def test_collapse_linear_layers_pushes_biases_through_later_weights(impl, assert_close):
    # (2 x + 1) * 3 + 0.5 = 6 x + 3.5, not 6 x + (1 + 0.5).
    params = [(np.array([[2.0]]), np.array([1.0])), (np.array([[3.0]]), np.array([0.5]))]
    W, b = impl.collapse_linear_layers(params)
    assert_close(W, [[6.0]], tol=1e-12, what="collapse([(2, 1), (3, 0.5)]) -> W")
    assert_close(b, [3.5], tol=1e-12, what="collapse([(2, 1), (3, 0.5)]) -> b")


# --- every exercise leaves the caller's arrays untouched ---------------------
# Reshaping or activating x in place, or updating a (W, b) of params in place,
# returns the right scores and corrupts the caller's data or model.


def _small_params(rng):
    return [
        (rng.standard_normal((4, 5)), rng.standard_normal(5)),
        (rng.standard_normal((5, 3)), rng.standard_normal(3)),
    ]


def test_affine_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, W, b = rng.standard_normal((2, 2, 2)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    call_untouched(impl.affine_forward, x, W, b, what="affine_forward(x (2, 2, 2), W, b)")


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_mlp_forward_leaves_inputs_untouched(impl, rng, call_untouched, activation):
    x, params = rng.standard_normal((3, 4)), _small_params(rng)
    call_untouched(
        impl.mlp_forward, x, params, activation, what=f"mlp_forward(x, params, {activation!r})"
    )


def test_predict_leaves_inputs_untouched(impl, rng, call_untouched):
    x, params = rng.standard_normal((3, 4)), _small_params(rng)
    call_untouched(impl.predict, x, params, what="predict(x, params)")


def test_softmax_leaves_scores_untouched(impl, rng, call_untouched):
    # scores -= scores.max(...) shifts the caller's logits in place.
    call_untouched(impl.softmax, rng.standard_normal((3, 4)) * 5, what="softmax(scores)")


def test_matrix_chain_order_leaves_dims_untouched(impl, call_untouched):
    call_untouched(
        impl.matrix_chain_order, np.array([10, 100, 5, 50]), what="matrix_chain_order(dims)"
    )


def test_collapse_linear_layers_leaves_params_untouched(impl, rng, call_untouched):
    call_untouched(impl.collapse_linear_layers, _small_params(rng), what="collapse_linear_layers")


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
