"""Topic 08: activation functions.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Every function takes an array of any shape (convert it with
``np.asarray(x, dtype=np.float64)``) and returns a new float64 array of the
same shape. At a kink, follow PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha,
elu'(0) = alpha. Nothing may overflow or warn for inputs of magnitude 1000:
the tests run with warnings turned into errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, element-wise, stable for any finite x.

        sigmoid(x) = 1 / (1 + e^{-x}) = e^x / (1 + e^x),   range (0, 1)

    Args:
        x: (any shape).

    Returns:
        ndarray, same shape as x, float64.

    Hint: 1 / (1 + np.exp(-x)) overflows (RuntimeWarning) at x = -1000. Use the
    first form where x >= 0 and the second where x < 0, so that exp only ever
    sees -|x|: compute z = np.exp(-np.abs(x)) once, then
    np.where(x >= 0, 1 / (1 + z), z / (1 + z)). (A np.where whose branches
    call np.exp(-x) and np.exp(x) still overflows: np.where evaluates both.)
    """
    raise NotImplementedError


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid with respect to its input x.

        sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)),   maximum 1/4 at x = 0

    Args:
        x: (any shape), the INPUT of the sigmoid (not its output).

    Returns:
        ndarray, same shape as x.

    Must keep relative accuracy in BOTH tails: sigmoid'(40) = 4.25e-18, but
    s (1 - s) gives exactly 0 there, because s = sigmoid(40) rounds to 1.0
    (PyTorch's backward, which works from the output, has that absolute error
    of 4e-18; this exercise asks for the relative accuracy float64 can give).

    Hint: reuse your stable sigmoid; e^{-x} / (1 + e^{-x})^2 is inf / inf at
    x = -1000. Since 1 - sigmoid(x) = sigmoid(-x), write s(x) s(-x): both
    factors are accurate, and no subtraction cancels.
    """
    raise NotImplementedError


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, element-wise, range (-1, 1).

        tanh(x) = (e^x - e^{-x}) / (e^x + e^{-x}) = 2 sigmoid(2x) - 1

    Args:
        x: (any shape).

    Returns:
        ndarray, same shape as x.

    Hint: np.tanh is stable; the ratio of exponentials is inf / inf at 1000.
    """
    raise NotImplementedError


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of tanh at x.

        tanh'(x) = 1 - tanh(x)^2 = sech(x)^2,   1 at x = 0

    Args:
        x: (any shape), the input of tanh.

    Returns:
        ndarray, same shape as x, with relative accuracy in the tails:
        tanh'(20) = 1.7e-17, where 1 - tanh(20)^2 is exactly 0.

    Hint: with z = e^{-2|x|} (never overflows), sech(x)^2 = 4 z / (1 + z)^2.
    """
    raise NotImplementedError


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit max(0, x), element-wise.

    Args:
        x: (any shape); must not be modified.

    Returns:
        ndarray, a new array of x's shape.

    Hint: np.maximum(x, 0.0). Not ``x[x < 0] = 0``, which rewrites the
    caller's array.
    """
    raise NotImplementedError


def relu_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of relu at x: 1 where x > 0, 0 where x <= 0.

    At x = 0 the derivative does not exist; PyTorch uses 0, and so do we.

    Args:
        x: (any shape).

    Returns:
        ndarray of 0.0 and 1.0, same shape as x, float64.
    """
    raise NotImplementedError


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: x where x > 0, alpha * x elsewhere (PyTorch's negative_slope).

    Args:
        x: (any shape); must not be modified.
        alpha: the slope on the negative side (any real number).

    Returns:
        ndarray, same shape as x.

    Hint: np.where(x > 0, x, alpha * x). The shortcut np.maximum(x, alpha * x)
    is right only when alpha <= 1.
    """
    raise NotImplementedError


def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky_relu: 1 where x > 0, alpha where x <= 0.

    At x = 0 PyTorch uses alpha, and so do we.

    Args:
        x: (any shape).
        alpha: the negative slope.

    Returns:
        ndarray, same shape as x.
    """
    raise NotImplementedError


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: x where x > 0, alpha (e^x - 1) elsewhere.

    Range (-alpha, inf): negative outputs push the mean activation towards 0.

    Args:
        x: (any shape).
        alpha: the saturation level on the negative side.

    Returns:
        ndarray, same shape as x.

    Hint: np.where evaluates both branches on every entry, so take the
    exponential of np.minimum(x, 0) (e^1000 overflows and warns). Use
    np.expm1, which computes e^x - 1 accurately for tiny x.
    """
    raise NotImplementedError


def elu_grad(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Derivative of elu: 1 where x > 0, alpha e^x where x <= 0.

    At x = 0 PyTorch uses alpha (the left limit), and so do we.

    Args:
        x: (any shape).
        alpha: as in elu.

    Returns:
        ndarray, same shape as x.
    """
    raise NotImplementedError


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Gaussian error linear unit, as torch.nn.functional.gelu.

        approximate="none":  gelu(x) = x Phi(x),
                             Phi(x) = 0.5 (1 + erf(x / sqrt(2)))  (standard normal CDF)
        approximate="tanh":  0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))

    Args:
        x: (any shape).
        approximate: "none" (exact, the default) or "tanh".

    Returns:
        ndarray, same shape as x.

    Raises:
        ValueError: for any other value of approximate.

    Hint: NumPy has no erf. Wrap the standard library's math.erf (or
    math.erfc, more accurate in the left tail: Phi(x) = 0.5 erfc(-x / sqrt 2))
    with np.vectorize(math.erf, otypes=[np.float64]).
    """
    raise NotImplementedError


def gelu_grad(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Derivative of gelu(x, approximate) with respect to x.

        exact:  Phi(x) + x phi(x),   phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
        tanh:   0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2),
                t = tanh(sqrt(2 / pi) (x + 0.044715 x^3))

    Args:
        x: (any shape).
        approximate: "none" or "tanh".

    Returns:
        ndarray, same shape as x.

    Raises:
        ValueError: for any other value of approximate.

    Hint: product rule. Phi(x) alone forgets the x phi(x) term.
    """
    raise NotImplementedError


def silu(x: np.ndarray) -> np.ndarray:
    """Sigmoid linear unit (swish with beta = 1): x * sigmoid(x).

    Args:
        x: (any shape).

    Returns:
        ndarray, same shape as x.

    Hint: reuse your stable sigmoid.
    """
    raise NotImplementedError


def silu_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of silu: sigmoid(x) (1 + x (1 - sigmoid(x))).

    Args:
        x: (any shape).

    Returns:
        ndarray, same shape as x.
    """
    raise NotImplementedError


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along one axis, stable for logits of any magnitude.

        softmax(x)_i = e^{x_i} / sum_j e^{x_j}   (sum over the given axis)

    Args:
        x: (any shape), e.g. logits (N, C) with axis=-1; must not be modified.
        axis: the axis whose entries sum to 1.

    Returns:
        ndarray, same shape as x; every slice along axis sums to 1. Entries
        of -inf (masked logits) get probability exactly 0, as long as the
        slice has one finite entry; integer x is converted to float64 first
        (an int8 x - max can wrap around).

    Hint: subtract each slice's own maximum first,
    np.max(x, axis=axis, keepdims=True): the result is unchanged (shift
    invariance) and the largest exponent becomes e^0 = 1. keepdims=True makes
    the reduced array broadcast back along the right axis. The maximum of the
    whole array is not enough: a row far below it underflows to 0 / 0.
    """
    raise NotImplementedError


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Log of the softmax along one axis, via the log-sum-exp trick.

        log_softmax(x)_i = x_i - m - log sum_j e^{x_j - m},   m = max_j x_j

    Args:
        x: (any shape); must not be modified.
        axis: the axis of the softmax.

    Returns:
        ndarray, same shape as x, finite wherever x is finite, and accurate
        RELATIVELY near 0: log_softmax([40, 0])[0] = -log(1 + e^{-40}) =
        -4.25e-18, not 0 (masked -inf entries give -inf).

    Hint: np.log(softmax(x)) is log(0) = -inf once a probability underflows
    (try x = [-1000, 0, 1000]); the formula above never takes the log of
    anything below 1. As in softmax, m is each slice's own maximum
    (np.max(x, axis=axis, keepdims=True)), not the maximum of the whole array.
    For the relative accuracy: the max term contributes e^0 = 1 to the sum,
    so log(sum) = log1p(sum of the OTHER terms); take one argmax entry out
    (np.put_along_axis) and use np.log1p.
    """
    raise NotImplementedError


def softmax_backward(dout: np.ndarray, s: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product through softmax, given its output s.

    With J = diag(s) - s s^T (symmetric) for each slice along axis:

        dx = J^T dout = s * (dout - sum(dout * s, along axis))

    Args:
        dout: upstream gradient dL/ds, same shape as s.
        s: the softmax output, e.g. (N, C) with axis=-1.
        axis: the axis along which the softmax was taken.

    Returns:
        dx: dL/dx, same shape as s.

    Raises:
        ValueError: if dout and s differ in shape (name both shapes).

    Hint: never build the (C, C) Jacobian: the inner product <dout, s> per
    slice (keepdims=True) is all you need. s * dout alone is only the diagonal.
    """
    raise NotImplementedError


def gradient_through_depth(activation_grad, pre_activations: np.ndarray) -> np.ndarray:
    """Product of local derivatives through a chain of layers (vanishing gradients).

        out[k] = prod_{l = 0..k} activation_grad(pre_activations[l])

    Args:
        activation_grad: element-wise derivative, e.g. sigmoid_grad.
        pre_activations: (depth, ...) pre-activations z_l of layers 0..depth-1
            (e.g. (depth,) for one unit, (depth, N, H) for a batch of layers).

    Returns:
        ndarray, same shape as pre_activations: entry k is how much of a unit
        gradient survives layers 0..k (weights taken as 1).

    Hint: np.cumprod(..., axis=0). Without axis, cumprod flattens the array.
    """
    raise NotImplementedError


def plot_activations(path):
    """Plot every activation and its derivative, one Axes per activation.

    Args:
        path: where to save the figure as PNG (str or Path).

    Returns:
        matplotlib.figure.Figure with exactly seven Axes, titled
        ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu (alpha=0.1)``,
        ``elu (alpha=1)``, ``gelu`` (exact) and ``silu``. Each holds two lines
        on the same x grid covering at least [-4, 4]: the function, labelled
        ``f(x)``, and its derivative, labelled ``f'(x)``, computed with your
        functions (leaky_relu with alpha=0.1 so that its slope shows).

    Hint: import matplotlib.pyplot inside this function;
    ``fig, axes = plt.subplots(2, 4)``, one ``ax.plot(x, f(x), label="f(x)")``
    and one ``ax.plot(x, df(x), label="f'(x)")`` per Axes, ``ax.set_title``,
    ``ax.legend()``, remove the unused eighth Axes with ``fig.delaxes``, then
    ``fig.savefig(path)``.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# Independent references used by the tests. They are written for clarity on
# moderate inputs (|x| < 30), never called on the stability inputs.


def _sigmoid_ref(x):
    x = np.asarray(x, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-x))


def _phi_cdf_ref(x):
    return np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in np.ravel(x)]).reshape(
        np.shape(x)
    )


def _gelu_ref(x, approximate="none"):
    x = np.asarray(x, dtype=np.float64)
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return x * _phi_cdf_ref(x)


def _softmax_loop(x, axis):
    """Softmax by an explicit loop over every 1-D slice along axis (no shift)."""
    x = np.asarray(x, dtype=np.float64)
    moved = np.moveaxis(x, axis, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        e = np.exp(moved[index])
        out[index] = e / e.sum()
    return np.moveaxis(out, -1, axis)


def _pointwise_num_grad(num_grad, f, x):
    """Numerical f'(x) entry by entry: num_grad on each scalar separately.

    For an element-wise f, num_grad(sum(f), x) would get the same answer in
    exact arithmetic, but its rounding error scales with |sum f| / h, which
    swamps a small derivative; one entry at a time it scales with |f(x_i)| / h.
    """
    x = np.asarray(x, dtype=np.float64)
    grads = [num_grad(lambda t: float(np.sum(f(t))), np.array(v)) for v in x.ravel()]
    return np.array(grads, dtype=np.float64).reshape(x.shape)


_HUGE = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])


# --- sigmoid --------------------------------------------------------------


def test_sigmoid_matches_hand_values(impl, assert_close):
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4, sigmoid(-ln 3) = 1/4, sigmoid(0) = 1/2.
    x = np.array([-math.log(3.0), 0.0, math.log(3.0)])
    assert_close(impl.sigmoid(x), [0.25, 0.5, 0.75], tol=1e-12, what="sigmoid([-ln 3, 0, ln 3])")


def test_sigmoid_matches_formula_on_a_batch(impl, rng, assert_close):
    x = 4.0 * rng.standard_normal((4, 5))
    assert_close(impl.sigmoid(x), _sigmoid_ref(x), tol=1e-12, what="sigmoid(x (4, 5))")


def test_sigmoid_is_stable_for_large_inputs(impl, assert_close, call_quietly):
    # 1 / (1 + exp(1000)) overflows: the RuntimeWarning is an error here.
    got = call_quietly(impl.sigmoid, _HUGE, what="sigmoid([-1000, -50, 0, 50, 1000])")
    expected = [0.0, math.exp(-50.0) / (1 + math.exp(-50.0)), 0.5, 1.0 / (1 + math.exp(-50.0)), 1]
    assert_close(got, expected, tol=1e-12, what="sigmoid([-1000, -50, 0, 50, 1000])")


def test_sigmoid_is_accurate_in_the_negative_tail(impl, assert_close):
    # sigmoid(-40) = 4.248e-18. The form 1 - sigmoid(40) = 1 - (1 - 4e-18)
    # rounds to exactly 0: correct to 1e-17 absolutely, 100% wrong relatively.
    x = np.array([-40.0, -36.0])
    expected = np.exp(x) / (1.0 + np.exp(x))
    assert_close(impl.sigmoid(x), expected, tol=1e-12, what="sigmoid([-40, -36])", floor=0.0)


# --- sigmoid_grad ---------------------------------------------------------


def test_sigmoid_grad_is_one_quarter_at_zero(impl, assert_close):
    # A grad written in terms of the OUTPUT, s (1 - s) with s = x, gives 0 here.
    assert_close(impl.sigmoid_grad(np.array([0.0])), [0.25], tol=1e-15, what="sigmoid_grad([0])")


def test_sigmoid_grad_matches_numerical_derivative(impl, rng, num_grad, assert_close):
    x = 3.0 * rng.standard_normal((3, 4))
    expected = _pointwise_num_grad(num_grad, lambda z: _sigmoid_ref(z), x)
    assert_close(impl.sigmoid_grad(x), expected, tol=1e-8, what="sigmoid_grad(x (3, 4))")


def test_sigmoid_grad_never_exceeds_one_quarter(impl):
    x = np.linspace(-10.0, 10.0, 2001)
    got = np.asarray(impl.sigmoid_grad(x))
    assert got.max() <= 0.25 + 1e-15, (
        f"sigmoid_grad on [-10, 10] reached {got.max()}, but sigmoid' <= 1/4 everywhere"
    )


def test_sigmoid_grad_is_stable_for_large_inputs(impl, assert_close, call_quietly):
    got = call_quietly(impl.sigmoid_grad, _HUGE, what="sigmoid_grad([-1000, -50, 0, 50, 1000])")
    e = math.exp(-50.0) / (1 + math.exp(-50.0)) ** 2
    assert_close(got, [0.0, e, 0.25, e, 0.0], tol=1e-10, what="sigmoid_grad([-1000, ..., 1000])")


# --- tanh -----------------------------------------------------------------


def test_tanh_matches_hand_values(impl, assert_close):
    # tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 3/5.
    x = np.array([-math.log(2.0), 0.0, math.log(2.0)])
    assert_close(impl.tanh(x), [-0.6, 0.0, 0.6], tol=1e-12, what="tanh([-ln 2, 0, ln 2])")


def test_tanh_is_stable_for_large_inputs(impl, assert_close, call_quietly):
    got = call_quietly(impl.tanh, _HUGE, what="tanh([-1000, -50, 0, 50, 1000])")
    assert_close(got, [-1.0, -1.0, 0.0, 1.0, 1.0], tol=1e-12, what="tanh([-1000, ..., 1000])")


# --- tanh_grad ------------------------------------------------------------


def test_tanh_grad_matches_numerical_derivative(impl, rng, num_grad, assert_close):
    # Catches 1 - tanh(x) (square forgotten) and 1 - x**2 (output formula).
    x = 1.5 * rng.standard_normal((4, 3))
    expected = _pointwise_num_grad(num_grad, lambda z: np.tanh(z), x)
    assert_close(impl.tanh_grad(x), expected, tol=1e-8, what="tanh_grad(x (4, 3))")


def test_tanh_grad_is_one_at_zero_and_zero_at_large_inputs(impl, assert_close, call_quietly):
    got = call_quietly(impl.tanh_grad, np.array([-1000.0, 0.0, 1000.0]), what="tanh_grad")
    assert_close(got, [0.0, 1.0, 0.0], tol=1e-12, what="tanh_grad([-1000, 0, 1000])")


# --- relu -----------------------------------------------------------------


def test_relu_matches_hand_values(impl, assert_close):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1000.0]])
    expected = [[0.0, 0.0, 0.0], [0.5, 3.0, 0.0]]
    assert_close(impl.relu(x), expected, tol=0.0, what=f"relu({x.tolist()})")


def test_relu_does_not_modify_input(impl):
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    before = x.copy()
    impl.relu(x)
    assert np.array_equal(x, before), (
        f"relu(x) modified the caller's x: before {before}, after {x}; "
        "return a new array (np.maximum), do not assign into x"
    )


# --- relu_grad ------------------------------------------------------------


def test_relu_grad_at_zero_is_zero(impl, assert_close):
    # PyTorch's convention (mask x > 0). x >= 0 would give 1 at 0.
    x = np.array([-1.0, 0.0, 1.0])
    assert_close(impl.relu_grad(x), [0.0, 0.0, 1.0], tol=0.0, what="relu_grad([-1, 0, 1])")


def test_relu_grad_matches_numerical_derivative_away_from_zero(impl, rng, num_grad, assert_close):
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep the finite difference off the kink
    expected = _pointwise_num_grad(num_grad, lambda z: np.maximum(z, 0.0), x)
    assert_close(impl.relu_grad(x), expected, tol=1e-8, what="relu_grad(x (4, 5))")


# --- leaky_relu -----------------------------------------------------------


def test_leaky_relu_default_alpha_is_one_hundredth(impl, assert_close):
    x = np.array([-2.0, 0.0, 3.0])
    assert_close(impl.leaky_relu(x), [-0.02, 0.0, 3.0], tol=1e-12, what="leaky_relu([-2, 0, 3])")


@pytest.mark.parametrize("alpha", [0.2, 2.0, -0.5])
def test_leaky_relu_handles_any_alpha(impl, alpha, assert_close):
    # np.maximum(x, alpha * x) is right only for alpha <= 1.
    x = np.array([-3.0, -1.0, 0.5, 2.0])
    expected = np.array([-3.0 * alpha, -alpha, 0.5, 2.0])
    assert_close(
        impl.leaky_relu(x, alpha=alpha), expected, tol=1e-12, what=f"leaky_relu(x, alpha={alpha})"
    )


def test_leaky_relu_does_not_modify_input(impl):
    x = np.array([-1.0, 2.0, -3.0])
    before = x.copy()
    impl.leaky_relu(x, alpha=0.1)
    assert np.array_equal(x, before), (
        f"leaky_relu(x) modified the caller's x: before {before}, after {x}"
    )


# --- leaky_relu_grad ------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.01, 0.3])
def test_leaky_relu_grad_is_alpha_at_zero_and_below(impl, alpha, assert_close):
    x = np.array([-5.0, -1e-9, 0.0, 1e-9, 5.0])
    assert_close(
        impl.leaky_relu_grad(x, alpha=alpha),
        [alpha, alpha, alpha, 1.0, 1.0],
        tol=1e-15,
        what=f"leaky_relu_grad([-5, -1e-9, 0, 1e-9, 5], alpha={alpha})",
    )


def test_leaky_relu_grad_matches_numerical_derivative(impl, rng, num_grad, assert_close):
    alpha = 0.2
    x = rng.standard_normal((3, 5))
    x[np.abs(x) < 1e-3] = -0.5
    expected = _pointwise_num_grad(num_grad, lambda z: np.where(z > 0, z, alpha * z), x)
    assert_close(
        impl.leaky_relu_grad(x, alpha=alpha), expected, tol=1e-8, what="leaky_relu_grad(x, 0.2)"
    )


# --- elu ------------------------------------------------------------------


def test_elu_matches_hand_values(impl, assert_close):
    # alpha = 2 catches a forgotten alpha (the default 1 hides it).
    x = np.array([-math.log(2.0), 0.0, 1.5])
    assert_close(
        impl.elu(x, alpha=2.0), [-1.0, 0.0, 1.5], tol=1e-12, what="elu([-ln 2, 0, 1.5], 2)"
    )


def test_elu_is_stable_for_large_inputs(impl, assert_close, call_quietly):
    # np.where(x > 0, x, alpha * (np.exp(x) - 1)) computes exp(1000) anyway.
    got = call_quietly(impl.elu, _HUGE, what="elu([-1000, -50, 0, 50, 1000])")
    assert_close(got, [-1.0, math.expm1(-50.0), 0.0, 50.0, 1000.0], tol=1e-12, what="elu(large)")


def test_elu_is_accurate_near_zero(impl, assert_close):
    # e^x - 1 for x = -1e-10 cancels (relative error ~8e-8); np.expm1 does not.
    x = np.array([-1e-10, -1e-7])
    expected = [math.expm1(-1e-10), math.expm1(-1e-7)]
    assert_close(impl.elu(x), expected, tol=1e-12, what="elu([-1e-10, -1e-7]): use np.expm1")


# --- elu_grad -------------------------------------------------------------


def test_elu_grad_is_alpha_at_zero(impl, assert_close):
    # PyTorch: alpha * e^x on x <= 0, so alpha at 0 (not 1).
    got = impl.elu_grad(np.array([0.0]), alpha=0.5)
    assert_close(got, [0.5], tol=1e-15, what="elu_grad([0], alpha=0.5)")


def test_elu_grad_matches_numerical_derivative(impl, rng, num_grad, assert_close):
    alpha = 0.7
    x = 2.0 * rng.standard_normal((4, 3))
    x[np.abs(x) < 1e-3] = 0.5
    expected = _pointwise_num_grad(num_grad, lambda z: np.where(z > 0, z, alpha * np.expm1(z)), x)
    assert_close(impl.elu_grad(x, alpha=alpha), expected, tol=1e-8, what="elu_grad(x, 0.7)")


def test_elu_grad_is_stable_for_large_inputs(impl, assert_close, call_quietly):
    got = call_quietly(impl.elu_grad, _HUGE, what="elu_grad([-1000, -50, 0, 50, 1000])")
    assert_close(got, [0.0, math.exp(-50.0), 1.0, 1.0, 1.0], tol=1e-12, what="elu_grad(large)")


# --- gelu -----------------------------------------------------------------


def test_gelu_exact_matches_hand_values(impl, assert_close):
    # gelu(x) = x Phi(x): Phi(1) = 0.8413447460685429, Phi(-1) = 1 - Phi(1).
    x = np.array([-1.0, 0.0, 1.0, 2.0])
    expected = [-0.15865525393145707, 0.0, 0.8413447460685429, 2 * 0.9772498680518208]
    assert_close(impl.gelu(x), expected, tol=1e-12, what="gelu([-1, 0, 1, 2]) (default: exact)")


def test_gelu_exact_matches_erf_on_a_batch(impl, rng, assert_close):
    x = 2.0 * rng.standard_normal((4, 5))
    assert_close(impl.gelu(x, approximate="none"), _gelu_ref(x), tol=1e-12, what="gelu(x (4, 5))")


def test_gelu_tanh_approximation_matches_formula(impl, rng, assert_close):
    # At x = 1 the two forms differ: 0.841192 (tanh) vs 0.841345 (exact).
    x = np.concatenate([[1.0], 2.0 * rng.standard_normal(9)])
    got = impl.gelu(x, approximate="tanh")
    assert_close(got, _gelu_ref(x, "tanh"), tol=1e-12, what="gelu(x, approximate='tanh')")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_is_stable_for_large_inputs(impl, approximate, assert_close, call_quietly):
    got = call_quietly(impl.gelu, _HUGE, approximate=approximate, what="gelu([-1000, ..., 1000])")
    assert_close(
        got, [0.0, 0.0, 0.0, 50.0, 1000.0], tol=1e-12, what=f"gelu(large, '{approximate}')"
    )


def test_gelu_rejects_unknown_approximation(impl):
    with pytest.raises(ValueError, match="approximate"):
        impl.gelu(np.array([1.0]), approximate="erf")


# --- gelu_grad ------------------------------------------------------------


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_grad_matches_numerical_derivative(impl, rng, num_grad, assert_close, approximate):
    # Phi(x) alone (no x phi(x) term) is off by up to 0.24.
    x = 2.0 * rng.standard_normal((3, 4))
    expected = _pointwise_num_grad(num_grad, lambda z: _gelu_ref(z, approximate), x)
    got = impl.gelu_grad(x, approximate=approximate)
    assert_close(got, expected, tol=1e-8, what=f"gelu_grad(x (3, 4), '{approximate}')")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_grad_is_one_half_at_zero_and_stable(impl, approximate, assert_close, call_quietly):
    x = np.array([-1000.0, 0.0, 1000.0])
    got = call_quietly(
        impl.gelu_grad, x, approximate=approximate, what="gelu_grad([-1000, 0, 1000])"
    )
    assert_close(
        got, [0.0, 0.5, 1.0], tol=1e-12, what=f"gelu_grad([-1000, 0, 1000], '{approximate}')"
    )


def test_gelu_grad_rejects_unknown_approximation(impl):
    with pytest.raises(ValueError, match="approximate"):
        impl.gelu_grad(np.array([1.0]), approximate="fast")


# --- silu -----------------------------------------------------------------


def test_silu_matches_formula(impl, rng, assert_close):
    # silu(ln 3) = ln 3 * sigmoid(ln 3) = 0.75 ln 3 = 0.823959...
    assert_close(
        impl.silu(np.array([math.log(3.0)])), [0.75 * math.log(3.0)], tol=1e-12, what="silu([ln 3])"
    )
    x = 3.0 * rng.standard_normal((2, 4))
    assert_close(impl.silu(x), x * _sigmoid_ref(x), tol=1e-12, what="silu(x (2, 4))")


def test_silu_is_stable_for_large_inputs(impl, assert_close, call_quietly):
    got = call_quietly(impl.silu, _HUGE, what="silu([-1000, -50, 0, 50, 1000])")
    tail = -50.0 * math.exp(-50.0) / (1 + math.exp(-50.0))
    assert_close(got, [0.0, tail, 0.0, 50.0 + tail, 1000.0], tol=1e-12, what="silu(large)")


# --- silu_grad ------------------------------------------------------------


def test_silu_grad_matches_numerical_derivative(impl, rng, num_grad, assert_close):
    # sigmoid(x) alone forgets the product rule's x sigmoid'(x) term.
    x = 3.0 * rng.standard_normal((4, 3))
    expected = _pointwise_num_grad(num_grad, lambda z: z * _sigmoid_ref(z), x)
    assert_close(impl.silu_grad(x), expected, tol=1e-8, what="silu_grad(x (4, 3))")


def test_silu_grad_is_one_half_at_zero_and_stable(impl, assert_close, call_quietly):
    x = np.array([-1000.0, 0.0, 1000.0])
    got = call_quietly(impl.silu_grad, x, what="silu_grad([-1000, 0, 1000])")
    assert_close(got, [0.0, 0.5, 1.0], tol=1e-12, what="silu_grad([-1000, 0, 1000])")


# --- softmax --------------------------------------------------------------


def test_softmax_matches_hand_values(impl, assert_close):
    x = np.array([1.0, 2.0, 3.0])
    e = np.exp(x)
    assert_close(impl.softmax(x), e / e.sum(), tol=1e-12, what="softmax([1, 2, 3])")


def test_softmax_is_stable_for_large_logits(impl, assert_close, call_quietly):
    # Shift invariance: softmax(x + c) = softmax(x). exp(1002) overflows.
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    e = np.exp([0.0, 1.0, 2.0])
    expected = [e / e.sum(), [0.0, 0.0, 1.0]]
    got = call_quietly(impl.softmax, x, what="softmax([[1000, 1001, 1002], [-1000, 0, 1000]])")
    assert_close(got, expected, tol=1e-12, what="softmax([[1000, 1001, 1002], [-1000, 0, 1000]])")


def test_softmax_shifts_each_row_by_its_own_max(impl, assert_close, call_quietly):
    # Subtracting the GLOBAL max (1000) leaves row 0 at exp(-2000) = 0: 0 / 0.
    x = np.array([[-1000.0, -1001.0], [1000.0, 999.0]])
    p = 1.0 / (1.0 + math.exp(-1.0))
    got = call_quietly(impl.softmax, x, what="softmax([[-1000, -1001], [1000, 999]])")
    assert_close(got, [[p, 1 - p], [p, 1 - p]], tol=1e-12, what="softmax(rows of different scale)")


@pytest.mark.parametrize(("shape", "axis"), [((3, 5), 0), ((2, 3, 4), 1), ((4, 5), -1)])
def test_softmax_along_any_axis(impl, rng, shape, axis, assert_close):
    # Non-square shapes: a missing keepdims or a hard-coded axis breaks them.
    x = rng.standard_normal(shape)
    got = impl.softmax(x, axis=axis)
    assert_close(got, _softmax_loop(x, axis), tol=1e-12, what=f"softmax(x {shape}, axis={axis})")


def test_softmax_does_not_modify_input(impl, rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    impl.softmax(x)
    assert np.array_equal(x, before), "softmax(x) modified x: shift a copy, not x -= x.max(...)"


# --- log_softmax ----------------------------------------------------------


def test_log_softmax_matches_log_of_softmax(impl, rng, assert_close):
    x = rng.standard_normal((4, 5))
    expected = np.log(_softmax_loop(x, -1))
    assert_close(impl.log_softmax(x), expected, tol=1e-12, what="log_softmax(x (4, 5))")


def test_log_softmax_is_stable_for_large_logits(impl, assert_close, call_quietly):
    # log(softmax) gives log(0) = -inf for the first two entries.
    x = np.array([-1000.0, 0.0, 1000.0])
    got = call_quietly(impl.log_softmax, x, what="log_softmax([-1000, 0, 1000])")
    assert_close(got, [-2000.0, -1000.0, 0.0], tol=1e-12, what="log_softmax([-1000, 0, 1000])")


def test_log_softmax_shifts_each_row_by_its_own_max(impl, assert_close, call_quietly):
    # With the GLOBAL max (1000), row 0 becomes exp([-2000, -2001]) = 0 and
    # its log-sum-exp is log(0) = -inf. Each row: [-log(1 + e^-1), -1 - log(1 + e^-1)].
    x = np.array([[-1000.0, -1001.0], [1000.0, 999.0]])
    c = math.log1p(math.exp(-1.0))
    got = call_quietly(impl.log_softmax, x, what="log_softmax([[-1000, -1001], [1000, 999]])")
    assert_close(
        got,
        [[-c, -1.0 - c], [-c, -1.0 - c]],
        tol=1e-12,
        what="log_softmax(rows of different scale)",
    )


def test_log_softmax_does_not_modify_input(impl, rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    impl.log_softmax(x)
    assert np.array_equal(x, before), (
        "log_softmax(x) modified x: shift a copy (x - max), not x -= x.max(...)"
    )


@pytest.mark.parametrize(("shape", "axis"), [((3, 5), 0), ((2, 3, 4), 1)])
def test_log_softmax_along_any_axis(impl, rng, shape, axis, assert_close):
    x = 3.0 * rng.standard_normal(shape)
    expected = np.log(_softmax_loop(x, axis))
    got = impl.log_softmax(x, axis=axis)
    assert_close(got, expected, tol=1e-12, what=f"log_softmax(x {shape}, axis={axis})")


# --- softmax_backward -----------------------------------------------------


@pytest.mark.parametrize(("shape", "axis"), [((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1)])
def test_softmax_backward_matches_numerical_vjp(impl, rng, num_vjp, shape, axis, assert_close):
    # Random dout: with ones the true gradient is 0 and s * dout - s would pass.
    x = rng.standard_normal(shape)
    s = _softmax_loop(x, axis)
    dout = rng.standard_normal(shape)
    expected = num_vjp(lambda z: _softmax_loop(z, axis), x, dout)
    got = impl.softmax_backward(dout, s, axis=axis)
    assert_close(
        got, expected, tol=1e-8, what=f"softmax_backward(dout {shape}, s, axis={axis}) -> dx"
    )


def test_softmax_backward_sums_to_zero_along_axis(impl, rng):
    # Adding a constant to the logits changes nothing, so dx . 1 = 0 per slice.
    s = _softmax_loop(rng.standard_normal((4, 6)), -1)
    dx = np.asarray(impl.softmax_backward(rng.standard_normal((4, 6)), s))
    sums = dx.sum(axis=-1)
    assert np.all(np.abs(sums) < 1e-12), (
        f"softmax_backward(dout, s (4, 6)) rows sum to {sums}, expected 0 "
        "(softmax is invariant to a shift of its input)"
    )


def test_softmax_backward_rejects_mismatched_shapes(impl):
    with pytest.raises(ValueError, match=r"\(4, 5\)"):
        impl.softmax_backward(np.ones((4, 5)), np.full((5, 4), 0.25))


# --- gradient_through_depth -----------------------------------------------


def test_gradient_through_depth_sigmoid_at_zero_is_powers_of_a_quarter(impl, assert_close):
    # sigmoid'(0) = 1/4 at every layer: after k + 1 layers, (1/4)^(k + 1).
    def sigmoid_prime(z):
        s = _sigmoid_ref(z)
        return s * (1 - s)

    got = impl.gradient_through_depth(sigmoid_prime, np.zeros(10))
    expected = 0.25 ** np.arange(1, 11)
    assert_close(got, expected, tol=1e-12, what="gradient_through_depth(sigmoid', zeros(10))")


def test_gradient_through_depth_is_a_running_product_over_layers(impl, rng, assert_close):
    # (depth, N, H) = (6, 2, 3): catches cumprod without axis (flattens),
    # the wrong axis, and np.prod (last layer only).
    z = rng.standard_normal((6, 2, 3))
    expected = np.empty_like(z)
    running = np.ones((2, 3))
    for k in range(6):
        running = running * (1.0 - np.tanh(z[k]) ** 2)
        expected[k] = running
    got = impl.gradient_through_depth(lambda a: 1.0 - np.tanh(a) ** 2, z)
    assert_close(got, expected, tol=1e-12, what="gradient_through_depth(tanh', z (6, 2, 3))")


def test_gradient_through_depth_first_entry_is_first_layer(impl, assert_close):
    # Entry 0 is f'(z_0), not 1 (an off-by-one "product of zero layers").
    z = np.array([1.0, 2.0, 3.0])
    got = impl.gradient_through_depth(lambda a: a, z)
    assert_close(got, [1.0, 2.0, 6.0], tol=0.0, what="gradient_through_depth(identity, [1, 2, 3])")


# --- plot_activations -----------------------------------------------------

_PLOT_TITLES = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu (alpha=0.1)",
    "elu (alpha=1)",
    "gelu",
    "silu",
]


def _closed_forms(title, x):
    """(f(x), f'(x)) written out in the test, independent of the module."""
    s = _sigmoid_ref(x)
    return {
        "sigmoid": (s, s * (1 - s)),
        "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
        "relu": (np.maximum(x, 0.0), (x > 0).astype(float)),
        "leaky_relu (alpha=0.1)": (np.where(x > 0, x, 0.1 * x), np.where(x > 0, 1.0, 0.1)),
        "elu (alpha=1)": (
            np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
            np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0))),
        ),
        "gelu": (
            _gelu_ref(x),
            _phi_cdf_ref(x) + x * np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi),
        ),
        "silu": (x * s, s * (1 + x * (1 - s))),
    }[title]


def test_plot_activations_has_one_titled_axes_per_activation(impl, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "activations.png"
    fig = impl.plot_activations(path)
    assert isinstance(fig, Figure), f"plot_activations returned {type(fig).__name__}"
    titles = [ax.get_title() for ax in fig.axes]
    assert sorted(titles) == sorted(_PLOT_TITLES), (
        f"Axes titles are {titles}, expected exactly {_PLOT_TITLES} (one Axes each)"
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"


def test_plot_activations_lines_match_closed_forms(impl, tmp_path, assert_close):
    fig = impl.plot_activations(tmp_path / "activations.png")
    by_title = {ax.get_title(): ax for ax in fig.axes}
    missing = [t for t in _PLOT_TITLES if t not in by_title]
    assert not missing, f"no Axes titled {missing}; titles found: {sorted(by_title)}"
    for title in _PLOT_TITLES:
        ax = by_title[title]
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert {"f(x)", "f'(x)"} <= set(lines), (
            f"Axes '{title}' has lines labelled {sorted(lines)}, expected 'f(x)' and \"f'(x)\""
        )
        for label, index in (("f(x)", 0), ("f'(x)", 1)):
            x = np.asarray(lines[label].get_xdata(), dtype=np.float64)
            y = np.asarray(lines[label].get_ydata(), dtype=np.float64)
            assert x.min() <= -4.0, f"Axes '{title}', line {label}: x starts at {x.min()} > -4"
            assert x.max() >= 4.0, f"Axes '{title}', line {label}: x ends at {x.max()} < 4"
            expected = _closed_forms(title, x)[index]
            assert_close(y, expected, tol=1e-9, what=f"plot_activations: '{title}' line {label}")


# --- tails, edges and conventions ---------------------------------------------
# Relative accuracy where a training run's saturated units live (|x| of 20 to
# 700), falsy-but-valid parameters (alpha = 0), masked (-inf) logits, integer
# inputs, and batches of one.


def _sech2_ref(x):
    """sech(x)^2 = 4 e^{-2|x|} / (1 + e^{-2|x|})^2, entry by entry with math."""
    return np.array([4.0 * math.exp(-2 * abs(v)) / (1 + math.exp(-2 * abs(v))) ** 2 for v in x])


def test_sigmoid_grad_is_relatively_accurate_in_both_tails(impl, assert_close, call_quietly):
    # sigmoid'(x) = e^{-|x|} / (1 + e^{-|x|})^2 is even. At x = 40, s(40) rounds
    # to 1.0 and s (1 - s) returns 0 instead of 4.25e-18 (relative error 1).
    x = np.array([-700.0, -40.0, -3.0, 3.0, 40.0, 700.0])
    got = call_quietly(impl.sigmoid_grad, x, what=f"sigmoid_grad({x.tolist()})")
    expected = [math.exp(-abs(v)) / (1 + math.exp(-abs(v))) ** 2 for v in x]
    assert_close(
        got,
        expected,
        tol=1e-13,
        what=f"sigmoid_grad({x.tolist()}) (relative accuracy: write s(x) s(-x), not s (1 - s))",
        floor=0.0,
    )


def test_tanh_grad_is_relatively_accurate_in_the_tails(impl, assert_close, call_quietly):
    # tanh'(20) = 1.70e-17: 1 - tanh(20)^2 is exactly 0 in float64.
    x = np.array([-300.0, -20.0, -0.5, 0.5, 20.0, 300.0])
    got = call_quietly(impl.tanh_grad, x, what=f"tanh_grad({x.tolist()})")
    assert_close(
        got,
        _sech2_ref(x),
        tol=1e-13,
        what=f"tanh_grad({x.tolist()}) (relative accuracy: 4 z / (1 + z)^2, z = e^-2|x|)",
        floor=0.0,
    )


def test_log_softmax_is_relatively_accurate_near_zero(impl, assert_close):
    # The winning class's log-probability is -log(1 + sum of the others' e^{x_j - m}):
    # -4.25e-18 for [40, 0], not the 0 that np.log(1 + 4e-18) gives. A tie at
    # the max contributes its own 1: [0, 0, -40] gives -log(2 + e^-40).
    x = np.array([[40.0, 0.0, -5.0], [0.0, 0.0, -40.0], [3.0, -38.0, -45.0]])
    expected = []
    for row in x.tolist():
        m = max(row)
        others = list(row)
        others.remove(m)  # one copy of the max contributes the 1 in log1p
        rest = math.log1p(math.fsum(math.exp(v - m) for v in others))
        expected.append([(v - m) - rest for v in row])
    assert_close(
        impl.log_softmax(x),
        expected,
        tol=1e-13,
        what=f"log_softmax({x.tolist()}) (relative accuracy near 0: log1p of the others)",
        floor=0.0,
    )


def test_softmax_gives_masked_logits_probability_zero(impl, assert_close, call_quietly):
    # An attention mask sets logits to -inf: exp(-inf - m) = 0 exactly, without
    # a warning, as long as the row has one finite entry (torch agrees).
    x = np.array([[0.0, -np.inf, math.log(3.0)], [-np.inf, 2.0, -np.inf]])
    got = call_quietly(impl.softmax, x, what="softmax([[0, -inf, ln 3], [-inf, 2, -inf]])")
    assert_close(got, [[0.25, 0.0, 0.75], [0.0, 1.0, 0.0]], tol=1e-15, what="softmax(masked x)")
    got = call_quietly(impl.log_softmax, x, what="log_softmax(masked x)")
    expected = [[math.log(0.25), -np.inf, math.log(0.75)], [-np.inf, 0.0, -np.inf]]
    assert np.array_equal(np.isneginf(got), np.isneginf(expected)), (
        f"log_softmax([[0, -inf, ln 3], [-inf, 2, -inf]]) = {got.tolist()}: masked entries "
        "must be -inf and the others finite"
    )
    finite = np.isfinite(expected)
    assert_close(got[finite], np.asarray(expected)[finite], tol=1e-15, what="log_softmax(masked)")


def test_softmax_converts_integer_logits_to_float(impl, assert_close, call_quietly):
    # int8 logits [100, -100]: x - max in int8 wraps around (-100 - 100 = 56).
    x = np.array([[100, -100]], dtype=np.int8)
    got = call_quietly(impl.softmax, x, what="softmax(int8 [[100, -100]])")
    e = math.exp(-200.0)
    assert_close(got, [[1.0 / (1.0 + e), e / (1.0 + e)]], tol=1e-13, what="softmax(int8 logits)")
    got = call_quietly(impl.log_softmax, x, what="log_softmax(int8 [[100, -100]])")
    assert_close(got, [[-math.log1p(e), -200.0 - math.log1p(e)]], tol=1e-13, what="log_softmax")


def test_leaky_relu_accepts_alpha_zero(impl, assert_close):
    # alpha = 0 is falsy but valid: leaky_relu becomes ReLU (derivative 0 for x <= 0);
    # an ``alpha or default`` would silently use the default slope.
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    got = impl.leaky_relu(x, alpha=0.0)
    assert_close(got, [0.0, 0.0, 0.0, 2.0], tol=0, what="leaky_relu([-3, -0.5, 0, 2], alpha=0.0)")


def test_leaky_relu_grad_accepts_alpha_zero(impl, assert_close):
    # alpha = 0 is falsy but valid: leaky_relu becomes ReLU (derivative 0 for x <= 0);
    # an ``alpha or default`` would silently use the default slope.
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    got = impl.leaky_relu_grad(x, alpha=0.0)
    assert_close(
        got, [0.0, 0.0, 0.0, 1.0], tol=0, what="leaky_relu_grad([-3, -0.5, 0, 2], alpha=0.0)"
    )


def test_elu_accepts_alpha_zero(impl, assert_close):
    # alpha = 0 is falsy but valid: elu becomes ReLU (derivative 0 for x <= 0);
    # an ``alpha or default`` would silently use the default slope.
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    got = impl.elu(x, alpha=0.0)
    assert_close(got, [0.0, 0.0, 0.0, 2.0], tol=0, what="elu([-3, -0.5, 0, 2], alpha=0.0)")


def test_elu_grad_accepts_alpha_zero(impl, assert_close):
    # alpha = 0 is falsy but valid: elu becomes ReLU (derivative 0 for x <= 0);
    # an ``alpha or default`` would silently use the default slope.
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    got = impl.elu_grad(x, alpha=0.0)
    assert_close(got, [0.0, 0.0, 0.0, 1.0], tol=0, what="elu_grad([-3, -0.5, 0, 2], alpha=0.0)")


def test_softmax_backward_keeps_a_batch_of_one_and_a_vector(impl, rng, num_vjp, assert_close):
    # (1, C) stays (1, C); a 1-D (C,) s is one slice (axis=-1).
    for shape in [(1, 4), (4,)]:
        x = rng.standard_normal(shape)
        s = np.exp(x - x.max(axis=-1, keepdims=True))
        s = s / s.sum(axis=-1, keepdims=True)
        dout = rng.standard_normal(shape)
        got = impl.softmax_backward(dout, s)
        assert np.shape(got) == shape, f"softmax_backward on shape {shape} returned {got.shape}"
        expected = num_vjp(lambda z: _softmax_loop(z, -1), x, dout)
        assert_close(got, expected, tol=1e-7, what=f"softmax_backward(dout, s) for shape {shape}")


def test_gradient_through_depth_keeps_one_layer_and_any_rank(impl, assert_close):
    # depth 1 gives back the one layer's derivatives, shape (1, N) unsqueezed;
    # a (depth,) chain of one unit and a (depth, N, H) stack both work.
    z = np.array([[0.0, 1.0, -2.0]])
    got = impl.gradient_through_depth(lambda t: 1.0 - np.tanh(t) ** 2, z)
    assert np.shape(got) == (1, 3), f"gradient_through_depth on (1, 3) returned {np.shape(got)}"
    assert_close(got, 1.0 - np.tanh(z) ** 2, tol=1e-15, what="gradient_through_depth, depth 1")
    z3 = np.full((3, 2, 2), 0.0)
    got = impl.gradient_through_depth(lambda t: np.full(np.shape(t), 0.5), z3)
    expected = np.array([0.5, 0.25, 0.125])[:, None, None] * np.ones((3, 2, 2))
    assert_close(got, expected, tol=0, what="gradient_through_depth(f' = 0.5, z (3, 2, 2))")


# --- every exercise leaves the caller's arrays untouched ---------------------
# np.exp(x, out=x), x[x < 0] *= alpha or x -= x.max() return the right values
# and overwrite the caller's pre-activations, which the backward pass needs.

SPREAD = np.array([[-800.0, -3.0, -0.5, 0.0], [0.5, 3.0, 800.0, 1e-8]])


def test_sigmoid_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.sigmoid, SPREAD.copy(), what="sigmoid(x)")


def test_sigmoid_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.sigmoid_grad, SPREAD.copy(), what="sigmoid_grad(x)")


def test_tanh_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.tanh, SPREAD.copy(), what="tanh(x)")


def test_tanh_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.tanh_grad, SPREAD.copy(), what="tanh_grad(x)")


def test_relu_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.relu, SPREAD.copy(), what="relu(x)")


def test_relu_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.relu_grad, SPREAD.copy(), what="relu_grad(x)")


def test_leaky_relu_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.leaky_relu, SPREAD.copy(), what="leaky_relu(x)")


def test_leaky_relu_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.leaky_relu_grad, SPREAD.copy(), what="leaky_relu_grad(x)")


def test_elu_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.elu, SPREAD.copy(), what="elu(x)")


def test_elu_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.elu_grad, SPREAD.copy(), what="elu_grad(x)")


def test_gelu_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.gelu, SPREAD.copy(), what="gelu(x)")


def test_gelu_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.gelu_grad, SPREAD.copy(), what="gelu_grad(x)")


def test_silu_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.silu, SPREAD.copy(), what="silu(x)")


def test_silu_grad_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.silu_grad, SPREAD.copy(), what="silu_grad(x)")


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_leaves_x_untouched(impl, call_untouched, axis):
    call_untouched(impl.softmax, SPREAD.copy(), axis, what=f"softmax(x, axis={axis})")


@pytest.mark.parametrize("axis", [0, -1])
def test_log_softmax_leaves_x_untouched(impl, call_untouched, axis):
    call_untouched(impl.log_softmax, SPREAD.copy(), axis, what=f"log_softmax(x, axis={axis})")


def test_softmax_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    z = rng.standard_normal((3, 4))
    s = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    dout = rng.standard_normal((3, 4))
    call_untouched(impl.softmax_backward, dout, s, what="softmax_backward(dout, s)")


def test_gradient_through_depth_leaves_pre_activations_untouched(impl, rng, call_untouched):
    pre = rng.standard_normal((5, 3))
    call_untouched(
        impl.gradient_through_depth,
        lambda z: 1 - np.tanh(z) ** 2,
        pre,
        what="gradient_through_depth(tanh', pre_activations)",
    )


# --- the far tails, without the 1e-8 floor; integer inputs; defaults ---------
# assert_close's relative error floors its denominator at 1e-8, so a value of
# 1e-300 returned as 1e-44 (a clip of x to [-100, 100]) or as 0 passes it.
# These tests divide by the expected value itself: every entry down to 1e-305
# must carry full relative precision, as the stable formulas deliver.

_FAR = np.array([-700.0, -300.0, -120.0, -60.0])


def test_sigmoid_is_relatively_accurate_in_the_far_negative_tail(impl, assert_close, call_quietly):
    got = call_quietly(impl.sigmoid, _FAR, what=f"sigmoid({_FAR.tolist()})")
    expected = [math.exp(v) / (1.0 + math.exp(v)) for v in _FAR]
    assert_close(got, expected, tol=1e-13, what=f"sigmoid({_FAR.tolist()})", floor=0.0)


def test_sigmoid_grad_is_relatively_accurate_in_both_far_tails(impl, assert_close, call_quietly):
    x = np.concatenate([_FAR, -_FAR])
    got = call_quietly(impl.sigmoid_grad, x, what=f"sigmoid_grad({x.tolist()})")
    expected = [math.exp(-abs(v)) / (1.0 + math.exp(-abs(v))) ** 2 for v in x]
    assert_close(got, expected, tol=1e-13, what=f"sigmoid_grad({x.tolist()})", floor=0.0)


def test_tanh_grad_is_relatively_accurate_in_both_far_tails(impl, assert_close, call_quietly):
    x = np.array([-350.0, -100.0, -30.0, 30.0, 100.0, 350.0])
    got = call_quietly(impl.tanh_grad, x, what=f"tanh_grad({x.tolist()})")
    assert_close(got, _sech2_ref(x), tol=1e-13, what=f"tanh_grad({x.tolist()})", floor=0.0)


def test_elu_grad_is_relatively_accurate_in_the_far_negative_tail(impl, assert_close, call_quietly):
    got = call_quietly(impl.elu_grad, _FAR, alpha=0.5, what=f"elu_grad({_FAR.tolist()}, 0.5)")
    expected = [0.5 * math.exp(v) for v in _FAR]
    assert_close(got, expected, tol=1e-13, what=f"elu_grad({_FAR.tolist()}, alpha=0.5)", floor=0.0)


def test_silu_is_relatively_accurate_in_the_far_negative_tail(impl, assert_close, call_quietly):
    got = call_quietly(impl.silu, _FAR, what=f"silu({_FAR.tolist()})")
    expected = [v * math.exp(v) / (1.0 + math.exp(v)) for v in _FAR]
    assert_close(got, expected, tol=1e-13, what=f"silu({_FAR.tolist()})", floor=0.0)


def test_silu_grad_is_relatively_accurate_in_the_far_negative_tail(
    impl, assert_close, call_quietly
):
    # s (1 + x (1 - s)) with s = e^x / (1 + e^x): about (1 + x) e^x here.
    got = call_quietly(impl.silu_grad, _FAR, what=f"silu_grad({_FAR.tolist()})")
    sig = [math.exp(v) / (1.0 + math.exp(v)) for v in _FAR]
    expected = [s * (1.0 + v / (1.0 + math.exp(v))) for s, v in zip(sig, _FAR, strict=True)]
    assert_close(got, expected, tol=1e-13, what=f"silu_grad({_FAR.tolist()})", floor=0.0)


# Unsigned and signed 8-bit inputs: -x of uint8 3 is 253, x * x of uint8 200
# wraps to 64, -x of int8 -128 is -128. Converting to float64 first avoids all
# three; the results must be float64 arrays.
_U8 = np.array([0, 3, 200], dtype=np.uint8)
_I8 = np.array([-128, -3, 127], dtype=np.int8)


def _phi_cdf_tail(v):
    return 0.5 * math.erfc(-v / math.sqrt(2.0))


def _check_integer_input(impl_fn, ref, assert_close, call_quietly, name, **kwargs):
    for x in (_U8, _I8):
        what = f"{name}(np.array({x.tolist()}, dtype={x.dtype}){', ' if kwargs else ''}" + (
            ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
        )
        got = call_quietly(impl_fn, x, what=what, **kwargs)
        assert np.asarray(got).dtype == np.float64, (
            f"{what} returned dtype {np.asarray(got).dtype}, expected float64"
        )
        assert_close(got, [ref(float(v)) for v in x], tol=1e-12, what=what)


def test_sigmoid_converts_integer_input(impl, assert_close, call_quietly):
    def ref(v):
        return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))

    _check_integer_input(impl.sigmoid, ref, assert_close, call_quietly, "sigmoid")


def test_sigmoid_grad_converts_integer_input(impl, assert_close, call_quietly):
    def ref(v):
        return math.exp(-abs(v)) / (1.0 + math.exp(-abs(v))) ** 2

    _check_integer_input(impl.sigmoid_grad, ref, assert_close, call_quietly, "sigmoid_grad")


def test_relu_returns_float64_for_integer_input(impl, assert_close, call_quietly):
    _check_integer_input(impl.relu, lambda v: max(v, 0.0), assert_close, call_quietly, "relu")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_converts_integer_input(impl, assert_close, call_quietly, approximate):
    c = math.sqrt(2.0 / math.pi)

    def ref(v):
        if approximate == "tanh":
            return 0.5 * v * (1.0 + math.tanh(c * (v + 0.044715 * v**3)))
        return v * _phi_cdf_tail(v)

    _check_integer_input(
        impl.gelu, ref, assert_close, call_quietly, "gelu", approximate=approximate
    )


def test_gelu_grad_converts_integer_input(impl, assert_close, call_quietly):
    def ref(v):
        return _phi_cdf_tail(v) + v * math.exp(-0.5 * v * v) / math.sqrt(2.0 * math.pi)

    _check_integer_input(impl.gelu_grad, ref, assert_close, call_quietly, "gelu_grad")


def test_leaky_relu_grad_default_alpha_is_one_hundredth(impl, assert_close):
    x = np.array([-2.0, 0.0, 3.0])
    assert_close(
        impl.leaky_relu_grad(x), [0.01, 0.01, 1.0], tol=1e-15, what="leaky_relu_grad([-2, 0, 3])"
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
