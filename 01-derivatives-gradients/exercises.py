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


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
