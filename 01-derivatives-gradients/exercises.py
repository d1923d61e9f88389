"""Topic 01: derivatives and gradients.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """Central-difference estimate of f'(x) for a scalar function of a scalar.

        f'(x) ~= (f(x + h) - f(x - h)) / (2 h)

    The error is O(h^2): the h^1 terms of the two Taylor expansions cancel.
    The one-sided (f(x + h) - f(x)) / h is only O(h) accurate.

    Args:
        f: scalar -> scalar.
        x: the point (a float).
        h: the step (use it; do not hard-code one).

    Returns:
        float: the estimate.

    Hint: one line. Divide by the distance between the two points you evaluate.
    """
    raise NotImplementedError


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5):
    """Central-difference gradient of a scalar function f at an array x of any shape.

        grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)   for every index i of x

    where e_i is the array of x's shape with a 1 at index i and 0 elsewhere.

    Args:
        f: takes an array shaped like x, returns a scalar.
        x: (any shape); may be an integer array.
        h: the step.

    Returns:
        ndarray, same shape as x, float64.

    Must not leave x modified: after the call, the caller's x is bit-for-bit
    what it was.

    Hint: work on a float64 copy of x, and make the result float64 too
    (np.zeros_like of an integer x is an integer array). Loop over every index with
    ``np.ndindex(x.shape)`` (not ``range(len(x))``, which sees only rows);
    remember the original entry and put it back exactly, instead of adding and
    subtracting h (x + h - 2h + h is not always x in floating point).
    """
    raise NotImplementedError


def quadratic_gradient(A: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of f(x) = 0.5 x^T A x + b^T x for a square A that need not be symmetric.

        grad f(x) = 0.5 (A + A^T) x + b

    Args:
        A: (n, n), any square matrix.
        b: (n,)
        x: (n,)

    Returns:
        ndarray (n,).

    Hint: A x + b is right only when A is symmetric. Differentiate
    sum_ij 0.5 x_i A_ij x_j with respect to x_k: x_k appears as x_i and as x_j.
    """
    raise NotImplementedError


def directional_derivative(grad: np.ndarray, v: np.ndarray) -> float:
    """Rate of change of f along the direction of v, given grad = grad f(x).

        D_u f(x) = grad . u,   u = v / ||v||

    Args:
        grad: (n,) the gradient at the point.
        v: (n,) a direction; its length does not matter, only where it points.

    Returns:
        float.

    Raises:
        ValueError: if v is the zero vector (it has no direction).

    Hint: normalise v first; grad . v alone scales with ||v||.
    """
    raise NotImplementedError


def gradient_descent(
    grad_fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float, n_steps: int
) -> np.ndarray:
    """Run plain gradient descent x_{k+1} = x_k - lr * grad_fn(x_k).

    Args:
        grad_fn: (d,) -> (d,), the gradient of the objective.
        x0: (d,) the start; may be an integer array; must not be modified.
        lr: the learning rate (step size).
        n_steps: the number of updates.

    Returns:
        ndarray (n_steps + 1, d), float64: row 0 is x0, row k is x_k.

    Hint: preallocate the trajectory and fill row k + 1 from row k. An in-place
    ``x -= lr * g`` on the caller's array changes their x0 and, if you append
    x itself each step, makes every row the same object.
    """
    raise NotImplementedError


def plot_descent_path(f: Callable[[np.ndarray], float], trajectory: np.ndarray, path):
    """Contour plot of f with a gradient-descent trajectory drawn on top.

    Args:
        f: takes one point, an array of shape (2,), returns a scalar.
        trajectory: (n_steps + 1, 2), as returned by gradient_descent.
        path: where to save the figure as PNG (str or Path).

    Returns:
        matplotlib.figure.Figure: one Axes with the contours (``contour`` or
        ``contourf``), the trajectory as a line with markers whose x data is
        ``trajectory[:, 0]`` and y data ``trajectory[:, 1]``, axis labels and a
        title.

    Hint: import matplotlib.pyplot inside this function. Build a grid around
    the trajectory with some margin, evaluate f point by point (it takes a
    (2,) array, not a meshgrid), then ``ax.contour(X, Y, Z, levels=...)``,
    ``ax.plot(traj[:, 0], traj[:, 1], "o-")``, ``fig.savefig(path)``.
    """
    raise NotImplementedError


def gradient_check(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    h: float = 1e-5,
) -> float:
    """Largest relative error between an analytic gradient and a numerical one.

        a = analytic_grad,   n = central-difference gradient of f at x with step h,
        error = max_i |a_i - n_i| / max(1e-8, |a_i| + |n_i|)

    The denominator makes the number scale-free (a gradient of size 1e-6 that
    is 10% wrong must not look "accurate to 1e-7"), and the floor 1e-8 keeps
    entries where both are exactly 0 (or both round-off noise) at about 0
    instead of 0/0 = nan. Rule of thumb in float64 with h = 1e-5: below 1e-7
    the gradient is right; above 1e-4 there is a bug (or a kink near x).

    Args:
        f: takes an array shaped like x, returns a scalar.
        x: (any shape) the point; may be an integer array; must not be modified.
        analytic_grad: the gradient to check, computed at x (the same signature
            as topic 07's gradient_check).
        h: the step of the central differences (use it as given).

    Returns:
        float: the MAX over entries (one wrong entry in a million must show);
        0.0 for an x with no entries; nan if any entry of analytic_grad is nan.

    Raises:
        ValueError: if analytic_grad does not have exactly x's shape. A gradient of
            shape (D, 1) for an x of shape (D,) would broadcast against the
            numerical (D,) into a (D, D) comparison and hide the bug.

    Hint: reuse your numerical_gradient on a float64 copy of x; compare shapes
    before subtracting; np.maximum(1e-8, abs(a) + abs(n)) is the denominator.
    """
    raise NotImplementedError


def least_squares_loss_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, reg: float = 0.0):
    """Mean squared-error loss of a linear model, with optional ridge, and its gradient.

        r = X w - y                                  (N,)
        L(w) = 1/(2N) * ||r||^2 + reg/2 * ||w||^2
        grad L(w) = X^T r / N + reg * w              (D,)

    Args:
        X: (N, D) design matrix, one example per row (N may be 1; N < D allowed).
        y: (N,) targets.
        w: (D,) weights.
        reg: ridge strength (>= 0). reg = 0 is plain least squares: a falsy
            value that must be used as given, not replaced by a default.

    Returns:
        (loss, grad): loss a Python float; grad an ndarray of shape (D,), float64.

    Hint: two matrix products, no loop. X @ r does not even have the right
    shape for a non-square X: the gradient with respect to w lives in R^D, so
    it is X.T @ r. Keep the 1/N of the mean: the gradient of a mean carries it.
    """
    raise NotImplementedError


def logistic_loss_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float):
    """Mean binary cross-entropy of logistic regression, from logits, and its gradient.

        z = X w + b                                  (N,) logits
        L = 1/N * sum_i [ log(1 + exp(z_i)) - y_i z_i ]
          = 1/N * sum_i [ max(z_i, 0) - y_i z_i + log1p(exp(-|z_i|)) ]
        dL/dz_i = (sigmoid(z_i) - y_i) / N
        grad_w = X^T (sigmoid(z) - y) / N            (D,)
        grad_b = mean(sigmoid(z) - y)                float

    (PyTorch: binary_cross_entropy_with_logits(X @ w + b, y), mean reduction.)

    Args:
        X: (N, D) inputs (N may be 1).
        y: (N,) targets in [0, 1] (usually 0 or 1).
        w: (D,) weights.
        b: the bias, a float.

    Returns:
        (loss, grad_w, grad_b): loss and grad_b Python floats, grad_w (D,) float64.

    Must be accurate over the whole range of logits: no overflow or warning
    for |z| = 1000; a confidently wrong example (z = -800, y = 1) costs 800,
    not inf and not a clipped constant; a confidently right one (z = 40,
    y = 1) costs log1p(exp(-40)) ~ 4.2e-18, to full relative precision, not 0.

    Hint: sigma'(z) = sigma(z)(1 - sigma(z)) cancels against the log's 1/sigma,
    leaving sigma(z) - y. Write the loss with log1p(exp(-|z|)), never
    log(sigmoid(z)) or log(1 + exp(z)), and a sigmoid that exponentiates only
    non-positive numbers.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def test_numerical_derivative_is_central_difference(impl, assert_close):
    # For a cubic the central difference is exact up to h^2 * f'''/6 = h^2:
    # d/dx x^3 at 2 is 12, so the estimate must be 12 + h^2. A forward
    # difference gives 12 + 6h + h^2 (off by 6e-3 here).
    h = 1e-3
    got = impl.numerical_derivative(lambda t: t**3, 2.0, h=h)
    assert_close(got, 12.0 + h**2, tol=1e-10, what=f"numerical_derivative(x**3, 2.0, h={h})")


def test_numerical_derivative_returns_a_float(impl):
    got = impl.numerical_derivative(np.sin, 0.3)
    assert isinstance(got, float), (
        f"numerical_derivative(np.sin, 0.3) returned {type(got).__name__}, expected a float"
    )


@pytest.mark.parametrize(
    ("name", "f", "x", "dfdx"),
    [
        ("sin", np.sin, 0.7, np.cos(0.7)),
        ("exp", np.exp, -1.5, np.exp(-1.5)),
        ("log", np.log, 3.0, 1.0 / 3.0),
    ],
    ids=["sin", "exp", "log"],
)
def test_numerical_derivative_matches_known_derivatives(impl, assert_close, name, f, x, dfdx):
    got = impl.numerical_derivative(f, x)
    assert_close(got, dfdx, tol=1e-9, what=f"numerical_derivative({name}, {x})")


def _cubic_and_linear(C):
    """f(W) = sum(C * W) + sum(W**3), with gradient C + 3 W**2."""
    return lambda W: np.sum(C * W) + np.sum(W**3)


def test_numerical_gradient_handles_matrix_input(impl, rng, assert_close):
    # A 2-D x catches `for i in range(len(x))`, which perturbs whole rows.
    W = rng.standard_normal((3, 4))
    C = rng.standard_normal((3, 4))
    got = impl.numerical_gradient(_cubic_and_linear(C), W)
    assert_close(got, C + 3 * W**2, tol=1e-8, what="numerical_gradient(f, W of shape (3, 4))")


def test_numerical_gradient_handles_3d_input(impl, rng, assert_close):
    x = rng.standard_normal((2, 3, 2))
    got = impl.numerical_gradient(lambda a: np.sum(np.sin(a)), x)
    assert_close(got, np.cos(x), tol=1e-8, what="numerical_gradient(sum(sin(x)), x (2, 3, 2))")


def test_numerical_gradient_restores_each_entry_before_the_next(impl, rng, assert_close):
    # f couples the entries of each row of W, so an entry left at w - h
    # shifts every later partial derivative by about h times a cross term.
    # (A separable f such as sum(W**3) cannot see that mistake.)
    W = rng.standard_normal((3, 4))
    V = rng.standard_normal((4, 2))
    got = impl.numerical_gradient(lambda A: np.sum(np.tanh(A @ V)), W)
    expected = (1.0 - np.tanh(W @ V) ** 2) @ V.T
    assert_close(got, expected, tol=1e-8, what="numerical_gradient(sum(tanh(W @ V)), W (3, 4))")


def test_numerical_gradient_leaves_x_unmodified(impl):
    # x + h - 2h + h != x in floating point for these values: the original
    # entry must be saved and restored, not reconstructed.
    x = np.array([0.1, 0.7, 1.3, -2.9, 1e-3])
    before = x.copy()
    impl.numerical_gradient(lambda a: np.sum(a**2), x)
    assert np.array_equal(x, before), (
        "numerical_gradient(f, x) modified the caller's x:\n"
        f"  before: {before!r}\n  after:  {x!r}\n"
        "restore each entry from a saved copy instead of adding and subtracting h"
    )


def test_numerical_gradient_accepts_integer_input(impl, assert_close):
    # x + 1e-5 stored back into an int array is truncated: the gradient is 0.
    x = np.array([1, 2, 3])
    got = impl.numerical_gradient(lambda a: np.sum(a**2), x)
    assert_close(got, [2.0, 4.0, 6.0], tol=1e-8, what="numerical_gradient(sum(a**2), [1, 2, 3])")


def test_numerical_gradient_returns_floats_for_integer_input(impl, assert_close):
    # A result array made with np.zeros_like(x) on an integer x is an integer
    # array too: 1/2 and 1/3 are truncated to 0 when stored in it.
    x = np.array([1, 2, 3])
    got = impl.numerical_gradient(lambda a: np.sum(np.log(a)), x)
    assert_close(
        got, [1.0, 0.5, 1.0 / 3.0], tol=1e-8, what="numerical_gradient(sum(log(a)), [1, 2, 3])"
    )


def test_numerical_gradient_uses_the_given_step(impl, assert_close):
    # For sum(x**3) the central difference is 3 x^2 + h^2 exactly, per entry.
    x = np.array([0.5, -1.0])
    h = 1e-2
    got = impl.numerical_gradient(lambda a: np.sum(a**3), x, h=h)
    assert_close(got, 3 * x**2 + h**2, tol=1e-10, what=f"numerical_gradient(sum(x**3), x, h={h})")


def test_quadratic_gradient_handles_nonsymmetric_A(impl, rng, num_grad, assert_close):
    # With a non-symmetric A, A x + b (the symmetric-case formula) is wrong.
    n = 4
    A = rng.standard_normal((n, n))
    b = rng.standard_normal(n)
    x = rng.standard_normal(n)
    expected = num_grad(lambda z: 0.5 * z @ A @ z + b @ z, x)
    got = impl.quadratic_gradient(A, b, x)
    assert_close(got, expected, tol=1e-8, what="quadratic_gradient(A non-symmetric (4, 4), b, x)")


def test_quadratic_gradient_symmetric_case_is_Ax_plus_b(impl, assert_close):
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    b = np.array([1.0, -1.0])
    x = np.array([1.0, 2.0])
    got = impl.quadratic_gradient(A, b, x)
    assert_close(got, [5.0, 6.0], tol=1e-12, what=f"quadratic_gradient(A={A.tolist()}, b, x)")


def test_directional_derivative_normalises_v(impl, assert_close):
    # grad . v = 2*3 + 1*4 = 10 for v = (3, 4); the rate along v's unit
    # vector is 10 / ||v|| = 2.
    got = impl.directional_derivative(np.array([2.0, 1.0]), np.array([3.0, 4.0]))
    assert_close(got, 2.0, tol=1e-12, what="directional_derivative(grad=[2, 1], v=[3, 4])")


def test_directional_derivative_matches_numerical_rate(impl, rng, assert_close):
    # d/dt f(x + t u) at t = 0, with f(x) = sum(sin(x)) * x[0].
    def f(z):
        return np.sum(np.sin(z)) * z[0]

    x = rng.standard_normal(5)
    v = rng.standard_normal(5)
    u = v / np.linalg.norm(v)
    h = 1e-6
    rate = (f(x + h * u) - f(x - h * u)) / (2 * h)
    grad = np.cos(x) * x[0]
    grad[0] += np.sum(np.sin(x))
    got = impl.directional_derivative(grad, v)
    assert_close(got, rate, tol=1e-8, what="directional_derivative(grad f(x), random v)")


def test_directional_derivative_is_largest_along_gradient(impl, rng):
    g = rng.standard_normal(3)
    along = impl.directional_derivative(g, 7.0 * g)
    assert abs(along - np.linalg.norm(g)) < 1e-12, (
        f"directional_derivative(g, 7 g) = {along}, expected ||g|| = {np.linalg.norm(g)}"
    )


def test_directional_derivative_rejects_zero_direction(impl):
    with pytest.raises(ValueError):
        impl.directional_derivative(np.array([1.0, 2.0]), np.zeros(2))


def test_gradient_descent_returns_trajectory_with_x0(impl, assert_close):
    # f(x) = 0.5 * (1 x0^2 + 4 x1^2): each coordinate shrinks by (1 - lr * a_i)
    # per step, so x_k = (1 - lr * a)^k * x0 exactly.
    a = np.array([1.0, 4.0])
    x0 = np.array([1.0, -2.0])
    lr, n_steps = 0.1, 5
    traj = impl.gradient_descent(lambda x: a * x, x0, lr, n_steps)
    expected = (1 - lr * a) ** np.arange(n_steps + 1)[:, None] * x0
    assert_close(traj, expected, tol=1e-12, what="gradient_descent(a * x, x0=[1, -2], 0.1, 5)")


def test_gradient_descent_does_not_modify_x0(impl):
    x0 = np.array([3.0, -1.0])
    traj = impl.gradient_descent(lambda x: 2 * x, x0, 0.1, 3)
    assert np.array_equal(x0, [3.0, -1.0]), f"gradient_descent modified x0 to {x0!r}"
    assert not np.shares_memory(traj, x0), "the trajectory must not be a view of x0"


def test_gradient_descent_rows_are_distinct_steps(impl):
    traj = np.asarray(impl.gradient_descent(lambda x: 2 * x, np.array([1.0, 1.0]), 0.25, 2))
    assert traj.shape == (3, 2), f"trajectory shape {traj.shape}, expected (3, 2)"
    assert np.array_equal(traj[:, 0], [1.0, 0.5, 0.25]), (
        f"trajectory[:, 0] = {traj[:, 0]}, expected [1.0, 0.5, 0.25] (x <- x - 0.25 * 2x)"
    )


def test_gradient_descent_accepts_integer_x0(impl, assert_close):
    traj = impl.gradient_descent(lambda x: x, np.array([1, 2]), 0.5, 1)
    assert_close(traj, [[1.0, 2.0], [0.5, 1.0]], tol=1e-12, what="gradient_descent(x, [1, 2])")


def test_gradient_descent_diverges_above_two_over_lambda_max(impl):
    # On f = 0.5 * 3 x^2 the step multiplies x by (1 - 3 lr): |.| > 1 when lr > 2/3.
    traj = impl.gradient_descent(lambda x: 3.0 * x, np.array([1.0]), 0.7, 20)
    assert abs(traj[-1, 0]) > abs(traj[0, 0]), (
        f"with lr=0.7 > 2/3, |x| should grow, got x_20 = {traj[-1, 0]}"
    )


def _plotted_lines(fig):
    return [line for ax in fig.axes for line in ax.get_lines()]


def test_plot_descent_path_draws_trajectory_and_contours(impl, tmp_path):
    from matplotlib.contour import ContourSet
    from matplotlib.figure import Figure

    calls = []

    def f(p):
        calls.append(np.shape(p))
        return p[0] ** 2 + 3 * p[1] ** 2

    traj = np.array([[2.0, 1.0], [1.2, 0.4], [0.7, 0.1], [0.4, 0.0]])
    path = tmp_path / "descent.png"
    fig = impl.plot_descent_path(f, traj, path)
    assert isinstance(fig, Figure), f"plot_descent_path returned {type(fig).__name__}"
    assert calls, "plot_descent_path never called f: the contours must come from f"
    assert set(calls) == {(2,)}, (
        f"f must be called with single points of shape (2,), got shapes {set(calls)}"
    )
    lines = _plotted_lines(fig)
    assert any(
        np.array_equal(line.get_xdata(), traj[:, 0])
        and np.array_equal(line.get_ydata(), traj[:, 1])
        for line in lines
    ), "no line with x data trajectory[:, 0] and y data trajectory[:, 1]"
    ax = fig.axes[0]
    assert any(isinstance(c, ContourSet) for c in ax.collections), (
        "no contour set on the first Axes: draw f with ax.contour or ax.contourf"
    )
    assert ax.get_xlabel(), "the x axis has no label"
    assert ax.get_ylabel(), "the y axis has no label"
    assert ax.get_title(), "the Axes has no title"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"


# --- edges and ranges of the first exercises --------------------------------


@pytest.mark.parametrize("x0", [-30.0, 30.0], ids=["slope 9e-14", "slope 1e13"])
def test_numerical_derivative_is_relatively_accurate_for_tiny_and_huge_slopes(
    impl, assert_close, x0
):
    # d/dx exp(x) = exp(x): the central difference's relative error is
    # h^2 / 6 + rounding ~ 2e-11 at h = 1e-5, at any scale of f.
    got = impl.numerical_derivative(np.exp, x0)
    assert_close(got, np.exp(x0), tol=1e-9, what=f"numerical_derivative(exp, {x0})")


@pytest.mark.parametrize("shape", [(), (1,), (1, 3)], ids=["0-d", "(1,)", "(1, 3)"])
def test_numerical_gradient_keeps_the_shape_of_a_scalar_or_single_row(impl, assert_close, shape):
    # np.zeros(len(x)) fails on a 0-d x; a squeeze turns (1, 3) into (3,).
    x = np.full(shape, 0.5)
    got = impl.numerical_gradient(lambda a: np.sum(np.sin(a)), x)
    assert_close(got, np.cos(x), tol=1e-9, what=f"numerical_gradient(sum(sin(a)), x{shape})")


def test_quadratic_gradient_of_a_one_dimensional_quadratic(impl, assert_close):
    # f(x) = 0.5 * 3 x^2 + 2 x, f'(1.5) = 3 * 1.5 + 2 = 6.5, shape (1,).
    got = impl.quadratic_gradient(np.array([[3.0]]), np.array([2.0]), np.array([1.5]))
    assert_close(got, [6.5], tol=1e-12, what="quadratic_gradient([[3]], [2], [1.5])")


def test_quadratic_gradient_ignores_the_antisymmetric_part(impl, rng, assert_close):
    # x^T S x = 0 for an antisymmetric S (S^T = -S): the gradient is b alone.
    # A x + b (the symmetric-case formula) returns S x + b instead.
    M = rng.standard_normal((4, 4))
    S = M - M.T
    b = rng.standard_normal(4)
    x = rng.standard_normal(4)
    got = impl.quadratic_gradient(S, b, x)
    assert_close(got, b, tol=1e-12, what="quadratic_gradient(S antisymmetric, b, x)")


@pytest.mark.parametrize("scale", [1e-100, 1e100], ids=["1e-100", "1e100"])
def test_directional_derivative_is_scale_free_over_wide_magnitudes(impl, assert_close, scale):
    # Only the direction of v matters: (3, 4) * 1e-100 and * 1e100 give 10 / 5 = 2.
    got = impl.directional_derivative(np.array([2.0, 1.0]), scale * np.array([3.0, 4.0]))
    assert_close(got, 2.0, tol=1e-12, what=f"directional_derivative([2, 1], {scale} * [3, 4])")


def test_gradient_descent_with_zero_learning_rate_stays_put(impl, assert_close):
    # lr = 0 is falsy but valid (`lr or 0.01` would move): every row is x0.
    x0 = np.array([1.0, -2.0])
    traj = impl.gradient_descent(lambda x: 2 * x, x0, 0.0, 3)
    assert_close(traj, np.tile(x0, (4, 1)), tol=0, what="gradient_descent(2x, [1, -2], lr=0, 3)")


def test_gradient_descent_with_zero_steps_returns_x0_only(impl, assert_close):
    traj = impl.gradient_descent(lambda x: 2 * x, np.array([1.0, -2.0, 0.5]), 0.1, 0)
    assert_close(traj, [[1.0, -2.0, 0.5]], tol=0, what="gradient_descent(2x, x0 (3,), 0.1, 0)")


def test_gradient_descent_in_one_dimension_keeps_a_column(impl, assert_close):
    # d = 1: the trajectory is (n_steps + 1, 1), never squeezed to (n_steps + 1,).
    traj = impl.gradient_descent(lambda x: x, np.array([4.0]), 0.5, 2)
    assert_close(traj, [[4.0], [2.0], [1.0]], tol=0, what="gradient_descent(x, [4], 0.5, 2)")


# --- gradient_check ------------------------------------------------------------


def test_gradient_check_is_tiny_for_a_correct_gradient(impl, rng):
    W = rng.standard_normal((3, 4))
    V = rng.standard_normal((4, 2))
    err = impl.gradient_check(
        lambda A: np.sum(np.tanh(A @ V)), W, (1.0 - np.tanh(W @ V) ** 2) @ V.T
    )
    assert 0.0 <= err < 1e-8, (
        f"gradient_check(sum(tanh(W @ V)), its exact gradient, W (3, 4)) = {err!r}, "
        "expected < 1e-8 for a correct gradient"
    )


def test_gradient_check_uses_the_given_step(impl, assert_close):
    # f = sum(x^3): the central difference is exactly 3 x^2 + h^2, so the
    # entry at x = 1 has ratio h^2 / (3 + 3 + h^2) and dominates x = -2.
    h = 1e-2
    x = np.array([1.0, -2.0])
    got = impl.gradient_check(lambda a: np.sum(a**3), x, 3 * x**2, h=h)
    assert_close(got, h**2 / (6 + h**2), tol=1e-6, what=f"gradient_check(sum(x^3), 3x^2, h={h})")


def test_gradient_check_is_relative_not_absolute(impl, assert_close):
    # A gradient of size 1e-6 that is 10% too large: |a - n| is ~1e-7, but
    # the relative error is 0.1 / 2.1 per entry.
    x = np.array([0.5, -1.0, 2.0])
    got = impl.gradient_check(lambda a: 0.5e-6 * np.sum(a**2), x, 1.1e-6 * x)
    assert_close(got, 0.1 / 2.1, tol=1e-6, what="gradient_check(f ~ 1e-6, 10%-wrong gradient)")


def test_gradient_check_reports_the_worst_entry(impl, rng, assert_close):
    # One entry out of 50 is doubled: |2g - g| / (|2g| + |g|) = 1/3 there.
    # The mean over entries would report about 1/150.
    x = rng.standard_normal(50)
    bad_grad = np.cos(x)
    bad_grad[17] *= 2.0
    got = impl.gradient_check(lambda a: np.sum(np.sin(a)), x, bad_grad)
    assert_close(got, 1.0 / 3.0, tol=1e-6, what="gradient_check with entry 17 doubled")


def test_gradient_check_entries_that_are_both_zero_count_as_agreement(impl):
    # x[0] does not enter f: analytic and numerical are both exactly 0 there;
    # 0 / 0 would make the result nan.
    x = np.array([0.3, 1.2, -0.7])
    err = impl.gradient_check(lambda a: np.sum(a[1:] ** 2), x, np.concatenate([[0.0], 2 * x[1:]]))
    assert np.isfinite(err), f"gradient_check returned {err!r} with a 0 entry: 0 / 0 needs a floor"
    assert err < 1e-8, (
        f"gradient_check(sum(x[1:]^2), exact gradient with a 0 entry) = {err!r}, "
        "expected a finite number < 1e-8 (0 / 0 needs the 1e-8 floor)"
    )


def test_gradient_check_divides_tiny_gradients_by_the_floor(impl, assert_close):
    # Analytic 0 against a true gradient of 1e-13: 1e-13 / max(1e-8, 1e-13) = 1e-5.
    got = impl.gradient_check(lambda a: 1e-13 * a[0], np.array([1.0]), np.zeros(1))
    assert_close(got, 1e-5, tol=1e-3, what="gradient_check(1e-13 x, gradient 0)")


def test_gradient_check_of_an_empty_x_is_zero(impl):
    err = impl.gradient_check(lambda a: 0.0, np.zeros(0), np.zeros(0))
    assert err == 0.0, f"gradient_check on an x of shape (0,) returned {err!r}, expected 0.0"


def test_gradient_check_rejects_a_gradient_of_the_wrong_shape(impl):
    # A (3, 1) gradient against a (3,) x broadcasts to (3, 3) if subtracted.
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        impl.gradient_check(lambda a: np.sum(a**2), x, (2 * x)[:, None])


def test_gradient_check_accepts_integer_x(impl):
    # An int x perturbed in place truncates x + h back to x: numerical 0, ratio 1.
    x = np.array([1, 2, 3])
    err = impl.gradient_check(lambda a: np.sum(a**3), x, 3.0 * x**2)
    assert err < 1e-8, f"gradient_check(sum(a^3), 3a^2, [1, 2, 3]) = {err!r}, expected < 1e-8"


def test_gradient_check_returns_a_float(impl):
    x = np.array([1.0, 2.0])
    err = impl.gradient_check(lambda a: np.sum(a**2), x, 2 * x)
    assert isinstance(err, float), f"gradient_check returned {type(err).__name__}, expected float"


def test_gradient_check_scores_a_sign_flipped_gradient_exactly_one(impl, assert_close):
    # a = -n: |a - n| / (|a| + |n|) = 2|n| / 2|n| = 1 exactly. Writing the
    # denominator as |a + n| (0 here) reports 2|n| / 1e-8 instead.
    x = np.array([0.5, -1.5, 2.0])
    got = impl.gradient_check(lambda a: np.sum(a**2), x, -2.0 * x, h=1e-3)
    assert_close(got, 1.0, tol=1e-9, what="gradient_check(sum(x^2), -2x), a sign-flipped gradient")


def test_gradient_check_reports_nan_in_the_analytic_gradient(impl):
    # A nan gradient entry is the classic symptom of a bug (log 0, 0 / 0);
    # np.nanmax or a nan-dropping mask would report the check as passed.
    x = np.array([1.0, 2.0, 3.0])
    grad = 2.0 * x
    grad[1] = np.nan
    err = impl.gradient_check(lambda a: np.sum(a**2), x, grad)
    assert np.isnan(err), (
        f"gradient_check(sum(x^2), [2, nan, 6], x=[1, 2, 3]) = {err!r}, expected nan: "
        "a nan entry must not be skipped"
    )


# --- least_squares_loss_grad -----------------------------------------------------


def test_least_squares_loss_grad_matches_hand_values(impl, assert_close):
    # X w = (-0.5, -0.5, -0.5), r = (-1.5, -0.5, 0.5), ||r||^2 = 2.75:
    # loss = 2.75 / 6; X^T r / 3 = (-0.5, -2) / 3.
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = np.array([1.0, 0.0, -1.0])
    w = np.array([0.5, -0.5])
    loss, grad = impl.least_squares_loss_grad(X, y, w)
    assert_close(loss, 2.75 / 6, tol=1e-12, what="least_squares_loss_grad(X 3x2, y, w) loss")
    assert_close(grad, [-0.5 / 3, -2.0 / 3], tol=1e-12, what="least_squares_loss_grad grad")


@pytest.mark.parametrize(("n", "d", "reg"), [(7, 3, 0.3), (2, 5, 0.0), (1, 4, 0.1)])
def test_least_squares_loss_grad_matches_numerical(impl, rng, num_grad, assert_close, n, d, reg):
    # Tall, wide and single-example designs; X @ r has the wrong shape for all.
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    w = rng.standard_normal(d)

    def loss_of(v):
        r = X @ v - y
        return 0.5 * np.sum(r**2) / n + 0.5 * reg * np.sum(v**2)

    loss, grad = impl.least_squares_loss_grad(X, y, w, reg=reg)
    what = f"least_squares_loss_grad(X ({n}, {d}), y, w, reg={reg})"
    assert_close(loss, loss_of(w), tol=1e-12, what=what + " loss")
    assert_close(grad, num_grad(loss_of, w), tol=1e-8, what=what + " grad")


def test_least_squares_loss_grad_ridge_adds_half_reg_norm_squared(impl, rng, assert_close):
    X, y, w = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(3)
    plain, g_plain = impl.least_squares_loss_grad(X, y, w, reg=0.0)
    ridge, g_ridge = impl.least_squares_loss_grad(X, y, w, reg=2.0)
    assert_close(ridge - plain, w @ w, tol=1e-12, what="loss(reg=2) - loss(reg=0)")
    assert_close(g_ridge - g_plain, 2.0 * w, tol=1e-12, what="grad(reg=2) - grad(reg=0)")


def test_least_squares_loss_grad_is_exact_near_the_optimum(impl, rng, assert_close):
    # Expanding ||Xw - y||^2 = w^T X^T X w - 2 y^T X w + y^T y subtracts numbers
    # of order 10 to leave ~1e-13: the residual form keeps full precision.
    X = rng.standard_normal((6, 3))
    w = rng.standard_normal(3)
    y = X @ w + 1e-6 * rng.standard_normal(6)
    r = X @ w - y
    loss, _ = impl.least_squares_loss_grad(X, y, w)
    assert_close(loss, 0.5 * np.sum(r**2) / 6, tol=1e-10, what="least_squares loss near optimum")


def test_least_squares_loss_grad_is_zero_at_the_normal_equations_solution(impl, rng):
    X = rng.standard_normal((8, 3))
    y = rng.standard_normal(8)
    w_star = np.linalg.solve(X.T @ X, X.T @ y)
    _, grad = impl.least_squares_loss_grad(X, y, w_star)
    scale = np.linalg.norm(X.T @ y) / 8
    assert np.linalg.norm(grad) < 1e-12 * scale, (
        f"least_squares_loss_grad at the solution of X^T X w = X^T y: grad = {grad}, expected 0"
    )


def test_least_squares_loss_grad_returns_float_and_vector(impl, rng):
    loss, grad = impl.least_squares_loss_grad(np.ones((1, 2)), np.ones(1), np.zeros(2))
    assert isinstance(loss, float), f"loss is {type(loss).__name__}, expected float"
    assert np.shape(grad) == (2,), f"grad has shape {np.shape(grad)} for X (1, 2), expected (2,)"


# --- logistic_loss_grad ----------------------------------------------------------


def _bce_loop(X, y, w, b):
    """Slow, plain-formula reference for moderate logits: -[y log s + (1-y) log(1-s)]."""
    total = 0.0
    for xi, yi in zip(X, y, strict=True):
        z = float(xi @ w) + b
        s = 1.0 / (1.0 + np.exp(-z))
        total -= yi * np.log(s) + (1.0 - yi) * np.log(1.0 - s)
    return total / len(y)


def test_logistic_loss_grad_matches_hand_values(impl, assert_close):
    # w = 0, b = 0: every z is 0, s = 1/2, loss = log 2, dz = (1/2 - y) / 2.
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([1.0, 0.0])
    loss, gw, gb = impl.logistic_loss_grad(X, y, np.zeros(2), 0.0)
    assert_close(loss, np.log(2.0), tol=1e-12, what="logistic_loss_grad(w=0, b=0) loss")
    assert_close(gw, [0.5, -0.75], tol=1e-12, what="logistic_loss_grad(w=0, b=0) grad_w")
    assert_close(gb, 0.0, tol=1e-12, what="logistic_loss_grad(w=0, b=0) grad_b")


@pytest.mark.parametrize(("n", "d"), [(6, 3), (1, 4), (2, 5)])
def test_logistic_loss_grad_matches_numerical(impl, rng, num_grad, assert_close, n, d):
    X = rng.standard_normal((n, d))
    y = rng.uniform(0.0, 1.0, n)  # soft labels: the formula holds for any y in [0, 1]
    w = rng.standard_normal(d)
    b = 0.3
    loss, gw, gb = impl.logistic_loss_grad(X, y, w, b)
    what = f"logistic_loss_grad(X ({n}, {d}), soft y, w, b)"
    assert_close(loss, _bce_loop(X, y, w, b), tol=1e-12, what=what + " loss")
    assert_close(gw, num_grad(lambda v: _bce_loop(X, y, v, b), w), tol=1e-8, what=what + " grad_w")
    gb_num = num_grad(lambda c: _bce_loop(X, y, w, float(c[0])), np.array([b]))[0]
    assert_close(gb, gb_num, tol=1e-8, what=what + " grad_b")


def test_logistic_loss_grad_returns_floats_and_vector(impl):
    loss, gw, gb = impl.logistic_loss_grad(np.ones((1, 3)), np.ones(1), np.zeros(3), 0.0)
    assert isinstance(loss, float), f"loss is {type(loss).__name__}, expected float"
    assert isinstance(gb, float), f"grad_b is {type(gb).__name__}, expected float"
    assert np.shape(gw) == (3,), f"grad_w has shape {np.shape(gw)} for X (1, 3), expected (3,)"


@pytest.mark.parametrize(("z", "label"), [(40.0, 1.0), (-40.0, 0.0), (700.0, 1.0)])
def test_logistic_loss_grad_confident_right_loss_keeps_relative_precision(
    impl, assert_close, call_quietly, z, label
):
    # The loss is log1p(exp(-|z|)): 4.2e-18 at |z| = 40, 9.9e-305 at 700.
    # log(1 + exp(-40)) rounds to 0, and log(sigmoid(40)) too.
    X = np.array([[1.0]])
    loss, _, _ = call_quietly(
        impl.logistic_loss_grad,
        X,
        np.array([label]),
        np.array([z]),
        0.0,
        what=f"logistic_loss_grad(z={z}, y={label})",
    )
    expected = np.log1p(np.exp(-abs(z)))
    assert_close(loss, expected, tol=1e-12, what=f"logistic loss at z={z}, y={label}", floor=0.0)


def test_logistic_loss_grad_confident_wrong_loss_grows_without_cap(
    impl, assert_close, call_quietly
):
    # z = -400 and -800 with y = 1: the loss is |z| + log1p(e^{-|z|}) = |z|,
    # so it doubles; nothing overflows, and no clip holds it at a constant.
    X = np.array([[1.0], [2.0]])
    loss, gw, gb = call_quietly(
        impl.logistic_loss_grad,
        X,
        np.array([1.0, 1.0]),
        np.array([-400.0]),
        0.0,
        what="logistic_loss_grad(z=[-400, -800], y=[1, 1])",
    )
    assert_close(loss, 600.0, tol=1e-12, what="logistic loss at z=[-400, -800], y=1 (mean)")
    # sigmoid(z) - y = -1 for both: grad_w = X^T (-1, -1) / 2, grad_b = -1.
    assert_close(gw, [-1.5], tol=1e-12, what="logistic grad_w at z=[-400, -800], y=1")
    assert_close(gb, -1.0, tol=1e-12, what="logistic grad_b at z=[-400, -800], y=1")


def test_logistic_loss_grad_tail_gradient_keeps_relative_precision(
    impl, assert_close, call_quietly
):
    # y = 0, z = -40 and -1000: dl/dz = sigmoid(z) = 4.2e-18 and 0 (underflow);
    # computing sigmoid as 1 - sigmoid(-z) gives exactly 0 for the first.
    X = np.array([[1.0], [0.0]])
    _, gw, _ = call_quietly(
        impl.logistic_loss_grad,
        np.array([[1.0]]),
        np.array([0.0]),
        np.array([-40.0]),
        0.0,
        what="logistic_loss_grad(z=-40, y=0)",
    )
    expected = np.exp(-40.0) / (1.0 + np.exp(-40.0))
    assert_close(gw, [expected], tol=1e-12, what="logistic grad_w at z=-40, y=0", floor=0.0)
    _, gw, _ = call_quietly(
        impl.logistic_loss_grad,
        X,
        np.array([0.0, 0.0]),
        np.array([-1000.0]),
        0.0,
        what="logistic_loss_grad(z=[-1000, 0], y=0)",
    )
    assert_close(gw, [0.0], tol=1e-12, what="logistic grad_w at z=[-1000, 0], y=0", floor=0.0)


def test_logistic_loss_grad_zero_bias_is_used(impl, assert_close):
    # b = 0.0 is falsy but valid: z = X w exactly.
    X = np.array([[2.0]])
    loss, _, gb = impl.logistic_loss_grad(X, np.array([1.0]), np.array([0.0]), 0.0)
    assert_close(loss, np.log(2.0), tol=1e-12, what="logistic_loss_grad(z=0, y=1) loss")
    assert_close(gb, -0.5, tol=1e-12, what="logistic_loss_grad(z=0, y=1) grad_b")


# --- every exercise leaves the caller's arrays untouched ---------------------
# An in-place update of an argument (x += ..., x[i] = ...) corrupts the
# caller's data while the returned value is right: a value test cannot see it.


def test_quadratic_gradient_leaves_inputs_untouched(impl, rng, call_untouched):
    A, b, x = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)
    call_untouched(impl.quadratic_gradient, A, b, x, what="quadratic_gradient(A, b, x)")


def test_directional_derivative_leaves_inputs_untouched(impl, rng, call_untouched):
    grad, v = rng.standard_normal(4), rng.standard_normal(4)
    call_untouched(impl.directional_derivative, grad, v, what="directional_derivative(grad, v)")


def test_plot_descent_path_leaves_trajectory_untouched(impl, call_untouched, tmp_path):
    traj = np.array([[2.0, 1.0], [1.2, 0.4], [0.7, 0.1]])
    call_untouched(
        impl.plot_descent_path,
        lambda p: p[0] ** 2 + 3 * p[1] ** 2,
        traj,
        tmp_path / "path.png",
        what="plot_descent_path(f, trajectory, path)",
    )


def test_gradient_check_leaves_x_untouched(impl, rng, call_untouched):
    x = rng.standard_normal((2, 3))
    call_untouched(
        impl.gradient_check,
        lambda a: np.sum(a**3),
        x,
        3 * x**2,
        what="gradient_check(f, x, analytic_grad)",
    )


def test_least_squares_loss_grad_leaves_inputs_untouched(impl, rng, call_untouched):
    X, y, w = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(3)
    call_untouched(
        impl.least_squares_loss_grad, X, y, w, reg=0.1, what="least_squares_loss_grad(X, y, w)"
    )


def test_logistic_loss_grad_leaves_inputs_untouched(impl, rng, call_untouched):
    X, w = rng.standard_normal((4, 3)), rng.standard_normal(3)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    call_untouched(impl.logistic_loss_grad, X, y, w, 0.5, what="logistic_loss_grad(X, y, w, b)")


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
