"""Topic 03: Jacobians and Hessians, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Layout: every Jacobian here is in numerator layout, shape (outputs, inputs),
J[i, j] = d f_i / d x_j, as torch.autograd.functional.jacobian returns it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# An eigenvalue of a Hessian counts as zero when |lambda| <= this times the
# largest |eigenvalue|. Relative, so that rescaling f (which rescales every
# eigenvalue) never changes the answer; 1e-6 sits above the noise of a
# finite-difference Hessian with h = 1e-4 (about 1e-7 relative) and below any
# curvature ratio worth calling real in float64 on such estimates.
DEGENERATE_RTOL = 1e-6


def numerical_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central-difference Jacobian of f at x, numerator layout (m, n)."""
    point = np.array(x, dtype=np.float64)  # a float64 copy: x untouched, ints allowed
    n = point.size
    columns = []
    # Column j is the directional derivative along e_j: perturbing input j
    # moves every output, so one pair of evaluations fills a whole COLUMN.
    # Filling rows instead (or stacking the columns as rows) gives the
    # transposed, denominator-layout matrix.
    # np.array (not np.asarray) COPIES f's output: f may return a view of its
    # input (f = lambda p: p[1:]), and the next write into point would then
    # overwrite f_plus, giving a zero column.
    for j in range(n):
        original = point[j]
        point[j] = original + h
        f_plus = np.atleast_1d(np.array(f(point), dtype=np.float64))
        point[j] = original - h
        f_minus = np.atleast_1d(np.array(f(point), dtype=np.float64))
        point[j] = original  # restore exactly; original + h - 2h + h may drift
        columns.append((f_plus - f_minus) / (2.0 * h))  # 2h: the points are 2h apart
    # A scalar f gives a (1, n) row: in numerator layout the Jacobian of a
    # scalar function is the gradient laid out as a row.
    return np.stack(columns, axis=1)


def _softmax(z: np.ndarray) -> np.ndarray:
    """Stable softmax along the last axis."""
    # Softmax is shift-invariant: subtracting the max changes nothing
    # mathematically but keeps every exponent <= 0, so exp never overflows
    # (z = 1000) and the denominator is >= 1, never 0 (z = -1000).
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Jacobian of softmax at z (n,): diag(s) - s s^T, shape (n, n)."""
    s = _softmax(np.asarray(z, dtype=np.float64))
    # d s_i / d z_j = s_i (delta_ij - s_j). Common mistakes: s @ s (a scalar,
    # which broadcasts silently) instead of the outer product, and dropping
    # the diagonal term.
    return np.diag(s) - np.outer(s, s)


def elementwise_jacobian(fprime: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Jacobian of an element-wise map at x (n,): diag(fprime(x)), shape (n, n)."""
    # y_i depends on x_i alone, so d y_i / d x_j = 0 for i != j. Forming this
    # n x n matrix is for study only: a backward pass multiplies by the
    # diagonal as a vector, dout * fprime(x), in O(n).
    return np.diag(np.asarray(fprime(np.asarray(x, dtype=np.float64)), dtype=np.float64))


def linear_jacobian(W: np.ndarray) -> np.ndarray:
    """Jacobian of x -> x @ W for x (n,) and W (n, m): W.T, shape (m, n)."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"linear_jacobian: W must be 2-D (n, m), got shape {W.shape}")
    # y_i = sum_k x_k W[k, i], so d y_i / d x_j = W[j, i]: the transpose.
    # Returning W itself is the denominator-layout answer (n, m). A copy, so
    # that writing into the Jacobian never changes the weights.
    return W.T.copy()


def _check_product_shapes(name: str, jacobian: np.ndarray, v: np.ndarray, axis: int) -> None:
    if jacobian.ndim != 2 or v.ndim != 1 or v.shape[0] != jacobian.shape[axis]:
        side = "rows (outputs)" if axis == 0 else "columns (inputs)"
        raise ValueError(
            f"{name}: jacobian {jacobian.shape} and v {v.shape} do not match: "
            f"v needs one entry per {side} of the (m, n) jacobian"
        )


def vjp(jacobian: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vector-Jacobian product v^T J: jacobian (m, n), v (m,) -> (n,)."""
    jacobian = np.asarray(jacobian, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    _check_product_shapes("vjp", jacobian, v, axis=0)
    # (v^T J)_j = sum_i v_i J[i, j]: an upstream gradient over the m outputs
    # becomes a gradient over the n inputs. This is what backward() computes.
    return v @ jacobian


def jvp(jacobian: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Jacobian-vector product J v: jacobian (m, n), v (n,) -> (m,)."""
    jacobian = np.asarray(jacobian, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    _check_product_shapes("jvp", jacobian, v, axis=1)
    # (J v)_i = sum_j J[i, j] v_j: a tangent over the inputs becomes the
    # first-order change of the outputs. This is what forward mode computes.
    return jacobian @ v


def numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4):
    """Central-difference Hessian of scalar f at x (n,), symmetric (n, n)."""
    point = np.array(x, dtype=np.float64)
    n = point.size
    H = np.empty((n, n), dtype=np.float64)

    def f_shifted(i: int, si: float, j: int, sj: float) -> float:
        # f at x + si h e_i + sj h e_j, on a fresh copy so x never drifts.
        shifted = point.copy()
        shifted[i] += si * h
        shifted[j] += sj * h
        return float(f(shifted))

    f0 = float(f(point))
    for i in range(n):
        # Diagonal: the second difference (f(x+h) - 2 f(x) + f(x-h)) / h^2,
        # error h^2 f''''/12 from truncation plus ~ 4 eps |f| / h^2 from
        # rounding. That 1/h^2 is why h is 1e-4 here, not the 1e-5 or 1e-6
        # of a first derivative: at h = 1e-6 rounding alone is ~ 1e-4 |f|.
        point_plus, point_minus = point.copy(), point.copy()
        point_plus[i] += h
        point_minus[i] -= h
        H[i, i] = (float(f(point_plus)) - 2.0 * f0 + float(f(point_minus))) / h**2
        for j in range(i + 1, n):
            # Mixed partial: the central difference in j of the central
            # difference in i, four evaluations, error O(h^2).
            H[i, j] = (
                f_shifted(i, 1, j, 1)
                - f_shifted(i, 1, j, -1)
                - f_shifted(i, -1, j, 1)
                + f_shifted(i, -1, j, -1)
            ) / (4.0 * h**2)
    # Only the upper triangle was estimated (half the evaluations); mirroring
    # makes H exactly symmetric. A Hessian built as the Jacobian of a
    # numerical gradient has H[i, j] != H[j, i] in the last digits, and
    # eigvalsh / Cholesky downstream silently read only one triangle.
    upper = np.triu(H, k=1)
    return np.diag(np.diag(H)) + upper + upper.T


def classify_critical_point(hessian: np.ndarray) -> str:
    """'minimum', 'maximum', 'saddle' or 'degenerate' from the Hessian's eigenvalues."""
    H = np.asarray(hessian, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"classify_critical_point: hessian must be square, got shape {H.shape}")
    # The quadratic form d^T H d only sees the symmetric part of H. And
    # eigvalsh reads ONE triangle (the lower by default) and assumes the
    # other: called on a non-symmetric H it answers for a different matrix.
    eigenvalues = np.linalg.eigvalsh(0.5 * (H + H.T))
    scale = np.max(np.abs(eigenvalues), initial=0.0)
    if scale == 0.0:
        return "degenerate"  # H = 0: the second-order test says nothing
    tol = DEGENERATE_RTOL * scale
    has_up = np.any(eigenvalues > tol)
    has_down = np.any(eigenvalues < -tol)
    # Order matters: curvature of both signs is a saddle even if some other
    # eigenvalue is zero (x^2 - y^2 + 0 z^2 is a saddle, not "degenerate").
    if has_up and has_down:
        return "saddle"
    if np.any(np.abs(eigenvalues) <= tol):
        # Semidefinite: the flat directions are decided by higher-order terms
        # (x^2 + y^4 is a minimum, x^2 - y^4 a saddle, same Hessian at 0).
        return "degenerate"
    return "minimum" if has_up else "maximum"


def newton_step(grad: np.ndarray, hessian: np.ndarray, x: np.ndarray) -> np.ndarray:
    """One Newton update x - H^{-1} g, computed by solving H d = g."""
    x = np.asarray(x, dtype=np.float64)
    # solve factorises H once (LU, ~ 2 n^3 / 3 flops) and is backward stable;
    # inv(H) @ g costs ~ 3x more and amplifies rounding when H is
    # ill-conditioned. A singular H raises np.linalg.LinAlgError, which is
    # the honest answer: the Newton step does not exist.
    # Common mistakes: x + d (a step uphill), H @ g (multiplying by H), and
    # g / diag(H) (right only for a diagonal Hessian).
    step = np.linalg.solve(np.asarray(hessian, dtype=np.float64), np.asarray(grad, np.float64))
    return x - step  # a new array: the caller's x is not modified


def softmax_vjp(z: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """Backward of softmax along the last axis without forming any Jacobian."""
    z = np.asarray(z, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if z.shape != dout.shape:
        raise ValueError(f"softmax_vjp: z {z.shape} and dout {dout.shape} must have one shape")
    s = _softmax(z)
    # (diag(s) - s s^T)^T v = s * v - s (s . v) = s * (v - s . v), per row:
    # O(C) per example instead of the O(C^2) of building the Jacobian. The
    # sum runs over the class axis (-1), never over the batch axis.
    return s * (dout - np.sum(dout * s, axis=-1, keepdims=True))


def max_stable_learning_rate(hessian: np.ndarray) -> float:
    """The lr limit of gradient descent on a quadratic with this Hessian: 2 / lambda_max."""
    H = np.asarray(hessian, dtype=np.float64)
    # eigvalsh on the symmetric part, for the same reason as in
    # classify_critical_point; eigvalsh returns the eigenvalues ascending.
    lam_max = np.linalg.eigvalsh(0.5 * (H + H.T))[-1]
    if lam_max <= 0.0:
        raise ValueError(
            f"max_stable_learning_rate: largest eigenvalue {lam_max:.3g} <= 0: the quadratic "
            "has no minimum and gradient descent diverges (or stalls) for every lr > 0"
        )
    # The error along eigenvector i is multiplied by (1 - lr lambda_i) per
    # step; |1 - lr lambda_i| < 1 for every i  <=>  lr < 2 / lambda_max.
    # Common mistakes: 1 / lambda_max (safe but not the limit) and
    # 2 / lambda_min (the wrong end of the spectrum: diverges).
    return float(2.0 / lam_max)


def hessian_vector_product(
    grad_fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, v: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """H v from a central difference of gradients along the unit vector of v."""
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    norm = np.linalg.norm(v)
    if norm == 0.0:
        # H 0 = 0 exactly; dividing by the norm would give nan.
        return np.zeros_like(x)
    u = v / norm
    # The Hessian is the Jacobian of the gradient, so its product with u is
    # the directional derivative of the gradient along u: a JVP of grad_fn,
    # estimated by central differences (error O(h^2), exact for quadratics).
    # Stepping along u, not v, keeps the step h whatever v's length: with
    # x + h v, a v of length 1e6 steps 10 units away and a v of length 1e-9
    # steps 1e-14, deep in rounding noise. Common mistake: a one-sided
    # difference (grad(x + h u) - grad(x)) / h, O(h) accurate.
    g_plus = np.asarray(grad_fn(x + h * u), dtype=np.float64)
    g_minus = np.asarray(grad_fn(x - h * u), dtype=np.float64)
    return norm * (g_plus - g_minus) / (2.0 * h)


def top_hessian_eigenvalue(
    hvp: Callable[[np.ndarray], np.ndarray], v0: np.ndarray, n_iters: int = 100
):
    """Power iteration with Hessian-vector products; returns (eigenvalue, unit vector)."""
    v = np.array(v0, dtype=np.float64)  # a copy: the caller's v0 stays as it was
    norm = np.linalg.norm(v)
    if norm == 0.0:
        raise ValueError("top_hessian_eigenvalue: v0 is the zero vector")
    v = v / norm
    for _ in range(n_iters):
        w = np.asarray(hvp(v), dtype=np.float64)
        w_norm = np.linalg.norm(w)
        if w_norm == 0.0:
            # H v = 0: v is an eigenvector with eigenvalue 0, and w / 0 is nan.
            return 0.0, v
        # Normalise every step: H^k v0 grows like |lambda_1|^k and overflows
        # (or underflows) after a few hundred steps when |lambda_1| != 1.
        v = w / w_norm
    # The Rayleigh quotient v^T H v (v has unit norm) carries the sign of the
    # eigenvalue. Common mistake: ||H v||, which is |lambda| and calls a
    # dominant negative curvature positive. It is also more accurate: its
    # error is quadratic in the error of v.
    return float(v @ np.asarray(hvp(v), dtype=np.float64)), v


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
