"""Topic 07: backpropagation.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

``affine_forward`` (topic 06) is given, already implemented: topics do not
import each other, and affine_backward needs its cache. Suggested order:
affine_backward, relu_forward, relu_backward, softmax_cross_entropy,
gradient_check, two_layer_net_loss, make_spiral, train_two_layer_net.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Given helper (identical in solutions.py): the affine forward pass of topic 06
# ---------------------------------------------------------------------------


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Given helper (topic 06), not an exercise: out = x.reshape(N, D) @ W + b.

    x: (N, d1, ..., dk) with D = d1 * ... * dk; W: (D, M); b: (M,).
    Returns (out, cache): out (N, M), cache = (x, W, b), which affine_backward reads.
    """
    if x.ndim < 2 or W.ndim != 2 or b.shape != (W.shape[1],) or np.prod(x.shape[1:]) != len(W):
        raise ValueError(
            f"affine_forward: x {x.shape}, W {W.shape}, b {b.shape} do not fit "
            "x.reshape(N, D) @ W (D, M) + b (M,)"
        )
    out = x.reshape(x.shape[0], -1) @ W + b
    return out, (x, W, b)


# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def affine_backward(dout: np.ndarray, cache):
    """Backward pass of out = x.reshape(N, D) @ W + b.

    With x2 = x.reshape(N, D), the chain rule in index form
    (out[n, m] = sum_d x2[n, d] W[d, m] + b[m]) gives

        dx2 = dout @ W.T      (N, M) @ (M, D) -> (N, D), then reshaped to x.shape
        dW  = x2.T @ dout     (D, N) @ (N, M) -> (D, M)
        db  = dout summed over the batch axis  -> (M,)

    Args:
        dout: (N, M) upstream gradient dL/dout.
        cache: (x, W, b) as returned by affine_forward; x is (N, d1, ..., dk).

    Returns:
        (dx, dW, db): dx with x's original shape (N, d1, ..., dk), dW (D, M), db (M,).

    Raises:
        ValueError: if dout is not (N, M); the message names dout's shape and
        the expected one.

    Hint: every gradient has the shape of its variable, and only one product
    of dout with the other factor has that shape ("shape matching"). b was
    broadcast over N rows in the forward pass: the backward of a broadcast is
    a sum over the broadcast axis.
    """
    raise NotImplementedError


def relu_forward(x: np.ndarray):
    """ReLU: out = max(0, x) element-wise.

    Args:
        x: any shape.

    Returns:
        (out, cache): out with x's shape; cache = what relu_backward needs (x).

    Must not modify x (``x[x < 0] = 0`` does).

    Hint: ``np.maximum(0, x)`` returns a new array.
    """
    raise NotImplementedError


def relu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Backward pass of ReLU: dx = dout where x > 0, else 0.

    The derivative of max(0, x) is 1 for x > 0 and 0 for x < 0; at exactly
    x == 0 it is undefined, and PyTorch (so this curriculum) uses 0.

    Args:
        dout: upstream gradient, same shape as x.
        cache: from relu_forward.

    Returns:
        dx, same shape as dout, a new array (dout must not be modified).

    Hint: multiply by the boolean mask (x > 0); strict >, not >=.
    """
    raise NotImplementedError


def softmax_cross_entropy(scores: np.ndarray, y: np.ndarray):
    """Mean softmax cross-entropy loss over a batch, and its gradient.

        p[n] = softmax(scores[n]),   loss = -(1/N) sum_n log p[n, y[n]]
        dscores = (p - onehot(y)) / N

    Args:
        scores: (N, C) unnormalised class scores (logits).
        y: (N,) integer class indices in [0, C).

    Returns:
        (loss, dscores): loss a float (the mean over the batch, PyTorch's
        ``cross_entropy`` with reduction="mean"), dscores (N, C).

    Must give finite, correct values for scores of magnitude 1000, and a loss
    that keeps growing with the margin of a wrong class (true class behind by
    800: loss 800; never clip p). N = 1 keeps dscores (1, C); C = 1 is legal
    (as in torch): loss 0, gradient 0.

    Hint: subtract each row's max before exponentiating (softmax is unchanged
    by a per-row shift), and compute log p as shifted - log(sum(exp(shifted)))
    rather than log(softmax), which is log(0) = -inf for a very wrong class.
    Do not forget the 1/N in dscores.
    """
    raise NotImplementedError


def two_layer_net_loss(params: dict, X: np.ndarray, y: np.ndarray, reg: float = 0.0):
    """Loss and gradients of a two-layer network: affine - relu - affine - softmax.

        a1 = X @ W1 + b1          (N, H)
        h1 = relu(a1)             (N, H)
        scores = h1 @ W2 + b2     (N, C)
        loss = softmax_cross_entropy(scores, y) + 0.5 * reg * (sum(W1**2) + sum(W2**2))

    Args:
        params: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,);
            must not be modified.
        X: (N, D) inputs.
        y: (N,) integer labels in [0, C).
        reg: L2 strength. Only the weights are regularised, not the biases.

    Returns:
        (loss, grads): loss a float; grads a dict with the same keys as params,
        each gradient with its parameter's shape.

    Hint: build it from affine_forward, relu_forward, softmax_cross_entropy,
    then the backward functions in reverse order. The regulariser adds
    reg * W to dW (the 0.5 cancels the 2) and nothing to db.
    """
    raise NotImplementedError


def gradient_check(
    f: Callable[[np.ndarray], float], x: np.ndarray, analytic_grad: np.ndarray, h: float = 1e-5
) -> float:
    """Compare an analytic gradient with a central-difference one; return the max relative error.

        numeric[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)        for every index i
        error      = max_i |a_i - n_i| / max(1e-8, |a_i| + |n_i|)

    Args:
        f: takes an array shaped like x, returns a scalar.
        x: the point, any shape; must not be modified.
        analytic_grad: the gradient to check, same shape as x.
        h: the finite-difference step.

    Returns:
        float: the max relative error. In float64 a correct gradient of a
        smooth, well-scaled f gives about 1e-10 to 1e-7; above 1e-4 is a bug.

    Hint: perturb a float64 copy of x with ``np.ndindex`` (every index of any
    shape), restore each entry from a saved value, then apply the formula
    element-wise and take the max (the 1e-8 floor turns 0 / 0 into 0).
    """
    raise NotImplementedError


def make_spiral(n_per_class: int, n_classes: int, rng: np.random.Generator):
    """The CS231n spiral dataset: n_classes interleaved arms in the plane.

    For class k, with n = n_per_class and i = 0, ..., n - 1:

        r_i     = linspace(0, 1, n)[i]
        theta_i = linspace(4 k, 4 (k + 1), n)[i] + 0.2 * rng.standard_normal()
        x_i     = (r_i * sin(theta_i), r_i * cos(theta_i)),   label k

    Args:
        n_per_class: points per class.
        n_classes: number of classes (arms).
        rng: the only source of randomness.

    Returns:
        (X, y): X (n_per_class * n_classes, 2) float64, y (same N,) integer
        labels in [0, n_classes), n_per_class of each.

    Hint: fill the rows of class k with one vectorised expression per class.
    """
    raise NotImplementedError


def train_two_layer_net(
    X: np.ndarray,
    y: np.ndarray,
    hidden: int,
    lr: float,
    n_epochs: int,
    batch_size: int,
    rng: np.random.Generator,
):
    """Train the two-layer network with mini-batch SGD (no regularisation).

    Init from rng: weights He-normal, rng.standard_normal((fan_in, fan_out))
    * sqrt(2 / fan_in), biases zero; C = max(y) + 1 classes. (CS231n's
    0.01 * standard normal also trains, but starts on a plateau at loss log C
    and learns too slowly for the tests' short runs.) Each epoch:
    shuffle the N indices with rng.permutation, walk through them in batches
    of batch_size (the last batch may be smaller; keep it), and per batch take
    one step param <- param - lr * grad from two_layer_net_loss(params, Xb, yb)
    (call this module's two_layer_net_loss: a test watches which rows each
    call receives).

    Args:
        X: (N, D) inputs; y: (N,) integer labels.
        hidden: H, the width of the hidden layer.
        lr: learning rate; n_epochs: passes over the data; batch_size: examples per step.
        rng: the only source of randomness (init and shuffling): the same seed
            must give the same result.

    Returns:
        (params, loss_history): params a dict "W1" (D, H), "b1" (H,), "W2" (H, C),
        "b2" (C,); loss_history (n_epochs,), entry e the mean of the mini-batch
        losses computed during epoch e (before each step). Always n_epochs
        entries, even if the run diverges to nan (no early stop); (0,) for
        n_epochs = 0.

    Hint: with hidden=100, lr=1.0, 300 epochs of batch 50, make_spiral(100, 3)
    reaches about 98% training accuracy in well under a second.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _affine_case(rng):
    """A 3-D input x (N=4, 5, 2), so D = 10 and M = 3: nothing is square."""
    x = rng.standard_normal((4, 5, 2))
    W = rng.standard_normal((10, 3))
    b = rng.standard_normal(3)
    return x, W, b


@pytest.mark.parametrize("wrt", ["x", "W", "b"])
def test_affine_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    # out = x2 @ W + b written out here (not the module's forward); the
    # numerical VJP of it against a random dout is the gradient to match.
    x, W, b = _affine_case(rng)
    _, cache = impl.affine_forward(x, W, b)
    dout = rng.standard_normal((4, 3))
    dx, dW, db = impl.affine_backward(dout, cache)
    got = {"x": dx, "W": dW, "b": db}[wrt]
    inputs = {"x": x, "W": W, "b": b}

    def forward(value):
        args = {**inputs, wrt: value}
        return args["x"].reshape(4, -1) @ args["W"] + args["b"]

    # forward is linear in each input, so the central difference is exact for
    # any h; h = 1e-3 keeps the rounding error near 1e-12 instead of 1e-9.
    expected = num_vjp(forward, inputs[wrt], dout, h=1e-3)
    assert_close(
        got,
        expected,
        tol=1e-8,
        what=f"affine_backward(dout (4, 3), cache of x (4, 5, 2), W (10, 3)) -> d{wrt} "
        "(a correct backward agrees to ~1e-10)",
    )


def test_affine_backward_dx_has_x_original_shape(impl, rng):
    x, W, b = _affine_case(rng)
    _, cache = impl.affine_forward(x, W, b)
    dx, _, _ = impl.affine_backward(rng.standard_normal((4, 3)), cache)
    assert np.shape(dx) == x.shape, (
        f"affine_backward returned dx of shape {np.shape(dx)} for x of shape {x.shape}: "
        "dx must have x's original shape (reshape dout @ W.T back to x.shape)"
    )


def test_affine_backward_hand_computed_example(impl, assert_close):
    # dx = dout @ W.T = [[-1, 1], [2, 6]]; dW = x.T @ dout = [[1, -1, 2], [-1, -2, 3]];
    # db = column sums of dout = [4, -1, 3].
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    b = np.zeros(3)
    dout = np.array([[1.0, -1.0, 2.0], [3.0, 0.0, 1.0]])
    _, cache = impl.affine_forward(x, W, b)
    dx, dW, db = impl.affine_backward(dout, cache)
    what = "affine_backward(dout=[[1, -1, 2], [3, 0, 1]], x=[[1, 2], [0, -1]], W (2, 3))"
    assert_close(dx, [[-1.0, 1.0], [2.0, 6.0]], tol=1e-12, what=what + " -> dx")
    assert_close(dW, [[1.0, -1.0, 2.0], [-1.0, -2.0, 3.0]], tol=1e-12, what=what + " -> dW")
    assert_close(db, [4.0, -1.0, 3.0], tol=1e-12, what=what + " -> db (sum over the batch)")


def test_affine_backward_rejects_mismatched_dout(impl, rng):
    x, W, b = _affine_case(rng)
    _, cache = impl.affine_forward(x, W, b)
    bad = rng.standard_normal((4, 10))  # (N, D) instead of (N, M)
    with pytest.raises(ValueError, match=re.escape(str(bad.shape))):
        impl.affine_backward(bad, cache)


def test_relu_forward_values(impl, assert_close):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1e-12]])
    out, _ = impl.relu_forward(x)
    assert_close(out, [[0.0, 0.0, 0.0], [0.5, 3.0, 0.0]], tol=0, what=f"relu_forward({x.tolist()})")


def test_relu_forward_does_not_modify_input(impl):
    x = np.array([-1.0, 2.0, -3.0, 0.5])
    impl.relu_forward(x)
    assert np.array_equal(x, [-1.0, 2.0, -3.0, 0.5]), (
        f"relu_forward modified its input to {x!r}: use np.maximum, not x[x < 0] = 0"
    )


def test_relu_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close):
    # Entries kept at least 0.1 away from the kink, so that the central
    # difference (h = 1e-3) never straddles it.
    x = rng.standard_normal((4, 5))
    x += np.where(x >= 0, 0.1, -0.1)
    dout = rng.standard_normal((4, 5))
    _, cache = impl.relu_forward(x)
    got = impl.relu_backward(dout, cache)
    expected = num_vjp(lambda z: np.maximum(0.0, z), x, dout, h=1e-3)  # exact: piecewise linear
    assert_close(got, expected, tol=1e-8, what="relu_backward(dout (4, 5), cache of x (4, 5))")


def test_relu_backward_passes_zero_gradient_at_zero(impl, assert_close):
    # PyTorch's convention at the kink: relu'(0) = 0 (a mask x >= 0 gives 1).
    x = np.array([-1.0, 0.0, 2.0])
    _, cache = impl.relu_forward(x)
    got = impl.relu_backward(np.array([5.0, 5.0, 5.0]), cache)
    assert_close(
        got, [0.0, 0.0, 5.0], tol=0, what="relu_backward([5, 5, 5], x=[-1, 0, 2]) (0 at x == 0)"
    )


def test_relu_backward_does_not_modify_dout(impl):
    x = np.array([-1.0, 2.0, -3.0])
    dout = np.array([1.0, 1.0, 1.0])
    _, cache = impl.relu_forward(x)
    impl.relu_backward(dout, cache)
    assert np.array_equal(dout, [1.0, 1.0, 1.0]), (
        f"relu_backward modified dout to {dout!r}: return dout * mask, a new array"
    )


def _loop_cross_entropy(scores, y):
    """Slow reference: mean over rows of logsumexp(row) - row[y], with math."""
    total = 0.0
    for row, label in zip(scores.tolist(), y.tolist(), strict=True):
        top = max(row)
        lse = top + math.log(sum(math.exp(s - top) for s in row))
        total += lse - row[label]
    return total / len(y)


def test_softmax_cross_entropy_uniform_scores_give_log_C(impl, assert_close):
    # Equal scores: p = 1/C everywhere, loss = log C for every row (and its mean),
    # dscores = (1/C - onehot) / N. A summed loss would give N log C.
    N, C = 4, 5
    y = np.array([0, 3, 4, 1])
    loss, dscores = impl.softmax_cross_entropy(np.zeros((N, C)), y)
    assert_close(loss, math.log(C), tol=1e-12, what="softmax_cross_entropy(zeros (4, 5), y) loss")
    expected = (np.full((N, C), 1.0 / C) - np.eye(C)[y]) / N
    assert_close(dscores, expected, tol=1e-12, what="softmax_cross_entropy(zeros (4, 5), y) grad")


def test_softmax_cross_entropy_matches_loop_reference(impl, rng, assert_close):
    scores = 3.0 * rng.standard_normal((6, 4))
    y = rng.integers(0, 4, size=6)
    loss, _ = impl.softmax_cross_entropy(scores, y)
    assert isinstance(loss, float), f"the loss should be a float, got {type(loss).__name__}"
    expected = _loop_cross_entropy(scores, y)
    assert_close(loss, expected, tol=1e-12, what="softmax_cross_entropy(scores (6, 4), y) loss")


def test_softmax_cross_entropy_gradient_matches_numerical(impl, rng, num_grad, assert_close):
    scores = rng.standard_normal((4, 5))
    y = np.array([1, 0, 4, 1])
    _, dscores = impl.softmax_cross_entropy(scores, y)
    expected = num_grad(lambda s: _loop_cross_entropy(s, y), scores)
    assert_close(
        dscores,
        expected,
        tol=1e-8,
        what="softmax_cross_entropy(scores (4, 5), y) -> dscores (expected (p - onehot) / N)",
    )


def test_softmax_cross_entropy_is_stable_for_large_scores(impl, assert_close, call_quietly):
    # Row 0: the true class wins by 1000: loss log(1 + e^-1000 + e^-2000) = 0.
    # Row 1: true score 999 against 1000: loss 1 + log(1 + e^-1), e^-2000 ignored.
    scores = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    y = np.array([0, 2])
    loss, dscores = call_quietly(
        impl.softmax_cross_entropy, scores, y, what="softmax_cross_entropy(scores of +-1000, y)"
    )
    row1 = 1.0 + math.log1p(math.exp(-1.0))
    assert_close(loss, row1 / 2, tol=1e-12, what="softmax_cross_entropy(scores of +-1000) loss")
    p1 = np.array([0.0, 1.0, math.exp(-1.0)]) / (1.0 + math.exp(-1.0))
    expected = np.array([[0.0, 0.0, 0.0], p1 - [0.0, 0.0, 1.0]]) / 2
    assert_close(dscores, expected, tol=1e-12, what="softmax_cross_entropy(scores of +-1000) grad")


def test_softmax_cross_entropy_shifts_each_row_by_its_own_max(impl, assert_close, call_quietly):
    # The rows' maxima differ by 2000. Shifting by the global max (no axis=1)
    # sends every exponent of row 1 below -2000: exp underflows to 0, log(0).
    # Row 0: 1 + log(1 + e^-1) (e^-1000 ignored); row 1: log(1 + e^-1 + e^-3).
    scores = np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -1003.0]])
    y = np.array([1, 0])
    loss, dscores = call_quietly(
        impl.softmax_cross_entropy, scores, y, what=f"softmax_cross_entropy({scores.tolist()}, y)"
    )
    z0 = 1.0 + math.exp(-1.0)
    z1 = 1.0 + math.exp(-1.0) + math.exp(-3.0)
    expected_loss = (1.0 + math.log(z0) + math.log(z1)) / 2
    assert_close(
        loss,
        expected_loss,
        tol=1e-12,
        what="softmax_cross_entropy(rows with maxima 1000 and -1000) loss "
        "(subtract each row's max: scores.max(axis=1, keepdims=True))",
    )
    p0 = np.array([1.0, math.exp(-1.0), 0.0]) / z0
    p1 = np.array([1.0, math.exp(-1.0), math.exp(-3.0)]) / z1
    expected = np.array([p0 - [0.0, 1.0, 0.0], p1 - [1.0, 0.0, 0.0]]) / 2
    assert_close(
        dscores,
        expected,
        tol=1e-12,
        what="softmax_cross_entropy(rows with maxima 1000 and -1000) grad",
    )


def _net_case(rng):
    """N=5, D=4, H=6, C=3 with nonzero biases (so a regularised bias shows)."""
    params = {
        "W1": rng.standard_normal((4, 6)),
        "b1": rng.standard_normal(6),
        "W2": rng.standard_normal((6, 3)),
        "b2": rng.standard_normal(3),
    }
    X = rng.standard_normal((5, 4))
    y = np.array([0, 2, 1, 2, 0])
    return params, X, y


def _net_data_loss(params, X, y):
    """The network's unregularised loss, written out independently."""
    hidden = np.maximum(0.0, X @ params["W1"] + params["b1"])
    return _loop_cross_entropy(hidden @ params["W2"] + params["b2"], y)


def test_two_layer_net_loss_matches_forward_reference(impl, rng, assert_close):
    params, X, y = _net_case(rng)
    loss, _ = impl.two_layer_net_loss(params, X, y)  # reg defaults to 0
    assert_close(
        loss,
        _net_data_loss(params, X, y),
        tol=1e-12,
        what="two_layer_net_loss(params, X (5, 4), y) with the default reg=0",
    )


def test_two_layer_net_loss_adds_half_reg_times_squared_weights(impl, rng, assert_close):
    # Weights only: 0.5 * reg * (sum W1^2 + sum W2^2); the biases are not penalised.
    params, X, y = _net_case(rng)
    reg = 0.7
    loss, _ = impl.two_layer_net_loss(params, X, y, reg=reg)
    penalty = 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    assert_close(
        loss,
        _net_data_loss(params, X, y) + penalty,
        tol=1e-12,
        what="two_layer_net_loss(params, X, y, reg=0.7) (data loss + 0.5 reg sum(W^2), no b)",
    )


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_two_layer_net_loss_gradients_match_numerical(impl, rng, num_grad, assert_close, name):
    params, X, y = _net_case(rng)
    reg = 0.7
    _, grads = impl.two_layer_net_loss(params, X, y, reg=reg)

    def loss_of(value):
        p = {**params, name: value}
        return _net_data_loss(p, X, y) + 0.5 * reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))

    expected = num_grad(loss_of, params[name])
    assert_close(
        grads[name],
        expected,
        tol=1e-7,
        what=f"two_layer_net_loss(params, X (5, 4), y, reg=0.7) -> grads['{name}']",
    )


def test_two_layer_net_loss_bias_gradients_ignore_reg(impl, rng, assert_close):
    # b is not regularised, so its gradient must not change with reg.
    params, X, y = _net_case(rng)
    _, plain = impl.two_layer_net_loss(params, X, y, reg=0.0)
    _, regularised = impl.two_layer_net_loss(params, X, y, reg=10.0)
    for name in ("b1", "b2"):
        assert_close(
            regularised[name],
            plain[name],
            tol=1e-12,
            what=f"grads['{name}'] with reg=10 (expected equal to reg=0: biases are not "
            "regularised)",
        )


def test_two_layer_net_loss_returns_grads_shaped_like_params(impl, rng):
    params, X, y = _net_case(rng)
    _, grads = impl.two_layer_net_loss(params, X, y, reg=0.1)
    assert set(grads) == set(params), f"grads has keys {sorted(grads)}, expected {sorted(params)}"
    for name, value in params.items():
        assert np.shape(grads[name]) == value.shape, (
            f"grads['{name}'] has shape {np.shape(grads[name])}, expected {value.shape}"
        )


def test_two_layer_net_loss_does_not_modify_params(impl, rng):
    params, X, y = _net_case(rng)
    before = {k: v.copy() for k, v in params.items()}
    impl.two_layer_net_loss(params, X, y, reg=0.5)
    for name in params:
        assert np.array_equal(params[name], before[name]), (
            f"two_layer_net_loss modified params['{name}']: compute dW = ... + reg * W "
            "into a new array, never in place on the parameter"
        )


def test_gradient_check_is_tiny_for_a_correct_gradient(impl, rng):
    x = rng.standard_normal((3, 4))
    err = impl.gradient_check(lambda z: np.sum(np.sin(z) * z), x, np.cos(x) * x + np.sin(x))
    assert err < 1e-8, (
        f"gradient_check(sum(sin(x) x), x (3, 4), its exact gradient) = {err}, "
        "expected below 1e-8 (a correct gradient in float64 gives ~1e-10)"
    )


def test_gradient_check_uses_the_relative_error_formula(impl, assert_close):
    # f = sum(x^2): the central difference is exactly 2x. An analytic gradient
    # 2x (1 + d) then has relative error |2x d| / (|2x (1 + d)| + |2x|) = d / (2 + d).
    x = np.array([0.5, -1.5, 2.0, 3.0])
    d = np.array([0.1, 0.02, 0.3, 0.0])
    err = impl.gradient_check(lambda z: np.sum(z**2), x, 2 * x * (1 + d))
    assert_close(
        err,
        0.3 / 2.3,
        tol=1e-8,
        what="gradient_check(sum(x**2), x, 2x(1 + d)) (max of d / (2 + d), the CS231n ratio)",
    )


@pytest.mark.parametrize(
    ("analytic", "expected"),
    [([0.0, 0.0], 0.0), ([0.0, 1e-9], 0.1), ([1e-6, 0.0], 1.0)],
)
def test_gradient_check_floors_the_denominator_at_1e_8(impl, assert_close, analytic, expected):
    # f is constant, so the numerical gradient is exactly 0 and the error is
    # |a| / max(1e-8, |a|): 0 / 0 must give 0, not nan.
    err = impl.gradient_check(lambda z: 3.0, np.array([1.0, 2.0]), np.array(analytic))
    assert_close(
        err, expected, tol=1e-9, what=f"gradient_check(constant f, x, analytic={analytic})"
    )


def test_gradient_check_uses_the_given_step(impl, assert_close):
    # For sum(x^3) the central difference is 3x^2 + h^2: against the exact 3x^2
    # each entry's error is h^2 / (6 x^2 + h^2), largest at the smallest |x|.
    x = np.array([0.5, -1.0, 2.0])
    h = 1e-2
    err = impl.gradient_check(lambda z: np.sum(z**3), x, 3 * x**2, h=h)
    assert_close(
        err, h**2 / (6 * 0.25 + h**2), tol=1e-6, what="gradient_check(sum(x**3), x, 3x^2, h=1e-2)"
    )


def test_gradient_check_leaves_x_unmodified(impl):
    # In floating point x + h - 2h + h != x for 0.1 and 0.7, and (x - h) + h != x
    # for 1e-6: the original entry must be saved and put back, on a copy.
    x = np.array([[0.1, 0.7], [1e-6, -2.9]])
    before = x.copy()
    impl.gradient_check(lambda z: np.sum(z**2), x, 2 * x)
    assert np.array_equal(x, before), (
        f"gradient_check modified x:\n  before: {before.tolist()}\n  after:  {x.tolist()}\n"
        "perturb a copy and restore each entry from a saved value"
    )


def test_gradient_check_accepts_integer_x(impl):
    # Perturbing an int array in place truncates x + h back to x: a numerical
    # gradient of 0 and a "failed" check of a correct gradient.
    x = np.array([1, 2, 3])
    err = impl.gradient_check(lambda z: np.sum(z**2), x, np.array([2.0, 4.0, 6.0]))
    assert err < 1e-8, (
        f"gradient_check(sum(x**2), x=[1, 2, 3] (int), [2, 4, 6]) = {err}, expected < 1e-8: "
        "perturb a float64 copy of x"
    )


def test_gradient_check_returns_a_float(impl):
    err = impl.gradient_check(lambda z: np.sum(z**2), np.array([1.0, 2.0]), np.array([2.0, 4.0]))
    assert isinstance(err, float), f"gradient_check returned {type(err).__name__}, expected float"


def test_gradient_check_catches_a_missing_reg_term(impl, rng, num_grad):
    # The use it is made for: a two-layer net whose dW1 lacks reg * W1.
    params, X, y = _net_case(rng)
    reg = 0.7

    def loss_of(W1):
        p = {**params, "W1": W1}
        return _net_data_loss(p, X, y) + 0.5 * reg * (np.sum(W1**2) + np.sum(p["W2"] ** 2))

    W1 = params["W1"]
    correct = num_grad(loss_of, W1)
    err_ok = impl.gradient_check(loss_of, W1, correct)
    err_bad = impl.gradient_check(loss_of, W1, correct - reg * W1)
    assert err_ok < 1e-7, f"gradient_check on a correct dW1 gave {err_ok}, expected < 1e-7"
    assert err_bad > 1e-3, f"gradient_check on dW1 without reg * W1 gave {err_bad}, expected > 1e-3"


@pytest.mark.parametrize(("n_per_class", "n_classes"), [(100, 3), (50, 4)])
def test_make_spiral_shapes_dtypes_and_labels(impl, rng, n_per_class, n_classes):
    X, y = impl.make_spiral(n_per_class, n_classes, rng)
    N = n_per_class * n_classes
    assert np.shape(X) == (N, 2), f"make_spiral({n_per_class}, {n_classes}): X {np.shape(X)}"
    assert X.dtype == np.float64, f"X has dtype {X.dtype}, expected float64"
    assert np.shape(y) == (N,), f"make_spiral({n_per_class}, {n_classes}): y {np.shape(y)}"
    assert np.issubdtype(y.dtype, np.integer), f"y has dtype {y.dtype}, expected integers"
    counts = np.bincount(y, minlength=n_classes)
    assert counts.tolist() == [n_per_class] * n_classes, (
        f"label counts {counts.tolist()}, expected {n_per_class} of each of {n_classes} classes"
    )


def test_make_spiral_radii_run_linearly_from_0_to_1(impl, rng, assert_close):
    n = 100
    X, y = impl.make_spiral(n, 3, rng)
    for k in range(3):
        radii = np.sort(np.hypot(X[y == k, 0], X[y == k, 1]))
        assert_close(radii, np.linspace(0.0, 1.0, n), tol=1e-9, what=f"sorted radii of class {k}")


def test_make_spiral_angles_follow_each_arm_with_noise_0_2(impl, rng):
    # x = r sin(theta), y = r cos(theta), so theta = atan2(x, y). Along arm k
    # (points ordered by radius) theta = linspace(4k, 4k + 4, n) + N(0, 0.2^2).
    n = 200
    X, y = impl.make_spiral(n, 3, rng)
    for k in range(3):
        arm = X[y == k]
        arm = arm[np.argsort(np.hypot(arm[:, 0], arm[:, 1]))][1:]  # r = 0 has no angle
        clean = np.linspace(4.0 * k, 4.0 * (k + 1), n)[1:]
        noise = np.angle(np.exp(1j * (np.arctan2(arm[:, 0], arm[:, 1]) - clean)))
        summary = (
            f"class {k}: the angle minus linspace(4k, 4k + 4) has mean {noise.mean():.3f} "
            f"and std {noise.std():.3f}, expected about 0 and 0.2 (is x = r sin(theta), "
            "y = r cos(theta)?)"
        )
        assert abs(noise.mean()) < 0.06, summary
        assert 0.15 < noise.std() < 0.25, summary


def test_make_spiral_is_deterministic_given_the_seed(impl):
    X1, y1 = impl.make_spiral(30, 3, np.random.default_rng(5))
    X2, y2 = impl.make_spiral(30, 3, np.random.default_rng(5))
    X3, _ = impl.make_spiral(30, 3, np.random.default_rng(6))
    message = "make_spiral gave different data for the same seed: draw only from rng"
    assert np.array_equal(X1, X2), message
    assert np.array_equal(y1, y2), message
    assert not np.array_equal(X1, X3), "make_spiral gave the same data for seeds 5 and 6"


def _accuracy(params, X, y):
    hidden = np.maximum(0.0, X @ params["W1"] + params["b1"])
    return float(np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == y))


def test_train_two_layer_net_fits_the_spiral(impl, rng):
    X, y = impl.make_spiral(100, 3, rng)
    start = time.perf_counter()
    params, _ = impl.train_two_layer_net(
        X, y, hidden=100, lr=1.0, n_epochs=300, batch_size=50, rng=rng
    )
    seconds = time.perf_counter() - start
    acc = _accuracy(params, X, y)
    assert acc >= 0.9, (
        f"train_two_layer_net(spiral 100 x 3, hidden=100, lr=1.0, 300 epochs, batch 50) "
        f"reached {acc:.1%} training accuracy, expected >= 90% (the reference gets ~98%)"
    )
    # The reference takes 0.3 to 1 s; the margin is for slow machines. A Python
    # loop over examples is some 50 times slower and fails here.
    assert seconds < 3.0, (
        f"training took {seconds:.2f} s, expected about 1 s: vectorise the layers "
        "(no Python loop over examples)"
    )


def test_train_two_layer_net_loss_history_decreases(impl, rng):
    X, y = impl.make_spiral(50, 3, rng)
    n_epochs = 60
    _, history = impl.train_two_layer_net(
        X, y, hidden=50, lr=1.0, n_epochs=n_epochs, batch_size=30, rng=rng
    )
    history = np.asarray(history, dtype=np.float64)
    assert history.shape == (n_epochs,), (
        f"loss_history has shape {history.shape}, expected ({n_epochs},): one mean per epoch"
    )
    assert np.all(np.isfinite(history)), f"loss_history has non-finite entries: {history}"
    first, last = history[:5].mean(), history[-5:].mean()
    assert last < 0.6 * first, (
        f"mean loss of the first 5 epochs {first:.3f}, of the last 5 {last:.3f}: "
        "expected the loss to fall by at least 40% (is the update param - lr * grad?)"
    )


def test_train_two_layer_net_returns_params_shaped_for_the_data(impl, rng):
    X, y = impl.make_spiral(20, 4, rng)
    params, _ = impl.train_two_layer_net(X, y, hidden=7, lr=0.5, n_epochs=2, batch_size=16, rng=rng)
    expected = {"W1": (2, 7), "b1": (7,), "W2": (7, 4), "b2": (4,)}
    got = {k: np.shape(v) for k, v in params.items()}
    assert got == expected, f"params shapes {got}, expected {expected} (C = max(y) + 1 = 4)"


def test_train_two_layer_net_records_the_mean_batch_loss(impl, rng, assert_close):
    # With lr = 0 the parameters stay at their init, and with equal batches
    # (60 = 4 x 15) the mean of the batch losses is the loss on all the data.
    X, y = impl.make_spiral(20, 3, rng)
    params, history = impl.train_two_layer_net(
        X, y, hidden=10, lr=0.0, n_epochs=3, batch_size=15, rng=rng
    )
    hidden = np.maximum(0.0, X @ params["W1"] + params["b1"])
    full = _loop_cross_entropy(hidden @ params["W2"] + params["b2"], y)
    assert_close(
        history,
        [full] * 3,
        tol=1e-10,
        what="loss_history of train_two_layer_net(lr=0, 3 epochs, 4 batches of 15) "
        "(each entry: the mean of the epoch's mini-batch losses)",
    )


def test_train_two_layer_net_visits_every_example_once_per_epoch(impl, rng, monkeypatch):
    # Spy on the module's two_layer_net_loss (train_two_layer_net must call it)
    # to see which rows each step used: N = 23, batch 5 -> batches 5, 5, 5, 5, 3,
    # a fresh permutation of all 23 rows every epoch.
    X = rng.standard_normal((23, 2))
    y = rng.integers(0, 3, size=23)
    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    batches = []
    original = impl.two_layer_net_loss

    def spy(params, Xb, yb, *args, **kwargs):
        batches.append([row_of[row.tobytes()] for row in np.asarray(Xb)])
        return original(params, Xb, yb, *args, **kwargs)

    monkeypatch.setattr(impl, "two_layer_net_loss", spy)
    impl.train_two_layer_net(X, y, hidden=4, lr=0.1, n_epochs=3, batch_size=5, rng=rng)
    sizes = [len(b) for b in batches]
    assert sizes == [5, 5, 5, 5, 3] * 3, (
        f"batch sizes over 3 epochs were {sizes}, expected [5, 5, 5, 5, 3] per epoch "
        "(keep the last, smaller batch; call two_layer_net_loss once per batch)"
    )
    epochs = [[i for batch in batches[5 * e : 5 * e + 5] for i in batch] for e in range(3)]
    for e, order in enumerate(epochs):
        assert sorted(order) == list(range(23)), (
            f"epoch {e} used rows {order}: expected each of the 23 rows exactly once"
        )
    assert epochs[0] != list(range(23)), "epoch 0 used the rows in order: shuffle with rng"
    assert epochs[0] != epochs[1], "epochs 0 and 1 used the same order: reshuffle every epoch"


def test_train_two_layer_net_history_is_the_mean_of_each_epochs_batch_losses(
    impl, rng, monkeypatch, assert_close
):
    # Spy on the losses two_layer_net_loss returns while the parameters move
    # (lr > 0) and the batches are unequal (23 = 5 + 5 + 5 + 5 + 3): entry e is
    # their plain mean, not a loss on all the data at the end of the epoch,
    # not the last batch's loss and not a mean weighted by batch size.
    X = rng.standard_normal((23, 2))
    y = rng.integers(0, 3, size=23)
    losses = []
    original = impl.two_layer_net_loss

    def spy(params, Xb, yb, *args, **kwargs):
        loss, grads = original(params, Xb, yb, *args, **kwargs)
        losses.append(float(loss))
        return loss, grads

    monkeypatch.setattr(impl, "two_layer_net_loss", spy)
    _, history = impl.train_two_layer_net(X, y, hidden=4, lr=0.5, n_epochs=3, batch_size=5, rng=rng)
    assert len(losses) == 15, (
        f"two_layer_net_loss was called {len(losses)} times in 3 epochs of 5 batches, expected 15"
    )
    expected = [float(np.mean(losses[5 * e : 5 * e + 5])) for e in range(3)]
    assert_close(
        history,
        expected,
        tol=1e-12,
        what="loss_history of train_two_layer_net(N=23, batch 5, lr=0.5, 3 epochs) "
        "(entry e: the plain mean of the 5 batch losses of epoch e)",
    )


def test_train_two_layer_net_is_deterministic_given_the_seed(impl):
    X, y = impl.make_spiral(30, 3, np.random.default_rng(0))
    runs = [
        impl.train_two_layer_net(X, y, 16, 0.5, 5, 20, np.random.default_rng(seed))
        for seed in (1, 1, 2)
    ]
    (p1, h1), (p2, h2), (p3, _) = runs
    same = all(np.array_equal(p1[k], p2[k]) for k in p1) and np.array_equal(h1, h2)
    assert same, "two runs with the same seed gave different results: draw only from rng"
    assert not np.array_equal(p1["W1"], p3["W1"]), (
        "seeds 1 and 2 gave the same W1: initialise the weights from rng"
    )


# --- edges and numerical range ------------------------------------------------
# A batch of one must keep its batch axis, a confidently wrong prediction must
# keep costing more (no clipped probability), a single class is legal, every
# input rank the docstrings allow works, and a diverging run still reports one
# loss per epoch.


def test_affine_backward_keeps_a_batch_of_one(impl, rng, assert_close):
    # N = 1: dx keeps shape (1, 3, 2) (a .squeeze() would drop the batch axis),
    # dW is the outer product x^T dout, db is dout's only row.
    x = rng.standard_normal((1, 3, 2))
    W = rng.standard_normal((6, 4))
    b = rng.standard_normal(4)
    dout = rng.standard_normal((1, 4))
    _, cache = impl.affine_forward(x, W, b)
    dx, dW, db = impl.affine_backward(dout, cache)
    what = "affine_backward(dout (1, 4), cache of x (1, 3, 2), W (6, 4))"
    assert np.shape(dx) == (1, 3, 2), f"{what}: dx has shape {np.shape(dx)}, expected (1, 3, 2)"
    assert np.shape(db) == (4,), f"{what}: db has shape {np.shape(db)}, expected (4,)"
    assert_close(dx, (dout @ W.T).reshape(1, 3, 2), tol=1e-12, what=what + " -> dx")
    assert_close(dW, np.outer(x.ravel(), dout[0]), tol=1e-12, what=what + " -> dW")
    assert_close(db, dout[0], tol=1e-12, what=what + " -> db")


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_relu_backward_works_for_any_rank(impl, rng, assert_close, shape):
    # Element-wise layers take any shape; -0.0 is not > 0, so it gets gradient 0.
    x = rng.standard_normal(shape)
    x.flat[0] = -0.0
    dout = rng.standard_normal(shape)
    out, cache = impl.relu_forward(x)
    dx = impl.relu_backward(dout, cache)
    assert_close(out, np.where(x > 0, x, 0.0), tol=0, what=f"relu_forward(x of shape {shape})")
    assert_close(
        dx,
        np.where(x > 0, dout, 0.0),
        tol=0,
        what=f"relu_backward(dout, cache) for x of shape {shape} (x[0] = -0.0 gets 0)",
    )


def test_softmax_cross_entropy_grows_linearly_when_confidently_wrong(
    impl, assert_close, call_quietly
):
    # The true class trails by 800: loss = 800 + log(1 + e^-800 + e^-1600) = 800
    # exactly in float64, gradient [-1, 1, 0]. A probability clipped to 1e-12
    # before the log caps the loss at 27.6 and hides how wrong the model is.
    scores = np.array([[0.0, 800.0, -800.0], [0.0, 400.0, -800.0]])
    y = np.array([0, 0])
    loss, dscores = call_quietly(
        impl.softmax_cross_entropy, scores, y, what=f"softmax_cross_entropy({scores.tolist()})"
    )
    assert_close(
        loss,
        600.0,
        tol=1e-14,
        what=f"softmax_cross_entropy({scores.tolist()}, y=[0, 0]) loss (mean of 800 and 400; "
        "work with log-probabilities, never clip p)",
    )
    expected = np.array([[-1.0, 1.0, 0.0], [-1.0, 1.0, 0.0]]) / 2
    assert_close(dscores, expected, tol=1e-14, what="softmax_cross_entropy(wrong by 800) grad")


def test_softmax_cross_entropy_keeps_a_batch_of_one_and_a_single_class(impl, assert_close):
    # Batch of one: dscores stays (1, C). One class (torch accepts C = 1): p = 1,
    # loss 0, gradient 0 whatever the score.
    loss, dscores = impl.softmax_cross_entropy(np.array([[2.0, 0.0, -1.0]]), np.array([1]))
    z = math.exp(2.0) + 1.0 + math.exp(-1.0)
    assert_close(loss, math.log(z), tol=1e-12, what="softmax_cross_entropy([[2, 0, -1]], [1])")
    assert_close(
        dscores,
        [[math.exp(2.0) / z, 1.0 / z - 1.0, math.exp(-1.0) / z]],
        tol=1e-12,
        what="softmax_cross_entropy([[2, 0, -1]], [1]) grad (shape (1, 3), never squeezed)",
    )
    loss, dscores = impl.softmax_cross_entropy(np.array([[3.0], [-7.0]]), np.array([0, 0]))
    assert_close(loss, 0.0, tol=0, what="softmax_cross_entropy(C = 1) loss")
    assert_close(dscores, [[0.0], [0.0]], tol=0, what="softmax_cross_entropy(C = 1) grad")


def test_two_layer_net_loss_gradients_for_a_batch_of_one(impl, rng, num_grad, assert_close):
    # N = 1 with reg = 0 (a falsy but valid value: exactly the data loss).
    params, X, y = _net_case(rng)
    X1, y1 = X[:1], y[:1]
    loss, grads = impl.two_layer_net_loss(params, X1, y1, reg=0.0)
    assert_close(
        loss,
        _net_data_loss(params, X1, y1),
        tol=1e-12,
        what="two_layer_net_loss(params, X (1, D), y (1,), reg=0.0) loss",
    )
    for name in ("W1", "b1", "W2", "b2"):

        def loss_of(value, name=name):
            return _net_data_loss({**params, name: value}, X1, y1)

        assert np.shape(grads[name]) == np.shape(params[name]), (
            f"grads[{name!r}] has shape {np.shape(grads[name])} for a batch of one, "
            f"expected {np.shape(params[name])}"
        )
        assert_close(
            grads[name],
            num_grad(loss_of, params[name]),
            tol=1e-7,
            what=f"two_layer_net_loss(batch of one, reg=0.0) -> grads[{name!r}]",
        )


def test_gradient_check_perturbs_every_entry_of_a_3d_x(impl, rng):
    # f = sum(x^3 + x) on x (2, 3, 4), gradient 3x^2 + 1 >= 1 (no entry near 0,
    # so a correct gradient gives ~1e-10); a gradient wrong by 1 in the LAST
    # entry only must still be seen (a loop over rows, or over range(len(x)),
    # misses it).
    x = rng.standard_normal((2, 3, 4))
    x[-1, -1, -1] = 0.5  # gradient 1.75: wrong by 1 gives 1 / (2.75 + 1.75) = 0.22

    def f(p):
        return float(np.sum(p**3 + p))

    good = 3 * x**2 + 1
    err = impl.gradient_check(f, x, good)
    assert err < 1e-7, f"gradient_check(sum(x^3 + x), x (2, 3, 4), 3x^2 + 1) = {err}, want < 1e-7"
    bad = good.copy()
    bad[-1, -1, -1] += 1.0
    err = impl.gradient_check(f, x, bad)
    assert err > 0.2, (
        f"gradient_check with analytic_grad wrong by 1 at index (1, 2, 3) returned {err}, "
        "expected 0.22: every entry of a 3-D x must be perturbed (use np.ndindex(x.shape))"
    )


def test_make_spiral_with_one_point_per_class_is_the_origin(impl, rng, assert_close):
    # linspace(0, 1, 1) = [0]: the one point of each arm sits at radius 0 (a
    # radius i / (n - 1) divides by zero here).
    X, y = impl.make_spiral(1, 3, rng)
    assert_close(X, np.zeros((3, 2)), tol=0, what="make_spiral(1, 3) X (radius 0)")
    assert np.asarray(y).tolist() == [0, 1, 2], f"make_spiral(1, 3) y = {y}, expected [0, 1, 2]"


def test_train_two_layer_net_history_has_one_entry_per_epoch_whatever_happens(impl, rng):
    # lr = 1e200 makes the run diverge (weights overflow, losses nan): loss_history still has
    # n_epochs entries (no early break); n_epochs = 0 gives an empty (0,) history;
    # batch_size larger than N is one batch per epoch.
    X, y = impl.make_spiral(10, 3, rng)
    with np.errstate(all="ignore"):
        _, history = impl.train_two_layer_net(
            X, y, hidden=8, lr=1e200, n_epochs=7, batch_size=8, rng=rng
        )
    assert np.shape(history) == (7,), (
        f"train_two_layer_net(lr=1e200, n_epochs=7) returned loss_history of shape "
        f"{np.shape(history)}, expected (7,) even when the run diverges"
    )
    params, history = impl.train_two_layer_net(
        X, y, hidden=8, lr=0.5, n_epochs=0, batch_size=8, rng=rng
    )
    assert np.shape(history) == (0,), (
        f"train_two_layer_net(n_epochs=0) returned loss_history of shape {np.shape(history)}, "
        "expected (0,)"
    )
    assert np.shape(params["W1"]) == (2, 8), "n_epochs=0 must still return initialised params"
    _, history = impl.train_two_layer_net(
        X, y, hidden=8, lr=0.5, n_epochs=3, batch_size=1000, rng=rng
    )
    assert np.shape(history) == (3,), (
        f"train_two_layer_net(batch_size=1000 > N=30) history shape {np.shape(history)}, "
        "expected (3,)"
    )
    assert np.all(np.isfinite(history)), f"history with one full batch per epoch: {history}"


# --- every exercise leaves the caller's arrays untouched ---------------------
# Writing the ReLU mask into dout, shifting scores in place, or a training loop
# that shuffles X in place returns the right values and corrupts the caller's
# data; a backward that edits its cache breaks a second backward call.


def test_affine_backward_leaves_dout_and_cache_untouched(impl, rng, call_untouched):
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    _, cache = impl.affine_forward(x, W, b)
    dout = rng.standard_normal((3, 2))
    call_untouched(impl.affine_backward, dout, cache, what="affine_backward(dout, cache)")


def test_relu_forward_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.relu_forward, rng.standard_normal((3, 4)), what="relu_forward(x)")


def test_relu_backward_leaves_dout_and_cache_untouched(impl, rng, call_untouched):
    _, cache = impl.relu_forward(rng.standard_normal((3, 4)))
    dout = rng.standard_normal((3, 4))
    call_untouched(impl.relu_backward, dout, cache, what="relu_backward(dout, cache)")


def test_softmax_cross_entropy_leaves_inputs_untouched(impl, rng, call_untouched):
    scores, y = 100 * rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    call_untouched(impl.softmax_cross_entropy, scores, y, what="softmax_cross_entropy(scores, y)")


def test_two_layer_net_loss_leaves_inputs_untouched(impl, rng, call_untouched):
    params = {
        "W1": rng.standard_normal((4, 5)),
        "b1": rng.standard_normal(5),
        "W2": rng.standard_normal((5, 3)),
        "b2": rng.standard_normal(3),
    }
    X, y = rng.standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    call_untouched(impl.two_layer_net_loss, params, X, y, 0.1, what="two_layer_net_loss")


def test_gradient_check_leaves_inputs_untouched(impl, rng, call_untouched):
    x = rng.standard_normal((2, 3))
    call_untouched(
        impl.gradient_check, lambda p: np.sum(p**3), x, 3 * x**2, what="gradient_check(f, x, grad)"
    )


def test_train_two_layer_net_leaves_data_untouched(impl, call_untouched):
    X, y = impl.make_spiral(10, 3, np.random.default_rng(0))
    call_untouched(
        impl.train_two_layer_net,
        X,
        y,
        8,
        0.5,
        2,
        7,
        np.random.default_rng(1),
        what="train_two_layer_net(X, y, ...)",
    )


# --- initialisation, class count, randomness, dtype -------------------------


def test_train_two_layer_net_initialises_he_normal_weights_and_zero_biases(impl, rng):
    # n_epochs = 0 returns the init. D = 50, H = 400, C = 8: He-normal gives
    # std sqrt(2/50) = 0.2 for W1 and sqrt(2/400) = 0.0707 for W2; fan_out
    # instead of fan_in gives 0.0707 and 0.5, Xavier (1/fan_in) 0.141 and 0.05,
    # CS231n's 0.01 gives 0.01. The std of 20000 (3200) draws has a relative
    # SE of 0.5% (1.25%): 5% is 10 (4) SEs; the mean's bound 0.1 std is 14 (5.6).
    D, H, C = 50, 400, 8
    X = rng.standard_normal((16, D))
    y = np.arange(16) % C
    params, _ = impl.train_two_layer_net(X, y, hidden=H, lr=0.1, n_epochs=0, batch_size=4, rng=rng)
    for name, fan_in in (("W1", D), ("W2", H)):
        w = np.asarray(params[name], dtype=np.float64)
        want = math.sqrt(2.0 / fan_in)
        he_normal = abs(w.std() / want - 1.0) < 0.05 and abs(w.mean()) < 0.1 * want
        assert he_normal, (
            f"train_two_layer_net(D={D}, hidden={H}, C={C}, n_epochs=0): {name} {w.shape} has "
            f"mean {w.mean():.4f} and std {w.std():.4f}, expected mean 0 and std "
            f"sqrt(2 / fan_in) = sqrt(2 / {fan_in}) = {want:.4f} (He-normal)"
        )
    for name in ("b1", "b2"):
        assert np.array_equal(params[name], np.zeros_like(params[name])), (
            f"train_two_layer_net(n_epochs=0) returned {name} = {params[name]}, expected zeros"
        )


def test_train_two_layer_net_counts_classes_as_max_label_plus_one(impl, rng):
    # Labels 0 and 2 only: C = max(y) + 1 = 3 (class 1 simply has no example
    # here); len(np.unique(y)) = 2 gives a W2 too narrow for label 2.
    X = rng.standard_normal((8, 2))
    y = np.array([0, 2, 2, 0, 2, 0, 0, 2])
    params, _ = impl.train_two_layer_net(X, y, hidden=5, lr=0.1, n_epochs=1, batch_size=4, rng=rng)
    got = (np.shape(params["W2"]), np.shape(params["b2"]))
    assert got == ((5, 3), (3,)), (
        f"train_two_layer_net(y with labels {{0, 2}}, hidden=5) gave W2 {got[0]}, b2 {got[1]}; "
        "expected (5, 3) and (3,): C = max(y) + 1, not the number of distinct labels"
    )


def test_train_two_layer_net_shuffles_with_the_given_rng(impl, monkeypatch):
    # The order of the rows must come from rng: a separate generator with a
    # fixed seed (or a seed of its own) shuffles the same way for every rng.
    X = np.random.default_rng(0).standard_normal((23, 2))
    y = np.arange(23) % 3
    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    original = impl.two_layer_net_loss
    seen = []

    def spy(params, Xb, yb, *args, **kwargs):
        seen.append([row_of[row.tobytes()] for row in np.asarray(Xb)])
        return original(params, Xb, yb, *args, **kwargs)

    monkeypatch.setattr(impl, "two_layer_net_loss", spy)
    orders = []
    for seed in (1, 2):
        seen.clear()
        impl.train_two_layer_net(
            X, y, hidden=4, lr=0.1, n_epochs=1, batch_size=23, rng=np.random.default_rng(seed)
        )
        orders.append([i for batch in seen for i in batch])
    assert orders[0] != orders[1], (
        "train_two_layer_net(N=23, one epoch) visited the rows in the same order "
        f"{orders[0]} for rng seeds 1 and 2: shuffle with rng.permutation, not another generator"
    )


def test_gradient_check_works_in_float64_for_a_float32_x(impl, rng):
    # A float32 x must be perturbed in a float64 copy: in float32, x + 1e-5
    # is rounded to a multiple of ~6e-8 (for |x| ~ 1), a 0.5% error in the
    # difference quotient, and a correct gradient fails the check.
    x = rng.uniform(0.5, 1.5, size=5).astype(np.float32)
    x64 = x.astype(np.float64)
    err = impl.gradient_check(lambda z: float(np.sum(z**3)), x, 3 * x64**2)
    assert err < 1e-8, (
        f"gradient_check(sum(x**3), x (5,) float32 in [0.5, 1.5], 3x^2) = {err}, expected "
        "< 1e-8: perturb a float64 copy of x, whatever x's dtype"
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
