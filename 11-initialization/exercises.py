"""Topic 11: weight initialization.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file:

* every weight matrix has shape (fan_in, fan_out), because the layers of this
  curriculum compute ``x @ W`` with x of shape (N, fan_in). PyTorch stores
  ``nn.Linear.weight`` the other way round, (out_features, in_features) =
  (fan_out, fan_in), and computes ``x @ W.T``: its init functions read fan_in
  from ``shape[1]``. The variances here are exactly PyTorch's;
* randomness comes only from the ``rng`` argument (a np.random.Generator):
  never np.random.seed, np.random.normal or a generator made inside the
  function. The same seed must give the same array, and two successive calls
  with one generator must give two different, independent arrays;
* the distribution tests are statistical, with tolerances of five standard
  errors derived from the sample size (a correct solution passes; a wrong
  variance, a std passed where a variance belongs, or the wrong fan, fails).

Suggested order: calculate_gain, compute_fans, xavier_uniform, xavier_normal,
he_uniform, he_normal, lecun_normal, orthogonal, log_prior_bias,
activation_std_through_depth, plot_activation_histograms.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).

    The gain g sets std = g / sqrt(fan): it undoes how much the activation
    shrinks the second moment of its input. PyTorch's table:

        "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
        "conv_transpose2d", "conv_transpose3d", "sigmoid"   ->  1
        "tanh"                                               ->  5 / 3
        "relu"                                               ->  sqrt(2)
        "leaky_relu"  with negative slope a                  ->  sqrt(2 / (1 + a^2))
        "selu"                                               ->  3 / 4

    For "leaky_relu", param is the negative slope a: None means PyTorch's
    default 0.01; any int or float (0 included: slope 0 is a plain ReLU) is
    used as given; a bool or anything else raises ValueError.

    Args:
        nonlinearity: one of the names above.
        param: the negative slope for "leaky_relu"; ignored otherwise.

    Returns:
        float.

    Raises:
        ValueError: for an unknown name, or a leaky_relu param that is not a
            number (bool counts as not a number, as in PyTorch).

    Hint: ``if param:`` treats 0 like None; test ``param is None`` instead.
    """
    raise NotImplementedError


def compute_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight given in PYTORCH's layout (out, in, *kernel).

    torch.nn.init._calculate_fan_in_and_fan_out: with receptive field
    r = prod(shape[2:]) (1 for a linear layer),

        fan_in  = shape[1] * r        (inputs feeding one output unit)
        fan_out = shape[0] * r        (outputs fed by one input unit)

    So nn.Linear(200, 300).weight, of shape (300, 200), has fan_in 200 and
    fan_out 300, and a 3x3 conv from 64 to 128 channels, weight
    (128, 64, 3, 3), has fan_in 576 and fan_out 1152. (In this curriculum's
    own layout, (fan_in, fan_out), the fans are simply W.shape.)

    Args:
        shape: a tuple of at least two ints, (out, in, *kernel).

    Returns:
        (fan_in, fan_out) as Python ints.

    Raises:
        ValueError: naming the shape, if it has fewer than 2 dimensions.
    """
    raise NotImplementedError


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
    """Glorot/Xavier uniform weights (torch.nn.init.xavier_uniform_).

        W_ij ~ U(-a, a),   a = gain * sqrt(6 / (fan_in + fan_out))

    so that Var(W_ij) = a^2 / 3 = gain^2 * 2 / (fan_in + fan_out), the
    compromise between the forward condition fan_in Var(W) = 1 and the
    backward condition fan_out Var(W) = 1.

    Args:
        fan_in, fan_out: the layer's input and output sizes.
        rng: the generator to draw from.
        gain: scale factor (1 for linear/tanh-near-0; see calculate_gain).

    Returns:
        (fan_in, fan_out) float64 array.

    Hint: rng.uniform(low, high, size=(fan_in, fan_out)).
    """
    raise NotImplementedError


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
    """Glorot/Xavier normal weights (torch.nn.init.xavier_normal_).

        W_ij ~ N(0, std^2),   std = gain * sqrt(2 / (fan_in + fan_out))

    Args:
        fan_in, fan_out: the layer's input and output sizes.
        rng: the generator to draw from.
        gain: scale factor.

    Returns:
        (fan_in, fan_out) float64 array.

    Hint: rng.normal(loc, scale, size) takes the standard deviation as scale,
    not the variance.
    """
    raise NotImplementedError


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, mode: str = "fan_in"):
    """He/Kaiming uniform weights for ReLU (kaiming_uniform_(w, mode, nonlinearity="relu")).

        W_ij ~ U(-b, b),   b = sqrt(3) * sqrt(2) / sqrt(fan) = sqrt(6 / fan)

    with fan = fan_in for mode="fan_in" (keeps the forward second moment,
    PyTorch's default) and fan = fan_out for mode="fan_out" (keeps the
    backward gradient variance). Var(W_ij) = 2 / fan.

    Args:
        fan_in, fan_out: the layer's input and output sizes.
        rng: the generator to draw from.
        mode: "fan_in" or "fan_out".

    Returns:
        (fan_in, fan_out) float64 array.

    Raises:
        ValueError: for any other mode.
    """
    raise NotImplementedError


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, mode: str = "fan_in"):
    """He/Kaiming normal weights for ReLU (kaiming_normal_(w, mode, nonlinearity="relu")).

        W_ij ~ N(0, 2 / fan),   fan = fan_in (mode="fan_in") or fan_out (mode="fan_out")

    Args:
        fan_in, fan_out: the layer's input and output sizes.
        rng: the generator to draw from.
        mode: "fan_in" or "fan_out".

    Returns:
        (fan_in, fan_out) float64 array.

    Raises:
        ValueError: for any other mode.

    Hint: this curriculum's W is (fan_in, fan_out), so fan_in is shape[0];
    PyTorch's is (fan_out, fan_in). Do not copy its index.
    """
    raise NotImplementedError


def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator):
    """LeCun normal weights: N(0, 1 / fan_in), untruncated.

    PyTorch has no lecun_normal_; kaiming_normal_(w, nonlinearity="linear")
    is this distribution. (JAX and Keras draw from a truncated normal
    rescaled to the same variance 1 / fan_in.) The init SELU networks need.

    Args:
        fan_in, fan_out: the layer's input and output sizes.
        rng: the generator to draw from.

    Returns:
        (fan_in, fan_out) float64 array with std 1 / sqrt(fan_in).
    """
    raise NotImplementedError


def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
    """A (semi-)orthogonal matrix, uniformly (Haar) distributed, times gain.

    torch.nn.init.orthogonal_: QR-factorise a Gaussian matrix A = Q R of shape
    (max(fan_in, fan_out), min(fan_in, fan_out)), multiply each column of Q
    by the sign of the matching diagonal entry of R (without this, Q is
    orthogonal but not uniformly distributed), transpose if fan_in < fan_out,
    multiply by gain. The result W of shape (fan_in, fan_out) satisfies

        W^T W = gain^2 I   (fan_in >= fan_out: orthonormal columns)
        W W^T = gain^2 I   (fan_in <= fan_out: orthonormal rows)

    Args:
        fan_in, fan_out: the layer's input and output sizes.
        rng: the generator to draw from.
        gain: scale factor (multiply once: the identity above has gain^2).

    Returns:
        (fan_in, fan_out) float64 array.

    Hint: np.linalg.qr(A) returns reduced Q (m, k) and R (k, k) for m >= k;
    Q * np.sign(np.diag(R)) scales the columns.
    """
    raise NotImplementedError


def log_prior_bias(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Output-layer bias whose softmax equals the class frequencies of y.

        b_c = log(count_c / N)   so that softmax(b) = (count_c / N)_c

    With zero (or small) last-layer weights the network then starts by
    predicting the class prior, its initial loss is the entropy of the
    prior instead of log C, and it does not spend its first steps learning
    the base rate. For a single sigmoid output the equivalent bias is
    log(p / (1 - p)) = b[1] - b[0].

    Args:
        y: (N,) integer labels in [0, n_classes).
        n_classes: C.

    Returns:
        (C,) float64 array.

    Raises:
        ValueError: if y is empty or not 1-D, if a label lies outside
            [0, C), or if a class never occurs (its bias would be -inf).

    Hint: np.bincount(y, minlength=n_classes).
    """
    raise NotImplementedError


def activation_std_through_depth(
    init_fn: Callable, activation: Callable, depth: int, width: int, n_samples: int, rng
) -> np.ndarray:
    """Per-layer std of the activations of a deep MLP at initialization.

    The draws, in this order (the order is part of the contract):

        h = rng.standard_normal((n_samples, width))            # the input
        for layer in 0 .. depth-1:
            W = init_fn(width, width, rng)                     # (width, width)
            h = activation(h @ W)                              # zero biases
            stds[layer] = np.std(h)   # over all n_samples * width entries, ddof 0

    Args:
        init_fn: init_fn(fan_in, fan_out, rng) -> (fan_in, fan_out) array,
            e.g. xavier_normal.
        activation: element-wise callable, e.g. np.tanh.
        depth: number of layers (0 gives an empty array).
        width: units per layer (and input features).
        n_samples: batch size of the random input.
        rng: the generator for the input and every init_fn call.

    Returns:
        (depth,) float64 array: the std of each layer's output AFTER the
        activation; the input's std is not included.
    """
    raise NotImplementedError


def plot_activation_histograms(path):
    """Histograms of the activations of a 10-layer tanh MLP under three inits.

    Width 256, 200 random N(0, 1) inputs, zero biases, activation tanh, and
    the weights of every layer drawn from

        "std 0.01 (too small)":  N(0, 0.01^2)     -> activations collapse to 0
        "std 1 (too large)":     N(0, 1)          -> tanh saturates at +-1
        "xavier normal":         xavier_normal    -> a healthy spread

    Args:
        path: where to save the figure as PNG (str or Path).

    Returns:
        matplotlib.figure.Figure with exactly four Axes:

        * three titled as above, each with ten lines labelled "layer 1" ...
          "layer 10": x = the centres of equal-width bins covering [-1, 1],
          y = the histogram of that layer's activations as a density
          (np.histogram(..., density=True), so sum(y) * bin width = 1);
        * one titled "std per layer" with three lines labelled with the three
          titles above: x = 1..10, y = the std of each layer's activations.

    Hint: import matplotlib.pyplot inside this function; fig, axes =
    plt.subplots(1, 4); ax.plot(centres, density, label=f"layer {k}");
    a log y-scale shows the spikes and the tails together.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# Non-square, with fan_out = 3 fan_in: a swapped fan changes the He and
# LeCun variances by a factor 3, and a transposed shape fails outright.
FAN_IN, FAN_OUT = 200, 600
N_ENTRIES = FAN_IN * FAN_OUT
Z = 5.0  # tolerances are Z standard errors: a false alarm has probability ~6e-7
KURTOSIS = {"normal": 3.0, "uniform": 9.0 / 5.0}


def _check_shape(W, what, shape=(FAN_IN, FAN_OUT)):
    assert isinstance(W, np.ndarray), f"{what} returned {type(W).__name__}, expected an ndarray"
    assert W.shape == shape, (
        f"{what} returned shape {W.shape}, expected {shape} = (fan_in, fan_out)"
        + (" (you returned PyTorch's (fan_out, fan_in) layout)" if W.shape == shape[::-1] else "")
    )
    assert W.dtype == np.float64, f"{what} returned dtype {W.dtype}, expected float64"
    n_unique = np.unique(W).size
    assert n_unique == W.size, (
        f"{what}: only {n_unique} distinct values among {W.size} entries; every entry "
        "must be its own independent draw (no tiling, no repeated rows)"
    )


def _check_moments(W, var, kind, what):
    """Mean 0 and E[w^2] = var, each within Z standard errors of the sample.

    For n i.i.d. entries of mean 0 and variance var: the sample mean has
    standard error sqrt(var / n); the sample second moment mean(w^2) has
    standard error sqrt((kurtosis - 1) / n) * var (Var(w^2) = E[w^4] - var^2,
    kurtosis 3 for a normal, 9/5 for a uniform).
    """
    w = W.ravel()
    n = w.size
    mean_tol = Z * math.sqrt(var / n)
    assert abs(w.mean()) <= mean_tol, (
        f"{what}: sample mean {w.mean():.3e}, expected 0 within {mean_tol:.1e} "
        f"({Z:g} standard errors of {n} draws)"
    )
    ratio = float(np.mean(w**2) / var)
    ratio_tol = Z * math.sqrt((KURTOSIS[kind] - 1.0) / n)
    assert abs(ratio - 1.0) <= ratio_tol, (
        f"{what}: sample variance {np.mean(w**2):.6e}, expected {var:.6e} "
        f"(ratio {ratio:.4f}, allowed 1 +- {ratio_tol:.4f} = {Z:g} standard errors of {n} draws)"
    )


def _check_normal_shape(W, what):
    """Sample kurtosis m4 / m2^2 of a normal is 3 with standard error sqrt(24 / n)."""
    w = W.ravel()
    kurt = float(np.mean(w**4) / np.mean(w**2) ** 2)
    tol = Z * math.sqrt(24.0 / w.size)
    assert abs(kurt - 3.0) <= tol, (
        f"{what}: sample kurtosis {kurt:.3f}, expected 3 +- {tol:.3f} for a normal "
        "(a uniform has 1.8): draw from a normal distribution"
    )


def _check_uniform_bounds(W, bound, what):
    """All |w| <= bound, and max |w| > bound (1 - 20 / n): P(fail) = (1 - 20/n)^n ~ e^-20."""
    top = float(np.max(np.abs(W)))
    assert top <= bound * (1 + 1e-12), (
        f"{what}: max |w| = {top:.6g} exceeds the bound {bound:.6g} of U(-bound, bound)"
    )
    floor = bound * (1.0 - 20.0 / W.size)
    assert top >= floor, (
        f"{what}: max |w| = {top:.6g}, expected within 20/n of the bound {bound:.6g} "
        f"(at least {floor:.6g}) for {W.size} uniform draws: is the bound too small?"
    )


def _check_deterministic(fn, what, **kwargs):
    a = fn(37, 23, np.random.default_rng(3), **kwargs)
    b = fn(37, 23, np.random.default_rng(3), **kwargs)
    c = fn(37, 23, np.random.default_rng(4), **kwargs)
    assert np.array_equal(a, b), (
        f"{what}: two calls with generators of the same seed gave different arrays: "
        "draw only from the rng argument (no np.random.* global functions)"
    )
    assert not np.array_equal(a, c), (
        f"{what}: seeds 3 and 4 gave the same array: draw from the rng argument, "
        "not from a generator created inside the function"
    )


def _check_independent_draws(fn, what, **kwargs):
    """Two successive draws from one rng: sample correlation within Z / sqrt(n) of 0."""
    rng = np.random.default_rng(11)
    a = fn(FAN_IN, FAN_OUT, rng, **kwargs).ravel()
    b = fn(FAN_IN, FAN_OUT, rng, **kwargs).ravel()
    assert not np.array_equal(a, b), f"{what}: two successive calls with one rng gave equal arrays"
    r = float(np.corrcoef(a, b)[0, 1])
    tol = Z / math.sqrt(a.size)
    assert abs(r) <= tol, (
        f"{what}: successive draws have correlation {r:.4f}, expected 0 +- {tol:.4f}"
    )


# --- calculate_gain ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linear", 1.0),
        ("conv2d", 1.0),
        ("conv_transpose3d", 1.0),
        ("sigmoid", 1.0),
        ("tanh", 5.0 / 3.0),
        ("relu", math.sqrt(2.0)),
        ("selu", 0.75),
    ],
)
def test_calculate_gain_matches_pytorch_table(impl, assert_close, name, expected):
    got = impl.calculate_gain(name)
    assert isinstance(got, float), f"calculate_gain({name!r}) returned {type(got).__name__}"
    assert_close(got, expected, tol=1e-15, what=f"calculate_gain({name!r})")


@pytest.mark.parametrize(
    "name",
    [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    ],
)
def test_calculate_gain_every_linear_name_is_1(impl, assert_close, name):
    # All eight names of PyTorch's "linear" row, not only the common ones: a
    # hand-written list that forgets conv1d or conv_transpose1d raises on them.
    got = impl.calculate_gain(name)
    assert isinstance(got, float), f"calculate_gain({name!r}) returned {type(got).__name__}"
    assert_close(got, 1.0, tol=0.0, what=f"calculate_gain({name!r})")


def test_calculate_gain_leaky_relu_default_slope_is_0_01(impl, assert_close):
    # sqrt(2 / (1 + 0.01^2)) = 1.41414...: PyTorch's default negative_slope.
    got = impl.calculate_gain("leaky_relu")
    assert_close(got, math.sqrt(2.0 / 1.0001), tol=1e-15, what="calculate_gain('leaky_relu')")


@pytest.mark.parametrize(("slope", "expected"), [(0.2, math.sqrt(2.0 / 1.04)), (1, 1.0)])
def test_calculate_gain_leaky_relu_uses_the_given_slope(impl, assert_close, slope, expected):
    # Slope 1 is the identity: gain 1. An int slope is accepted, as in PyTorch.
    got = impl.calculate_gain("leaky_relu", slope)
    assert_close(got, expected, tol=1e-15, what=f"calculate_gain('leaky_relu', {slope})")


def test_calculate_gain_leaky_relu_slope_0_is_relu(impl, assert_close):
    # 0 is falsy but valid: a leaky ReLU with slope 0 IS a ReLU, gain sqrt(2).
    # `if param:` would fall back to 0.01 and return 1.41414 instead.
    got = impl.calculate_gain("leaky_relu", 0.0)
    assert_close(got, math.sqrt(2.0), tol=1e-15, what="calculate_gain('leaky_relu', 0.0)")


@pytest.mark.parametrize(("name", "param"), [("leaky_relu", True), ("softplus", None)])
def test_calculate_gain_rejects_bools_and_unknown_names(impl, name, param):
    with pytest.raises(ValueError):
        impl.calculate_gain(name, param)


# --- compute_fans ------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((300, 200), (200, 300)),  # nn.Linear(200, 300).weight: (out, in)
        ((128, 64, 3, 3), (576, 1152)),  # Conv2d(64, 128, 3): 64*9 in, 128*9 out
        ((16, 3, 5), (15, 80)),  # Conv1d(3, 16, 5)
        ((8, 4, 2, 3, 5), (120, 240)),  # Conv3d(4, 8, (2, 3, 5))
    ],
)
def test_compute_fans_reads_pytorch_layout(impl, shape, expected):
    got = impl.compute_fans(shape)
    assert tuple(got) == expected, (
        f"compute_fans({shape}) returned {got}, expected (fan_in, fan_out) = {expected}: "
        "PyTorch's weight is (out, in, *kernel), and both fans include the kernel size"
    )
    assert all(type(v) is int for v in got), f"compute_fans({shape}) should return Python ints"


def test_compute_fans_rejects_a_1d_shape(impl):
    with pytest.raises(ValueError):
        impl.compute_fans((10,))


# --- xavier_uniform ----------------------------------------------------------


def test_xavier_uniform_shape_dtype_and_distinct_draws(impl, rng):
    _check_shape(impl.xavier_uniform(FAN_IN, FAN_OUT, rng), "xavier_uniform(200, 600, rng)")


def test_xavier_uniform_variance_is_2_over_fan_in_plus_fan_out(impl, rng):
    W = impl.xavier_uniform(FAN_IN, FAN_OUT, rng)
    _check_moments(W, 2.0 / (FAN_IN + FAN_OUT), "uniform", "xavier_uniform(200, 600, rng)")


def test_xavier_uniform_bound_is_sqrt_6_over_fan_sum(impl, rng):
    W = impl.xavier_uniform(FAN_IN, FAN_OUT, rng)
    _check_uniform_bounds(W, math.sqrt(6.0 / 800.0), "xavier_uniform(200, 600, rng)")


def test_xavier_uniform_scales_the_bound_by_gain(impl, rng):
    # gain 5/3 (tanh): bound (5/3) sqrt(6/800), variance (25/9) * 2/800.
    W = impl.xavier_uniform(FAN_IN, FAN_OUT, rng, gain=5.0 / 3.0)
    what = "xavier_uniform(200, 600, rng, gain=5/3)"
    _check_uniform_bounds(W, 5.0 / 3.0 * math.sqrt(6.0 / 800.0), what)
    _check_moments(W, 25.0 / 9.0 * 2.0 / 800.0, "uniform", what)


def test_xavier_uniform_is_deterministic_given_rng(impl):
    _check_deterministic(impl.xavier_uniform, "xavier_uniform")


def test_xavier_uniform_successive_draws_are_independent(impl):
    _check_independent_draws(impl.xavier_uniform, "xavier_uniform")


# --- xavier_normal -----------------------------------------------------------


def test_xavier_normal_shape_dtype_and_distinct_draws(impl, rng):
    _check_shape(impl.xavier_normal(FAN_IN, FAN_OUT, rng), "xavier_normal(200, 600, rng)")


def test_xavier_normal_variance_is_2_over_fan_in_plus_fan_out(impl, rng):
    W = impl.xavier_normal(FAN_IN, FAN_OUT, rng)
    _check_moments(W, 2.0 / 800.0, "normal", "xavier_normal(200, 600, rng)")


def test_xavier_normal_is_normal_not_uniform(impl, rng):
    _check_normal_shape(impl.xavier_normal(FAN_IN, FAN_OUT, rng), "xavier_normal(200, 600, rng)")


def test_xavier_normal_scales_the_std_by_gain(impl, rng):
    W = impl.xavier_normal(FAN_IN, FAN_OUT, rng, gain=3.0)
    _check_moments(W, 9.0 * 2.0 / 800.0, "normal", "xavier_normal(200, 600, rng, gain=3)")


def test_xavier_normal_is_deterministic_given_rng(impl):
    _check_deterministic(impl.xavier_normal, "xavier_normal")


def test_xavier_normal_successive_draws_are_independent(impl):
    _check_independent_draws(impl.xavier_normal, "xavier_normal")


# --- he_uniform --------------------------------------------------------------


def test_he_uniform_shape_dtype_and_distinct_draws(impl, rng):
    _check_shape(impl.he_uniform(FAN_IN, FAN_OUT, rng), "he_uniform(200, 600, rng)")


def test_he_uniform_variance_is_2_over_fan_in(impl, rng):
    # fan_in 200: variance 0.01. Using fan_out (600) gives 1/300, a missing
    # factor 2 gives 0.005.
    W = impl.he_uniform(FAN_IN, FAN_OUT, rng)
    _check_moments(W, 2.0 / FAN_IN, "uniform", "he_uniform(200, 600, rng)")


def test_he_uniform_bound_is_sqrt_6_over_fan_in(impl, rng):
    W = impl.he_uniform(FAN_IN, FAN_OUT, rng)
    _check_uniform_bounds(W, math.sqrt(6.0 / FAN_IN), "he_uniform(200, 600, rng)")


def test_he_uniform_fan_out_mode_uses_fan_out(impl, rng):
    W = impl.he_uniform(FAN_IN, FAN_OUT, rng, mode="fan_out")
    what = "he_uniform(200, 600, rng, mode='fan_out')"
    _check_uniform_bounds(W, math.sqrt(6.0 / FAN_OUT), what)
    _check_moments(W, 2.0 / FAN_OUT, "uniform", what)


def test_he_uniform_rejects_an_unknown_mode(impl, rng):
    with pytest.raises(ValueError):
        impl.he_uniform(3, 4, rng, mode="fan_avg")


def test_he_uniform_is_deterministic_given_rng(impl):
    _check_deterministic(impl.he_uniform, "he_uniform")


def test_he_uniform_successive_draws_are_independent(impl):
    _check_independent_draws(impl.he_uniform, "he_uniform")


# --- he_normal ---------------------------------------------------------------


def test_he_normal_shape_dtype_and_distinct_draws(impl, rng):
    _check_shape(impl.he_normal(FAN_IN, FAN_OUT, rng), "he_normal(200, 600, rng)")


def test_he_normal_variance_is_2_over_fan_in(impl, rng):
    W = impl.he_normal(FAN_IN, FAN_OUT, rng)
    _check_moments(W, 2.0 / FAN_IN, "normal", "he_normal(200, 600, rng)")


def test_he_normal_is_normal_not_uniform(impl, rng):
    _check_normal_shape(impl.he_normal(FAN_IN, FAN_OUT, rng), "he_normal(200, 600, rng)")


def test_he_normal_fan_out_mode_uses_fan_out(impl, rng):
    W = impl.he_normal(FAN_IN, FAN_OUT, rng, mode="fan_out")
    _check_moments(W, 2.0 / FAN_OUT, "normal", "he_normal(200, 600, rng, mode='fan_out')")


def test_he_normal_rejects_an_unknown_mode(impl, rng):
    with pytest.raises(ValueError):
        impl.he_normal(3, 4, rng, mode="in")


def test_he_normal_is_deterministic_given_rng(impl):
    _check_deterministic(impl.he_normal, "he_normal")


def test_he_normal_successive_draws_are_independent(impl):
    _check_independent_draws(impl.he_normal, "he_normal")


# --- lecun_normal ------------------------------------------------------------


def test_lecun_normal_shape_dtype_and_distinct_draws(impl, rng):
    _check_shape(impl.lecun_normal(FAN_IN, FAN_OUT, rng), "lecun_normal(200, 600, rng)")


def test_lecun_normal_variance_is_1_over_fan_in(impl, rng):
    W = impl.lecun_normal(FAN_IN, FAN_OUT, rng)
    _check_moments(W, 1.0 / FAN_IN, "normal", "lecun_normal(200, 600, rng)")


def test_lecun_normal_is_normal_not_uniform(impl, rng):
    _check_normal_shape(impl.lecun_normal(FAN_IN, FAN_OUT, rng), "lecun_normal(200, 600, rng)")


def test_lecun_normal_is_deterministic_given_rng(impl):
    _check_deterministic(impl.lecun_normal, "lecun_normal")


def test_lecun_normal_successive_draws_are_independent(impl):
    _check_independent_draws(impl.lecun_normal, "lecun_normal")


# --- orthogonal --------------------------------------------------------------


def _assert_scaled_identity(gram, scale, what):
    """max |gram - scale I| <= 1e-12 scale: QR is exact to rounding (~1e-16 per entry)."""
    k = gram.shape[0]
    err = float(np.max(np.abs(gram - scale * np.eye(k))))
    assert err <= 1e-12 * scale, (
        f"{what}: max |entry - {scale:g} I| = {err:.2e}, expected <= {1e-12 * scale:.0e}\n"
        f"  diagonal: {np.round(np.diag(gram), 6).tolist()}"
    )


@pytest.mark.parametrize(("fan_in", "fan_out"), [(7, 4), (4, 7), (6, 6)])
def test_orthogonal_gram_matrix_is_gain_squared_identity(impl, rng, fan_in, fan_out):
    # Tall: orthonormal columns, W^T W = g^2 I (fan_out, fan_out). Wide:
    # orthonormal rows, W W^T = g^2 I (fan_in, fan_in). Square: both.
    gain = 3.0
    W = impl.orthogonal(fan_in, fan_out, rng, gain=gain)
    what = f"orthogonal({fan_in}, {fan_out}, rng, gain=3)"
    _check_shape(W, what, shape=(fan_in, fan_out))
    grams = [("W^T W", W.T @ W)] if fan_in >= fan_out else []
    grams += [("W W^T", W @ W.T)] if fan_in <= fan_out else []
    for side, gram in grams:
        _assert_scaled_identity(gram, gain**2, f"{side} for W = {what}")


def test_orthogonal_default_gain_gives_orthonormal_columns(impl, rng):
    W = impl.orthogonal(50, 20, rng)
    _check_shape(W, "orthogonal(50, 20, rng)", shape=(50, 20))
    _assert_scaled_identity(W.T @ W, 1.0, "W^T W for W = orthogonal(50, 20, rng)")


@pytest.mark.parametrize(("fan_in", "fan_out"), [(3, 2), (2, 3)])
def test_orthogonal_is_haar_distributed(impl, fan_in, fan_out):
    # For a Haar-random semi-orthogonal matrix every entry is symmetric about
    # 0 with E[w^2] = 1 / max(fan_in, fan_out); over 400 draws the mean of an
    # entry has standard error sqrt(1 / (3 * 400)) = 0.029. Without the sign
    # correction by diag(R), LAPACK's QR makes the (0, 0) entry negative in
    # EVERY draw (mean about -0.5).
    rng = np.random.default_rng(5)
    draws = np.array([impl.orthogonal(fan_in, fan_out, rng) for _ in range(400)])
    means = draws.mean(axis=0)
    tol = Z * math.sqrt(1.0 / (max(fan_in, fan_out) * 400))
    worst = np.unravel_index(np.argmax(np.abs(means)), means.shape)
    assert np.all(np.abs(means) <= tol), (
        f"orthogonal({fan_in}, {fan_out}, rng): over 400 draws entry {tuple(map(int, worst))} "
        f"has mean {means[worst]:.3f}, expected 0 +- {tol:.3f} (Haar measure is symmetric): "
        f"multiply Q's columns by sign(diag(R))\n  entry means: {np.round(means, 3).tolist()}"
    )


def test_orthogonal_is_deterministic_given_rng(impl):
    _check_deterministic(impl.orthogonal, "orthogonal")


def test_orthogonal_successive_draws_are_independent(impl):
    rng = np.random.default_rng(11)
    a = impl.orthogonal(60, 40, rng)
    b = impl.orthogonal(60, 40, rng)
    assert not np.array_equal(a, b), "orthogonal: two successive calls with one rng gave equal W"
    # Entries have variance 1/60; the correlation of 2400 independent pairs is
    # 0 +- 5 / sqrt(2400).
    r = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    assert abs(r) <= Z / math.sqrt(a.size), f"orthogonal: successive draws correlate ({r:.3f})"


# --- log_prior_bias ----------------------------------------------------------


def test_log_prior_bias_is_log_of_class_frequencies(impl, assert_close, call_untouched):
    # Counts 6, 3, 1 of 10: b = log([0.6, 0.3, 0.1]) = [-0.5108, -1.2040, -2.3026].
    y = np.array([0, 1, 0, 2, 0, 1, 0, 0, 1, 0])
    b = call_untouched(impl.log_prior_bias, y, 3, what="log_prior_bias(y, 3)")
    assert_close(b, np.log([0.6, 0.3, 0.1]), tol=1e-14, what="log_prior_bias(counts 6, 3, 1; C=3)")


def test_log_prior_bias_softmax_is_the_prior_and_initial_loss_its_entropy(impl, assert_close):
    # 1% positives: the binary logit b[1] - b[0] = log(0.01 / 0.99) = -4.595,
    # and the mean cross-entropy of predicting softmax(b) for every example
    # is the entropy of the prior, 0.056, not log 2 = 0.693.
    y = np.array([1] + [0] * 99)
    b = impl.log_prior_bias(y, 2)
    assert_close(b[1] - b[0], math.log(0.01 / 0.99), tol=1e-13, what="b[1] - b[0] for 1% positives")
    p = np.exp(b - b.max())
    p /= p.sum()
    assert_close(p, [0.99, 0.01], tol=1e-13, what="softmax(log_prior_bias(1% positives))")
    loss = -np.mean(np.log(p[y]))
    entropy = -(0.99 * math.log(0.99) + 0.01 * math.log(0.01))
    assert_close(loss, entropy, tol=1e-12, what="initial cross-entropy with bias log prior")


def test_log_prior_bias_rejects_a_class_that_never_occurs(impl):
    with pytest.raises(ValueError):
        impl.log_prior_bias(np.array([0, 0, 2]), 3)


def test_log_prior_bias_rejects_labels_out_of_range(impl):
    with pytest.raises(ValueError):
        impl.log_prior_bias(np.array([0, 1, 3]), 3)


def test_log_prior_bias_rejects_a_missing_last_class(impl):
    # Classes 0 and 1 occur, class 2 does not: np.bincount(y) without
    # minlength has length 2, so neither the zero count nor the -inf bias
    # shows; the result must not be a silent (2,) array for C = 3.
    y = np.array([0, 1, 0, 1])
    try:
        b = impl.log_prior_bias(y, 3)
    except ValueError:
        return
    pytest.fail(
        f"log_prior_bias([0, 1, 0, 1], 3) returned {b!r} instead of raising ValueError "
        "(class 2 never occurs: use np.bincount(y, minlength=n_classes))",
        pytrace=False,
    )


def test_log_prior_bias_rejects_label_equal_to_n_classes(impl):
    # Labels live in [0, C): label 3 with C = 3 is out of range. Here every
    # class 0..2 occurs, so only the range check (>= C, not > C) can catch it.
    y = np.array([0, 1, 2, 3])
    try:
        b = impl.log_prior_bias(y, 3)
    except ValueError:
        return
    pytest.fail(
        f"log_prior_bias([0, 1, 2, 3], 3) returned {b!r} instead of raising ValueError "
        "(label 3 is outside [0, 3))",
        pytrace=False,
    )


# --- activation_std_through_depth --------------------------------------------


def _scaled_normal_init(fan_in, fan_out, rng):
    return rng.normal(0.0, 1.3 / math.sqrt(fan_in), size=(fan_in, fan_out))


def _loop_stds(init_fn, activation, depth, width, n_samples, seed):
    """The documented draws, written out; std as sqrt(mean((h - mean)^2)) in plain Python."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    out = []
    for _ in range(depth):
        h = activation(h @ init_fn(width, width, rng))
        values = h.ravel().tolist()
        mean = math.fsum(values) / len(values)
        out.append(math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)))
    return np.array(out)


def test_activation_std_through_depth_matches_loop_reference(impl, assert_close):
    what = "activation_std_through_depth(N(0, 1.3^2/fan_in), np.tanh, 6, 32, 50, rng)"
    got = impl.activation_std_through_depth(
        _scaled_normal_init, np.tanh, 6, 32, 50, np.random.default_rng(8)
    )
    expected = _loop_stds(_scaled_normal_init, np.tanh, 6, 32, 50, seed=8)
    assert_close(got, expected, tol=1e-12, what=what + " (input drawn first, then each W)")


def test_activation_std_through_depth_closed_form_for_a_linear_chain(impl, assert_close):
    # W = 0.5 I and the identity activation: layer k outputs 0.5^(k+1) x, so
    # its std is 0.5^(k+1) std(x). Including the input's std, measuring before
    # the activation, or ddof=1 (a 1/(2n) relative change) all fail at 1e-12.
    def half_identity(fan_in, fan_out, rng):
        return 0.5 * np.eye(fan_in, fan_out)

    x = np.random.default_rng(2).standard_normal((40, 8))
    expected = 0.5 ** np.arange(1, 6) * x.std()
    got = impl.activation_std_through_depth(
        half_identity, lambda z: z, 5, 8, 40, np.random.default_rng(2)
    )
    assert_close(got, expected, tol=1e-12, what="activation_std_through_depth(0.5 I, identity, 5)")


def test_activation_std_through_depth_is_after_the_activation(impl, assert_close):
    # W = I and ReLU: every layer outputs relu(x), so every entry is std(relu(x)).
    def identity(fan_in, fan_out, rng):
        return np.eye(fan_in, fan_out)

    x = np.random.default_rng(9).standard_normal((30, 6))
    expected = np.full(4, np.maximum(x, 0.0).std())
    got = impl.activation_std_through_depth(
        identity, lambda z: np.maximum(z, 0.0), 4, 6, 30, np.random.default_rng(9)
    )
    assert_close(got, expected, tol=1e-12, what="activation_std_through_depth(I, relu, 4)")


@pytest.mark.parametrize("depth", [1, 0])
def test_activation_std_through_depth_returns_one_value_per_layer(impl, rng, depth):
    got = impl.activation_std_through_depth(_scaled_normal_init, np.tanh, depth, 5, 4, rng)
    assert isinstance(got, np.ndarray), (
        f"activation_std_through_depth(..., depth={depth}) returned {type(got).__name__}"
    )
    assert got.shape == (depth,), (
        f"activation_std_through_depth(..., depth={depth}) returned shape {got.shape}, "
        f"expected ({depth},)"
    )


# --- plot_activation_histograms ----------------------------------------------

_HIST_TITLES = ["std 0.01 (too small)", "std 1 (too large)", "xavier normal"]


def _histogram_axes(fig):
    by_title = {ax.get_title(): ax for ax in fig.axes}
    missing = [t for t in [*_HIST_TITLES, "std per layer"] if t not in by_title]
    assert not missing, f"no Axes titled {missing}; titles found: {sorted(by_title)}"
    return by_title


def _last_layer(ax, title):
    lines = {line.get_label(): line for line in ax.get_lines()}
    expected = [f"layer {k}" for k in range(1, 11)]
    assert set(expected) <= set(lines), (
        f"Axes '{title}' has lines {sorted(lines)}, expected labels 'layer 1' ... 'layer 10'"
    )
    x = np.asarray(lines["layer 10"].get_xdata(), dtype=np.float64)
    y = np.asarray(lines["layer 10"].get_ydata(), dtype=np.float64)
    return x, y


def test_plot_activation_histograms_saves_four_titled_axes(impl, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "hist.png"
    fig = impl.plot_activation_histograms(path)
    assert isinstance(fig, Figure), f"plot_activation_histograms returned {type(fig).__name__}"
    assert len(fig.axes) == 4, f"expected 4 Axes, found {len(fig.axes)}"
    _histogram_axes(fig)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"


def test_plot_activation_histograms_lines_are_densities_on_minus_1_to_1(impl, tmp_path):
    fig = impl.plot_activation_histograms(tmp_path / "hist.png")
    by_title = _histogram_axes(fig)
    for title in _HIST_TITLES:
        for line in by_title[title].get_lines():
            x = np.asarray(line.get_xdata(), dtype=np.float64)
            y = np.asarray(line.get_ydata(), dtype=np.float64)
            label = line.get_label()
            assert np.all(np.abs(x) < 1.0), f"'{title}' {label}: bin centres leave [-1, 1]"
            width = np.diff(x)
            assert np.allclose(width, width[0], rtol=1e-9), f"'{title}' {label}: unequal bins"
            mass = float(np.sum(y) * width[0])
            assert abs(mass - 1.0) < 1e-9, (
                f"'{title}' {label}: sum(density) * bin width = {mass}, expected 1 "
                "(np.histogram(..., density=True))"
            )


def test_plot_activation_histograms_shows_collapse_saturation_and_spread(impl, tmp_path):
    # Layer 10 of a width-256 tanh net. Small weights: each layer multiplies
    # the std by about 0.01 * sqrt(256) = 0.16, so layer 10 is ~1e-8: all mass
    # in the bin at 0. Std-1 weights: pre-activations of std ~ sqrt(256 * 0.6)
    # = 12, so tanh sits at +-1: most mass in the outer bins. Xavier: neither.
    fig = impl.plot_activation_histograms(tmp_path / "hist.png")
    by_title = _histogram_axes(fig)
    masses = {}
    for title in _HIST_TITLES:
        x, y = _last_layer(by_title[title], title)
        p = y * (x[1] - x[0])
        masses[title] = (float(p[np.argmin(np.abs(x))]), float(p[np.abs(x) > 0.9].sum()))
    centre, _ = masses["std 0.01 (too small)"]
    assert centre > 0.99, f"'std 0.01' layer 10: mass {centre:.3f} in the centre bin, expected ~1"
    _, outer = masses["std 1 (too large)"]
    assert outer > 0.9, f"'std 1' layer 10: mass {outer:.3f} beyond |a| > 0.9, expected > 0.9"
    centre, outer = masses["xavier normal"]
    assert centre < 0.5, f"'xavier normal' layer 10: centre-bin mass {centre:.3f}, expected < 0.5"
    assert outer < 0.1, f"'xavier normal' layer 10: outer mass {outer:.3f}, expected < 0.1"
    # The std panel tells the same story, one number per layer.
    ax = by_title["std per layer"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(_HIST_TITLES) <= set(lines), (
        f"'std per layer' has lines {sorted(lines)}, expected labels {_HIST_TITLES}"
    )
    for title in _HIST_TITLES:
        x = np.asarray(lines[title].get_xdata(), dtype=np.float64)
        assert np.array_equal(x, np.arange(1, 11)), f"'std per layer' {title}: x should be 1..10"
    small = np.asarray(lines["std 0.01 (too small)"].get_ydata(), dtype=np.float64)
    large = np.asarray(lines["std 1 (too large)"].get_ydata(), dtype=np.float64)
    good = np.asarray(lines["xavier normal"].get_ydata(), dtype=np.float64)
    assert small[-1] < 1e-6, f"std 0.01: layer-10 std {small[-1]:.2e}, expected < 1e-6"
    assert np.all(large > 0.9), f"std 1: stds {large}, expected all > 0.9 (saturated)"
    assert np.all((good > 0.1) & (good < 0.9)), f"xavier: stds {good}, expected in (0.1, 0.9)"


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
