"""Topic 01: derivatives and gradients, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """Central-difference estimate of f'(x) for a scalar function of a scalar."""
    # Taylor: f(x +- h) = f(x) +- h f'(x) + h^2/2 f''(x) +- h^3/6 f'''(x) + ...
    # Subtracting cancels the even terms, so the error is h^2/6 f'''(x): O(h^2).
    # The forward difference (f(x + h) - f(x)) / h keeps the h/2 f''(x) term.
    # Common mistake: dividing by h instead of 2h (the points are 2h apart).
    return float((f(x + h) - f(x - h)) / (2.0 * h))


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5):
    """Central-difference gradient of a scalar function f at an array x of any shape."""
    # A float64 copy: the caller's array stays untouched, and an integer x
    # would otherwise truncate x + h back to x (a gradient of exactly 0).
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    # np.ndindex visits every index of any shape; range(len(x)) would visit
    # only the first axis and perturb whole rows of a matrix at once.
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + h
        f_plus = f(point)
        point[index] = original - h
        f_minus = f(point)
        # Restore the saved value: original + h - 2h + h is not always
        # original in floating point, and the drift would leak into later
        # evaluations.
        point[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def quadratic_gradient(A: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of 0.5 x^T A x + b^T x for a square A that need not be symmetric."""
    # d/dx_k sum_ij 0.5 x_i A_ij x_j = 0.5 (sum_j A_kj x_j + sum_i x_i A_ik)
    #                                = 0.5 (A x + A^T x)_k.
    # Only the symmetric part of A matters to the quadratic form. Common
    # mistake: A @ x + b, which silently assumes A == A.T.
    return 0.5 * (A @ x + A.T @ x) + b


def directional_derivative(grad: np.ndarray, v: np.ndarray) -> float:
    """Rate of change along the direction of v: grad . v / ||v||."""
    norm = np.linalg.norm(v)
    if norm == 0.0:
        raise ValueError("directional_derivative: v is the zero vector and has no direction")
    # Common mistake: returning grad . v, which doubles when v doubles. The
    # directional derivative is defined for a unit vector.
    return float(np.dot(grad, v) / norm)


def gradient_descent(
    grad_fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, lr: float, n_steps: int
) -> np.ndarray:
    """Trajectory of x_{k+1} = x_k - lr * grad_fn(x_k), shape (n_steps + 1, d)."""
    x0 = np.asarray(x0, dtype=np.float64)
    trajectory = np.empty((n_steps + 1, x0.size), dtype=np.float64)
    trajectory[0] = x0
    # Each row is computed from the previous one into fresh storage: the
    # caller's x0 is never written, and no two rows alias the same array
    # (appending one array that is updated in place gives n identical rows).
    for k in range(n_steps):
        trajectory[k + 1] = trajectory[k] - lr * grad_fn(trajectory[k])
    return trajectory


def plot_descent_path(f: Callable[[np.ndarray], float], trajectory: np.ndarray, path):
    """Contour plot of f with the trajectory on top, saved as PNG to path."""
    import matplotlib.pyplot as plt

    trajectory = np.asarray(trajectory, dtype=np.float64)
    lo = trajectory.min(axis=0)
    hi = trajectory.max(axis=0)
    # A margin around the path so that the contours show the valley's shape;
    # max(..., 1) keeps the window open when the path is a single point.
    margin = 0.25 * np.maximum(hi - lo, 1.0)
    xs = np.linspace(lo[0] - margin[0], hi[0] + margin[0], 120)
    ys = np.linspace(lo[1] - margin[1], hi[1] + margin[1], 120)
    X, Y = np.meshgrid(xs, ys)
    # f takes one (2,) point, like every objective in this topic, so it is
    # evaluated point by point; a 120 x 120 grid costs 14,400 calls, fine here.
    Z = np.array([[f(np.array([x, y])) for x in xs] for y in ys])

    fig, ax = plt.subplots(figsize=(6, 5))
    contours = ax.contour(X, Y, Z, levels=20, cmap="viridis")
    ax.clabel(contours, inline=True, fontsize=7)
    ax.plot(trajectory[:, 0], trajectory[:, 1], "o-", color="tab:red", label="gradient descent")
    ax.plot(*trajectory[0], "s", color="black", label="start")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"Gradient descent: {len(trajectory) - 1} steps")
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


def gradient_check(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    h: float = 1e-5,
) -> float:
    """Largest relative error between analytic_grad and the central-difference gradient at x."""
    point = np.array(x, dtype=np.float64)
    analytic = np.asarray(analytic_grad, dtype=np.float64)
    if analytic.shape != point.shape:
        # Common mistake: subtracting first. A (D, 1) gradient minus a (D,)
        # one broadcasts to (D, D), and the "error" then means nothing.
        raise ValueError(
            f"gradient_check: analytic_grad has shape {analytic.shape}, x has shape {point.shape}"
        )
    numeric = numerical_gradient(f, point, h)
    # Relative, not absolute: |a - n| alone calls a 10%-wrong gradient of
    # size 1e-9 "accurate to 1e-10". The sum |a| + |n| (CS231n) and the floor
    # 1e-8 keep 0/0 out when both entries are exactly zero.
    ratio = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
    # The max, not the mean: a single wrong entry (one bias, one corner of a
    # kernel) is a bug, and the mean over a million entries would hide it.
    return float(np.max(ratio, initial=0.0))


def least_squares_loss_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, reg: float = 0.0):
    """1/(2N) ||X w - y||^2 + reg/2 ||w||^2 and its gradient X^T (X w - y) / N + reg w."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n = X.shape[0]
    residual = X @ w - y  # (N,)
    loss = 0.5 * (residual @ residual) / n + 0.5 * reg * (w @ w)
    # dL = (1/N) r . dr = (1/N) r . (X dw) = (X^T r / N) . dw, so the gradient
    # is X^T r / N, shape (D,). Common mistakes: X @ r (wrong shape unless
    # X is square, and wrong values even then), dropping the 1/N (the step
    # size then depends on the batch size), and the sign of y - X w.
    grad = X.T @ residual / n + reg * w
    return float(loss), grad


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function that exponentiates only non-positive numbers."""
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logistic_loss_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float):
    """Mean BCE-with-logits of sigmoid(X w + b) against y, and its gradients."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n = X.shape[0]
    z = X @ w + b  # (N,)
    # -[y log s + (1 - y) log(1 - s)] = log(1 + e^z) - y z
    #                                = max(z, 0) - y z + log1p(e^{-|z|}).
    # log1p matters at the confident end: for z = 40 and y = 1 the loss is
    # log(1 + e^-40) ~ 4.2e-18, and log(1.0 + 4.2e-18) rounds to exactly 0.
    loss = np.mean(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z))))
    # dl/dz = s(z) - y: the sigmoid's derivative s(1 - s) cancels the 1/s and
    # 1/(1 - s) of the two logs. The gradient never saturates for a wrong
    # prediction (it tends to -1 or +1), unlike the squared error on s(z).
    dz = (_sigmoid(z) - y) / n
    return float(loss), X.T @ dz, float(np.sum(dz))


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
