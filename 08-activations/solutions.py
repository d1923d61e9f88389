"""Topic 08: activation functions, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Every function takes an array of any shape and works element-wise (softmax
and friends along one axis). Inputs are converted to float64 first, so that an
integer array neither truncates nor overflows. Conventions at the kinks follow
PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha.
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------
# Sigmoid and tanh: the saturating pair
# ---------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-x)), stable for any finite x."""
    x = np.asarray(x, dtype=np.float64)
    # exp is only ever taken of a non-positive number, so it lies in (0, 1]
    # and cannot overflow:
    #   x >= 0:  1 / (1 + e^{-x})          with e^{-x} = e^{-|x|}
    #   x <  0:  e^{x} / (1 + e^{x})       with e^{x}  = e^{-|x|}
    # Common mistakes: 1 / (1 + np.exp(-x)) overflows (and warns) at x = -1000;
    # np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    # looks safe but np.where evaluates BOTH branches on every entry, so it
    # overflows too. And 1 - sigmoid(-x) for x < 0 cancels to 0 in the tail.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid at x: s (1 - s) with s = sigmoid(x)."""
    # d/dx (1 + e^{-x})^{-1} = e^{-x} / (1 + e^{-x})^2 = s (1 - s).
    # Written this way it reuses the stable sigmoid; e^{-x} / (1 + e^{-x})^2
    # is inf / inf = nan at x = -1000. Its maximum is 1/4 at x = 0.
    # Common mistake: evaluating s (1 - s) with s = x, i.e. treating the
    # argument as the sigmoid's output (backprop code often caches s).
    # 1 - s(x) = s(-x) exactly; computing it as 1 - s cancels in the positive
    # tail: s(40) rounds to 1.0, so s (1 - s) = 0 instead of 4.25e-18 (that is
    # what PyTorch's output-based backward returns). s(x) s(-x) multiplies two
    # accurate factors, relatively accurate everywhere.
    x = np.asarray(x, dtype=np.float64)
    return sigmoid(x) * sigmoid(-x)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (e^x - e^{-x}) / (e^x + e^{-x}) = 2 sigmoid(2x) - 1."""
    # np.tanh is stable (the textbook ratio is inf / inf at |x| = 1000).
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of tanh at x: 1 - tanh(x)^2 (= sech^2 x), 1 at x = 0."""
    # Common mistake: 1 - tanh(x) (the square forgotten), or 1 - x**2 (the
    # output-based formula applied to the input). 1 - tanh(x)^2 is exact
    # algebra but cancels in the tails (tanh(20) rounds to 1.0, giving 0
    # instead of 1.7e-17). sech^2 x = 4 / (e^x + e^-x)^2 = 4 z / (1 + z)^2 with
    # z = e^{-2|x|} <= 1: no overflow, no cancellation.
    z = np.exp(-2.0 * np.abs(np.asarray(x, dtype=np.float64)))
    return 4.0 * z / (1.0 + z) ** 2


# ---------------------------------------------------------------------------
# The rectifier family
# ---------------------------------------------------------------------------


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), element-wise; returns a new array."""
    # np.maximum allocates a new array. Common mistake: x[x < 0] = 0 on the
    # caller's array (it silently rewrites the pre-activations you may need
    # for the backward pass).
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    """1 where x > 0, else 0; relu'(0) = 0 as in PyTorch."""
    # The derivative does not exist at 0; any value in [0, 1] is a valid
    # subgradient. PyTorch picks 0 (its mask is x > 0); x >= 0 would pick 1.
    return (np.asarray(x, dtype=np.float64) > 0).astype(np.float64)


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """x for x > 0, alpha x otherwise (PyTorch's negative_slope=0.01)."""
    x = np.asarray(x, dtype=np.float64)
    # Common mistake: np.maximum(x, alpha * x), which is right only for
    # alpha <= 1 (for alpha = 2 it returns 2x for x > 0 and x for x < 0).
    return np.where(x > 0, x, alpha * x)


def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """1 for x > 0, alpha for x <= 0 (alpha at 0, as in PyTorch)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha)


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    x = np.asarray(x, dtype=np.float64)
    # exp of min(x, 0): np.where evaluates both branches, and e^{1000} in the
    # unused branch would overflow (and warn). expm1 keeps full relative
    # precision near 0, where e^x - 1 cancels (e^{-1e-10} - 1 is off by 8e-8).
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """1 for x > 0, alpha e^x for x <= 0 (alpha at 0, as in PyTorch)."""
    x = np.asarray(x, dtype=np.float64)
    # For x <= 0 this equals elu(x) + alpha. At 0 the left limit is alpha and
    # the right limit is 1: continuous only for alpha = 1.
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


# ---------------------------------------------------------------------------
# Smooth gates: GELU and SiLU
# ---------------------------------------------------------------------------

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715
# math.erfc applied entry by entry. np.vectorize is a Python loop in disguise
# (about a microsecond per entry), fine for the sizes of this topic.
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = P(Z <= x) for a standard normal Z, accurate in both tails."""
    # Phi(x) = 0.5 (1 + erf(x / sqrt 2)) = 0.5 erfc(-x / sqrt 2). The erfc
    # form keeps relative precision for very negative x, where 1 + erf(.)
    # cancels (PyTorch uses the erf form: the two agree to about 1e-16 in
    # absolute terms, but the erf form loses relative precision there).
    return 0.5 * _erfc(-x / math.sqrt(2.0))


def _check_approximate(approximate: str) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Gaussian error linear unit x Phi(x) (exact), or its tanh approximation."""
    _check_approximate(approximate)
    x = np.asarray(x, dtype=np.float64)
    if approximate == "tanh":
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as in GPT-2 and
        # torch.nn.functional.gelu(x, approximate="tanh"); within 5e-4 of exact.
        inner = _SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return x * _normal_cdf(x)


def gelu_grad(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Derivative of gelu(x, approximate) with respect to x."""
    _check_approximate(approximate)
    x = np.asarray(x, dtype=np.float64)
    if approximate == "tanh":
        # Product rule on 0.5 x (1 + t), t = tanh(u), u = c (x + k x^3):
        #   0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2).
        inner = _SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x**3)
        t = np.tanh(inner)
        du_dx = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEF * x**2)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du_dx
    # d/dx x Phi(x) = Phi(x) + x phi(x). Common mistake: Phi(x) alone (the
    # "gate" without the product rule); it is off by up to 0.242 at |x| = 1, where |x| phi(x) peaks.
    # exp(-x^2/2) underflows quietly to 0 for large |x| (no warning).
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return _normal_cdf(x) + x * pdf


def silu(x: np.ndarray) -> np.ndarray:
    """SiLU (swish with beta = 1): x sigmoid(x)."""
    x = np.asarray(x, dtype=np.float64)
    return x * sigmoid(x)


def silu_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of x sigmoid(x): s + x s (1 - s) = s (1 + x (1 - s))."""
    x = np.asarray(x, dtype=np.float64)
    # Product rule; the second term is what makes SiLU non-monotone: the
    # derivative is negative for x below about -1.28.
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


# ---------------------------------------------------------------------------
# Softmax along an axis
# ---------------------------------------------------------------------------


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x) / sum(exp(x)) along axis, computed without overflow."""
    x = np.asarray(x, dtype=np.float64)
    # Softmax is invariant to adding a constant along the axis, so subtract
    # each slice's own maximum: the largest exponent is then exactly 0, every
    # exp lies in (0, 1], and the denominator is >= 1 (no 0 / 0).
    # keepdims=True keeps the reduced axis as size 1 so it broadcasts back
    # along the right axis. Common mistakes: x.max() over the WHOLE array
    # (a row far below the global max underflows to 0 / 0); forgetting
    # keepdims (wrong broadcast, or a shape error on non-square input);
    # x -= ... on the caller's array.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """x - logsumexp(x) along axis (the log-sum-exp trick)."""
    x = np.asarray(x, dtype=np.float64)
    # log softmax(x)_i = x_i - log sum_j e^{x_j}
    #                  = (x_i - m) - log sum_j e^{x_j - m}   for m = max_j x_j.
    # The sum is >= 1 (the max term is e^0), so the log is finite. Common
    # mistake: np.log(softmax(x)), which is log(0) = -inf as soon as a
    # probability underflows (x = [-1000, 0, 1000] gives [-inf, -inf, 0]).
    # Relative accuracy near 0: the max term is e^0 = 1, so the sum is
    # 1 + (the other terms) and log(sum) = log1p(others). np.log(1 + 4e-18)
    # is log(1.0) = 0, log1p keeps the 4e-18 (log_softmax([40, 0])[0] is
    # -4.25e-18, not 0). Only ONE argmax entry is taken out: a tied maximum
    # still contributes its 1 to the others.
    top = np.argmax(x, axis=axis)
    top = np.expand_dims(top, axis)
    m = np.take_along_axis(x, top, axis=axis)
    shifted = x - m
    e = np.exp(shifted)
    np.put_along_axis(e, top, 0.0, axis=axis)
    return shifted - np.log1p(np.sum(e, axis=axis, keepdims=True))


def softmax_backward(dout: np.ndarray, s: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product through softmax: s * (dout - <dout, s>) along axis."""
    dout = np.asarray(dout, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    if dout.shape != s.shape:
        raise ValueError(
            f"softmax_backward: dout has shape {dout.shape} but s has shape {s.shape}; "
            "they must match"
        )
    # J = diag(s) - s s^T is symmetric, so J^T g = s * g - s (s . g):
    #   dx_i = sum_j g_j s_j (delta_ij - s_i) = s_i (g_i - sum_j g_j s_j).
    # O(C) per slice instead of the O(C^2) Jacobian. The inner product is
    # taken along the softmax axis and kept as size 1 to broadcast back.
    # Common mistakes: s * dout (the diagonal only), summing over the wrong
    # axis, and testing with dout = ones, for which the true answer is 0.
    inner = np.sum(dout * s, axis=axis, keepdims=True)
    return s * (dout - inner)


# ---------------------------------------------------------------------------
# Gradients through depth, and the picture
# ---------------------------------------------------------------------------


def gradient_through_depth(activation_grad, pre_activations: np.ndarray) -> np.ndarray:
    """Running product of local derivatives through layers 0..k, for every k."""
    pre_activations = np.asarray(pre_activations, dtype=np.float64)
    # Entry k is prod_{l <= k} f'(z_l): how much of a unit gradient survives
    # k + 1 layers when every weight is 1 (the activation's share of the
    # vanishing-gradient story; real layers also multiply by W^T).
    # Common mistakes: np.cumprod without axis (it flattens the array),
    # np.prod (only the last entry), or the wrong axis.
    return np.cumprod(activation_grad(pre_activations), axis=0)


# What plot_activations draws, in order: title -> (function, derivative).
# leaky_relu uses alpha = 0.1 so that its negative slope is visible.
_PLOTTED = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu (alpha=0.1)": (
        lambda x: leaky_relu(x, alpha=0.1),
        lambda x: leaky_relu_grad(x, alpha=0.1),
    ),
    "elu (alpha=1)": (elu, elu_grad),
    "gelu": (gelu, gelu_grad),
    "silu": (silu, silu_grad),
}


def plot_activations(path):
    """One Axes per activation, each with f(x) and f'(x) on x in [-4, 4]; saved as PNG."""
    import matplotlib.pyplot as plt

    # An odd number of points puts x = 0 exactly on the grid, so the kinks
    # (and PyTorch's choice of derivative there) show up in the data.
    x = np.linspace(-4.0, 4.0, 401)
    fig, axes = plt.subplots(2, 4, figsize=(13, 6))
    flat = axes.ravel()
    for ax, (title, (f, df)) in zip(flat, _PLOTTED.items(), strict=False):
        ax.plot(x, f(x), color="tab:blue", lw=2, label="f(x)")
        ax.plot(x, df(x), color="tab:orange", lw=1.5, ls="--", label="f'(x)")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.axvline(0.0, color="0.6", lw=0.6)
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.set_ylim(-1.5, 2.5)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    # Seven activations on a 2 x 4 grid: the spare cell is removed rather than
    # left as an empty frame.
    for ax in flat[len(_PLOTTED) :]:
        fig.delaxes(ax)
    fig.suptitle("Activations f(x) (solid) and their derivatives f'(x) (dashed)")
    # Fixed margins instead of tight_layout, which measures every tick label
    # and would double the drawing time.
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.08, top=0.88, wspace=0.18, hspace=0.3)
    fig.savefig(path, dpi=72)
    return fig


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
