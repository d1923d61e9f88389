"""Topic 03: Jacobians and Hessians.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Layout: every Jacobian in this curriculum is in numerator layout, shape
(outputs, inputs): J[i, j] = d f_i / d x_j (as torch.autograd.functional.jacobian).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def numerical_jacobian(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central-difference Jacobian of a vector function f at a vector x.

        J[:, j] ~= (f(x + h e_j) - f(x - h e_j)) / (2 h)

    Numerator layout: J[i, j] = d f_i / d x_j, so J has shape (m, n) =
    (outputs, inputs). Perturbing input j moves every output, so each pair of
    evaluations fills one COLUMN.

    Args:
        f: takes an array of shape (n,), returns an array of shape (m,)
            (a scalar counts as m = 1).
        x: (n,); may be an integer array.
        h: the step (use it).

    Returns:
        ndarray (m, n), float64. For a scalar f, a (1, n) row: the gradient
        laid out as a row, which is what numerator layout means for m = 1.

    Must not leave x modified.

    Hint: work on a float64 copy of x; for each j save the entry, set it to
    x_j + h, then x_j - h, then restore it. Copy each output with
    ``np.array(f(point), dtype=float)``: f may return a view of its input
    (``lambda p: p[1:]``), which your next write into the point would change.
    ``np.atleast_1d`` turns a scalar output into shape (1,);
    ``np.stack(columns, axis=1)`` puts the columns side by side
    (``np.array(columns)`` would stack them as rows: the transpose).
    """
    raise NotImplementedError


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Jacobian of s = softmax(z) with respect to the logits z.

        s_i = exp(z_i) / sum_k exp(z_k)
        d s_i / d z_j = s_i (delta_ij - s_j),   i.e.   J = diag(s) - s s^T

    Args:
        z: (n,) logits; must work for entries of magnitude 1000.

    Returns:
        ndarray (n, n), symmetric; every row sums to 0.

    Hint: compute s stably first (subtract max(z): softmax is shift-invariant,
    and exp of 1000 overflows), then ``np.diag(s) - np.outer(s, s)``. Beware
    ``s @ s``: a scalar, which would broadcast without an error.
    """
    raise NotImplementedError


def elementwise_jacobian(fprime: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Jacobian of an element-wise map y_i = f(x_i), given its derivative fprime.

        d y_i / d x_j = f'(x_i) if i == j else 0,   i.e.   J = diag(f'(x))

    Args:
        fprime: the scalar derivative f', applied element-wise: (n,) -> (n,).
        x: (n,) the point.

    Returns:
        ndarray (n, n): f'(x) on the diagonal, exact zeros elsewhere.

    Hint: one line. (A backward pass never builds this matrix: multiplying by
    a diagonal matrix is the element-wise product dout * fprime(x).)
    """
    raise NotImplementedError


def linear_jacobian(W: np.ndarray) -> np.ndarray:
    """Jacobian of the linear map y = x @ W for a single vector x.

        y_i = sum_k x_k W[k, i]   =>   d y_i / d x_j = W[j, i]

    Args:
        W: (n, m); x has shape (n,), y has shape (m,).

    Returns:
        ndarray (m, n): outputs by inputs (numerator layout). This is W.T, not W.

    Raises:
        ValueError: if W is not 2-D.

    Hint: write y_i as a sum and differentiate by x_j. Return a copy, so that
    writing into the Jacobian cannot change the weights.
    """
    raise NotImplementedError


def vjp(jacobian: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vector-Jacobian product v^T J (reverse mode, what backward() computes).

        out_j = sum_i v_i J[i, j]

    v is a gradient over the m OUTPUTS (the upstream gradient dL/dy); the
    result is the gradient over the n INPUTS (dL/dx).

    Args:
        jacobian: (m, n) in numerator layout.
        v: (m,).

    Returns:
        ndarray (n,).

    Raises:
        ValueError: naming both shapes, if jacobian is not 2-D, v is not 1-D or
            len(v) != m.

    Hint: ``v @ J``. Check the shapes yourself: for a square J the transposed
    product ``J @ v`` runs and returns the wrong numbers.
    """
    raise NotImplementedError


def jvp(jacobian: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Jacobian-vector product J v (forward mode, a directional derivative).

        out_i = sum_j J[i, j] v_j = d/dt f(x + t v) at t = 0

    v is a tangent over the n INPUTS; the result is the first-order change of
    the m OUTPUTS.

    Args:
        jacobian: (m, n) in numerator layout.
        v: (n,).

    Returns:
        ndarray (m,).

    Raises:
        ValueError: naming both shapes, if jacobian is not 2-D, v is not 1-D or
            len(v) != n.

    Hint: ``J @ v``, with the same shape checks as vjp.
    """
    raise NotImplementedError


def numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4):
    """Central-difference Hessian of a scalar function f at x, exactly symmetric.

        H[i, i] ~= (f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h^2
        H[i, j] ~= (f(x + h e_i + h e_j) - f(x + h e_i - h e_j)
                    - f(x - h e_i + h e_j) + f(x - h e_i - h e_j)) / (4 h^2)

    Both are O(h^2) accurate. Rounding error grows like eps |f| / h^2, which
    is why the default step is 1e-4 and not the 1e-5 of a first derivative.

    Args:
        f: takes an array of shape (n,), returns a scalar.
        x: (n,); may be an integer array; must not be modified.
        h: the step.

    Returns:
        ndarray (n, n), float64, with H[i, j] == H[j, i] bit for bit.

    Hint: estimate the upper triangle (j > i) and mirror it, or estimate every
    entry and return 0.5 * (H + H.T). Do not stop at an estimate whose
    triangles disagree in the last digits: np.linalg.eigvalsh and Cholesky
    read only one triangle and silently trust it.
    """
    raise NotImplementedError


def classify_critical_point(hessian: np.ndarray) -> str:
    """Second-derivative test at a critical point (where the gradient is 0).

    From the eigenvalues of the symmetric part 0.5 (H + H^T):

        some > 0 and some < 0      -> "saddle"   (even if others are ~0)
        otherwise, any ~0          -> "degenerate" (the test is inconclusive)
        all > 0                    -> "minimum"
        all < 0                    -> "maximum"

    An eigenvalue counts as ~0 when |lambda| <= 1e-6 * max |lambda| (relative,
    so that scaling f does not change the answer; 1e-6 is above the noise of a
    finite-difference Hessian). An all-zero Hessian is "degenerate".

    Args:
        hessian: (n, n), square; need not be exactly symmetric.

    Returns:
        str: "minimum", "maximum", "saddle" or "degenerate".

    Raises:
        ValueError: if hessian is not square.

    Hint: ``np.linalg.eigvalsh`` on the symmetric part (eigvalsh reads only
    the lower triangle of what you pass it). Test "saddle" before
    "degenerate". Positive diagonal entries do not make a minimum.
    """
    raise NotImplementedError


def newton_step(grad: np.ndarray, hessian: np.ndarray, x: np.ndarray) -> np.ndarray:
    """One Newton update: x_new = x - H^{-1} g, computed by SOLVING H d = g.

    On a quadratic f(x) = 0.5 x^T A x - b^T x (A invertible) one step lands
    exactly on the critical point A^{-1} b, from anywhere: a minimum when A
    is positive definite, but just as readily a saddle or a maximum.

    Args:
        grad: (n,) the gradient of f at x.
        hessian: (n, n) the Hessian of f at x.
        x: (n,) the current point; must not be modified.

    Returns:
        ndarray (n,), float64: the new point.

    Hint: ``np.linalg.solve(hessian, grad)``, never ``np.linalg.inv``: solve
    is cheaper and more accurate. A singular Hessian makes solve raise
    ``np.linalg.LinAlgError``; let it.
    """
    raise NotImplementedError


def softmax_vjp(z: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """Backward of softmax over the last axis, without forming the Jacobian.

    For each row: dz = J^T dout with J = diag(s) - s s^T, which simplifies to

        dz = s * (dout - sum_k dout_k s_k)

    O(C) per row instead of the O(C^2) of building J. For a batch of N rows
    the full Jacobian would be (N C) x (N C).

    Args:
        z: (N, C) logits (any leading shape; softmax over the last axis);
            must work for entries of magnitude 1000.
        dout: same shape as z, the upstream gradient dL/ds.

    Returns:
        ndarray, same shape as z: dL/dz.

    Raises:
        ValueError: if dout's shape differs from z's (no broadcasting).

    Hint: stable softmax along axis -1, then the formula with
    ``np.sum(..., axis=-1, keepdims=True)``. Summing over axis 0 mixes the
    examples of the batch.
    """
    raise NotImplementedError


def max_stable_learning_rate(hessian: np.ndarray) -> float:
    """The learning-rate limit of gradient descent on a quadratic: 2 / lambda_max.

    On f(x) = 0.5 x^T H x - b^T x the error e_k = x_k - x* obeys
    e_{k+1} = (I - lr H) e_k; along the eigenvector of lambda_i it is
    multiplied by (1 - lr lambda_i) each step, so gradient descent converges
    iff |1 - lr lambda_i| < 1 for every lambda_i > 0, i.e. lr < 2 / lambda_max.

    Args:
        hessian: (n, n); the eigenvalues of its symmetric part are used.

    Returns:
        float: 2 / lambda_max.

    Raises:
        ValueError: if lambda_max <= 0 (no direction with positive curvature:
            there is no minimum to converge to, and no limit to compute).

    Hint: ``np.linalg.eigvalsh`` returns eigenvalues in ascending order. The
    bound is set by the LARGEST curvature, not the smallest.
    """
    raise NotImplementedError


def hessian_vector_product(
    grad_fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, v: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """H v at x from two gradient evaluations, without forming the Hessian H.

    The gradient's directional derivative along v is H v (the Hessian is the
    Jacobian of the gradient), so a central difference of gradients gives it:

        u = v / ||v||
        H v ~= ||v|| * (grad_fn(x + h u) - grad_fn(x - h u)) / (2 h)

    The step is taken along the UNIT vector u and the result scaled back by
    ||v||: the accuracy then does not depend on how long v is (a v of length
    1e6 would otherwise step 10 units away from x). Exact, up to rounding, for
    a quadratic f; O(h^2) otherwise. Cost: two gradients, O(n) memory.

    Args:
        grad_fn: the gradient of f: (n,) -> (n,).
        x: (n,) the point; must not be modified.
        v: (n,) the vector; must not be modified.
        h: the step along u (use it as given).

    Returns:
        ndarray (n,), float64. For v = 0, exactly zeros (H 0 = 0), with no
        division by zero.

    Hint: normalise first, handle ||v|| == 0 before dividing, and evaluate
    grad_fn at fresh arrays x + h * u and x - h * u (not by editing x).
    """
    raise NotImplementedError


def top_hessian_eigenvalue(
    hvp: Callable[[np.ndarray], np.ndarray], v0: np.ndarray, n_iters: int = 100
):
    """Power iteration on Hessian-vector products: the dominant eigenvalue of H.

        v = v0 / ||v0||
        repeat n_iters times:   w = hvp(v);  v = w / ||w||
        eigenvalue = v . hvp(v)          (the Rayleigh quotient, one more call)

    It converges to the eigenvalue of LARGEST ABSOLUTE VALUE, with its sign (a
    Hessian at a saddle can have a dominant negative eigenvalue: report it as
    negative, which ||H v|| would not), at the rate |lambda_2 / lambda_1| per
    step for the vector and its square for the Rayleigh quotient. The
    iteration count is exact: n_iters normalised products, then one more call
    for the Rayleigh quotient (n_iters + 1 calls of hvp in all).

    Args:
        hvp: v -> H v for a symmetric H of shape (n, n), e.g. built with
            hessian_vector_product, or an exact product such as
            lambda v: X.T @ (s * (X @ v)) / N.
        v0: (n,) the start; nonzero; must not be modified.
        n_iters: the number of power-iteration steps (0 is allowed: the
            Rayleigh quotient of v0).

    Returns:
        (eigenvalue, v): eigenvalue a Python float, v an ndarray (n,) of unit
        norm. If some H v is exactly 0 (v in the null space of H, or H = 0),
        stop there and return (0.0, v): v is an eigenvector with eigenvalue 0.

    Raises:
        ValueError: if v0 is the zero vector.

    Hint: normalise at EVERY step: without it ||H^k v0|| over- or
    underflows after a few hundred steps when |lambda| is far from 1.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _jacobian_by_rows(f, x, num_grad):
    """Trusted numerical Jacobian (m, n): row i is the gradient of output i."""
    m = np.asarray(f(np.asarray(x, dtype=np.float64))).size
    return np.stack([num_grad(lambda p, i=i: np.asarray(f(p))[i], x) for i in range(m)])


def _softmax(z):
    """The tests' own stable softmax over the last axis."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


# --- numerical_jacobian -----------------------------------------------------


def test_numerical_jacobian_has_numerator_layout(impl, assert_close):
    # f(x0, x1) = (x0, 2 x1, x0 x1): 3 outputs, 2 inputs, so J is (3, 2).
    # At (1, 2): rows are the gradients of the outputs, (1, 0), (0, 2), (2, 1).
    def f(x):
        return np.array([x[0], 2.0 * x[1], x[0] * x[1]])

    got = impl.numerical_jacobian(f, np.array([1.0, 2.0]))
    assert_close(
        got,
        [[1.0, 0.0], [0.0, 2.0], [2.0, 1.0]],
        tol=1e-9,
        what="numerical_jacobian(f: R^2 -> R^3, x=[1, 2]) (must be (outputs, inputs) = (3, 2))",
    )


def test_numerical_jacobian_matches_analytic_nonsquare(impl, rng, assert_close):
    # f(x) = tanh(A x), A (3, 5): J = diag(1 - tanh(A x)^2) A, shape (3, 5).
    # tol 1e-8 also rejects a forward difference (error ~ h f'' / 2 ~ 1e-6).
    A = rng.standard_normal((3, 5))
    x = rng.standard_normal(5)
    t = np.tanh(A @ x)
    expected = (1.0 - t**2)[:, None] * A
    got = impl.numerical_jacobian(lambda p: np.tanh(A @ p), x)
    assert_close(got, expected, tol=1e-8, what="numerical_jacobian(tanh(A x), x (5,)), A (3, 5)")


def test_numerical_jacobian_uses_the_given_step(impl, assert_close):
    # For x**3 element-wise the central difference is 3 x^2 + h^2 exactly.
    x = np.array([0.5, -1.0, 2.0])
    h = 1e-2
    got = impl.numerical_jacobian(lambda p: p**3, x, h=h)
    expected = np.diag(3 * x**2 + h**2)
    assert_close(got, expected, tol=1e-10, what=f"numerical_jacobian(x**3, x, h={h})")


def test_numerical_jacobian_of_scalar_function_is_a_row(impl, rng, assert_close):
    # Numerator layout for m = 1: the (1, n) row d f / d x, the gradient as a row.
    x = rng.standard_normal(4)
    got = impl.numerical_jacobian(lambda p: np.sum(p**2), x)
    assert_close(got, (2 * x)[None, :], tol=1e-9, what="numerical_jacobian(sum(x**2), x (4,))")


def test_numerical_jacobian_copies_outputs_that_view_the_input(impl, assert_close):
    # f(p) = p[1:] returns a VIEW of the perturbed point: an f(x + h e_j) kept
    # without a copy changes when the point is set to x - h e_j, and the
    # difference of the two "outputs" is then 0. Expected: rows 1..3 of I (3, 4).
    got = impl.numerical_jacobian(lambda p: p[1:], np.array([0.5, -1.0, 2.0, 3.0]))
    assert_close(
        got,
        np.eye(4)[1:],
        tol=1e-9,
        what="numerical_jacobian(lambda p: p[1:], x (4,)) (copy f's output: it may view x)",
    )


def test_numerical_jacobian_leaves_x_unmodified(impl):
    x = np.array([0.1, 0.7, 1.3, -2.9, 1e-3])
    before = x.copy()
    impl.numerical_jacobian(lambda p: np.sin(p) * p[0], x)
    assert np.array_equal(x, before), (
        f"numerical_jacobian(f, x) modified the caller's x:\n  before: {before!r}\n"
        f"  after:  {x!r}\nwork on a float64 copy and restore each entry from a saved value"
    )


def test_numerical_jacobian_accepts_integer_input(impl, assert_close):
    # x + 1e-5 stored back into an int array truncates to x: a zero Jacobian.
    got = impl.numerical_jacobian(lambda p: p**2, np.array([1, 2, 3]))
    assert_close(
        got, np.diag([2.0, 4.0, 6.0]), tol=1e-8, what="numerical_jacobian(x**2, [1, 2, 3])"
    )


# --- softmax_jacobian -------------------------------------------------------


def test_softmax_jacobian_hand_example(impl, assert_close):
    # z = (0, 0, ln 2) gives s = (1/4, 1/4, 1/2); J = diag(s) - s s^T.
    z = np.array([0.0, 0.0, np.log(2.0)])
    expected = [
        [0.25 - 0.0625, -0.0625, -0.125],
        [-0.0625, 0.25 - 0.0625, -0.125],
        [-0.125, -0.125, 0.5 - 0.25],
    ]
    got = impl.softmax_jacobian(z)
    assert_close(got, expected, tol=1e-12, what="softmax_jacobian([0, 0, ln 2])")


def test_softmax_jacobian_matches_numerical(impl, rng, num_grad, assert_close):
    z = rng.standard_normal(5)
    expected = _jacobian_by_rows(_softmax, z, num_grad)
    got = impl.softmax_jacobian(z)
    assert_close(got, expected, tol=1e-8, what="softmax_jacobian(z (5,)) vs central differences")


@pytest.mark.parametrize("offset", [1000.0, -1000.0])
def test_softmax_jacobian_is_stable_for_large_logits(impl, rng, num_grad, assert_close, offset):
    # Softmax (and so its Jacobian) is shift-invariant: at z + 1000 the answer
    # is the one at z. A naive exp(z) gives inf / inf = nan at +1000 and
    # 0 / 0 = nan at -1000.
    z = rng.standard_normal(4)
    expected = _jacobian_by_rows(_softmax, z, num_grad)
    got = impl.softmax_jacobian(z + offset)
    assert_close(got, expected, tol=1e-8, what=f"softmax_jacobian(z + {offset:g}), z (4,)")


# --- elementwise_jacobian ---------------------------------------------------


def test_elementwise_jacobian_hand_example(impl, assert_close):
    # exp' = exp: at x = (0, ln 2, ln 3) the diagonal is (1, 2, 3), zeros elsewhere.
    x = np.log([1.0, 2.0, 3.0])
    got = impl.elementwise_jacobian(np.exp, x)
    assert_close(
        got, np.diag([1.0, 2.0, 3.0]), tol=1e-12, what="elementwise_jacobian(exp, ln[1,2,3])"
    )


def test_elementwise_jacobian_matches_numerical(impl, rng, num_grad, assert_close):
    x = rng.standard_normal(5)
    expected = _jacobian_by_rows(np.tanh, x, num_grad)
    got = impl.elementwise_jacobian(lambda t: 1.0 - np.tanh(t) ** 2, x)
    assert_close(got, expected, tol=1e-8, what="elementwise_jacobian(tanh', x (5,))")


# --- linear_jacobian --------------------------------------------------------


def test_linear_jacobian_hand_example(impl, assert_close):
    # y = x @ W, x (2,), W (2, 3): y_i = x_0 W[0, i] + x_1 W[1, i], so
    # d y_i / d x_j = W[j, i] and J (3, 2) is W.T.
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    got = impl.linear_jacobian(W)
    assert_close(
        got,
        [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]],
        tol=1e-12,
        what="linear_jacobian(W (2, 3)) (must be (outputs, inputs) = (3, 2), not W itself)",
    )


def test_linear_jacobian_matches_numerical(impl, rng, num_grad, assert_close):
    W = rng.standard_normal((4, 3))
    x = rng.standard_normal(4)
    expected = _jacobian_by_rows(lambda p: p @ W, x, num_grad)
    got = impl.linear_jacobian(W)
    assert_close(got, expected, tol=1e-8, what="linear_jacobian(W (4, 3)) vs d(x @ W)/dx")


def test_linear_jacobian_returns_a_copy(impl):
    # W.T is a view: writing into the returned Jacobian would change the weights.
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    before = W.copy()
    J = impl.linear_jacobian(W)
    J[...] = 0.0
    assert np.array_equal(W, before), (
        "linear_jacobian(W (2, 3)) returned a view of W: writing zeros into the "
        f"Jacobian changed W to {W.tolist()}; return W.T.copy()"
    )


def test_linear_jacobian_rejects_non_matrix(impl):
    with pytest.raises(ValueError):
        impl.linear_jacobian(np.ones(3))


# --- vjp / jvp --------------------------------------------------------------


def test_vjp_matches_loop_for_nonsquare_jacobian(impl, rng, assert_close):
    # J (3, 5), v (3,): the result lives on the 5 inputs.
    J = rng.standard_normal((3, 5))
    v = rng.standard_normal(3)
    expected = [sum(v[i] * J[i, j] for i in range(3)) for j in range(5)]
    got = impl.vjp(J, v)
    assert_close(got, expected, tol=1e-12, what="vjp(J (3, 5), v (3,)) -> expected shape (5,)")


def test_vjp_is_the_gradient_of_v_dot_f(impl, rng, num_grad, assert_close):
    # Backprop in one line: for y = f(x) and upstream gradient v = dL/dy,
    # dL/dx = v^T J, the gradient of the scalar v . f(x).
    W = rng.standard_normal((5, 3))
    x = rng.standard_normal(5)
    v = rng.standard_normal(3)
    t = np.tanh(x @ W)
    J = (1.0 - t**2)[:, None] * W.T  # d tanh(x @ W) / dx, (3, 5)
    expected = num_grad(lambda p: v @ np.tanh(p @ W), x)
    got = impl.vjp(J, v)
    assert_close(got, expected, tol=1e-8, what="vjp(J of tanh(x @ W), v) vs grad of v . f(x)")


def test_vjp_rejects_vector_of_input_size(impl, rng):
    # A v over the 5 inputs is the wrong vector for a (3, 5) Jacobian. An
    # implementation computing J @ v would accept it.
    J = rng.standard_normal((3, 5))
    with pytest.raises(ValueError):
        impl.vjp(J, rng.standard_normal(5))


def test_jvp_matches_loop_for_nonsquare_jacobian(impl, rng, assert_close):
    J = rng.standard_normal((3, 5))
    v = rng.standard_normal(5)
    expected = [sum(J[i, j] * v[j] for j in range(5)) for i in range(3)]
    got = impl.jvp(J, v)
    assert_close(got, expected, tol=1e-12, what="jvp(J (3, 5), v (5,)) -> expected shape (3,)")


def test_jvp_is_the_directional_derivative_of_f(impl, rng, assert_close):
    # J v = d/dt f(x + t v) at t = 0: one central difference along v.
    W = rng.standard_normal((5, 3))
    x = rng.standard_normal(5)
    v = rng.standard_normal(5)
    t = np.tanh(x @ W)
    J = (1.0 - t**2)[:, None] * W.T

    def f(p):
        return np.tanh(p @ W)

    step = 1e-6
    expected = (f(x + step * v) - f(x - step * v)) / (2 * step)
    got = impl.jvp(J, v)
    assert_close(got, expected, tol=1e-8, what="jvp(J of tanh(x @ W), v) vs d/dt f(x + t v)")


def test_jvp_rejects_vector_of_output_size(impl, rng):
    J = rng.standard_normal((3, 5))
    with pytest.raises(ValueError):
        impl.jvp(J, rng.standard_normal(3))


# --- numerical_hessian ------------------------------------------------------


def test_numerical_hessian_hand_example(impl, assert_close):
    # Rosenbrock f = (1 - x)^2 + 100 (y - x^2)^2:
    # f_xx = 2 - 400 y + 1200 x^2, f_xy = -400 x, f_yy = 200.
    # At (-1.2, 1): f_xx = 2 - 400 + 1728 = 1330, f_xy = 480, f_yy = 200.
    def rosenbrock(p):
        return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2

    got = impl.numerical_hessian(rosenbrock, np.array([-1.2, 1.0]))
    assert_close(
        got,
        [[1330.0, 480.0], [480.0, 200.0]],
        tol=1e-7,
        what="numerical_hessian(rosenbrock, (-1.2, 1))",
    )


def test_numerical_hessian_of_quadratic_is_symmetric_part(impl, rng, assert_close):
    # f = 0.5 x^T A x + b^T x with A NOT symmetric: the Hessian is 0.5 (A + A^T).
    A = rng.standard_normal((4, 4))
    b = rng.standard_normal(4)
    x = rng.standard_normal(4)
    got = impl.numerical_hessian(lambda p: 0.5 * p @ A @ p + b @ p, x)
    assert_close(got, 0.5 * (A + A.T), tol=1e-6, what="numerical_hessian(0.5 x^T A x + b^T x)")


def test_numerical_hessian_of_logsumexp_is_softmax_jacobian(impl, rng, assert_close):
    # The Hessian of log(sum(exp(z))) is diag(s) - s s^T, s = softmax(z): the
    # curvature of the cross-entropy loss in the logits.
    z = rng.standard_normal(4)
    s = _softmax(z)
    got = impl.numerical_hessian(lambda p: np.log(np.sum(np.exp(p))), z)
    assert_close(
        got, np.diag(s) - np.outer(s, s), tol=1e-6, what="numerical_hessian(logsumexp, z (4,))"
    )


def test_numerical_hessian_uses_the_given_step(impl, assert_close):
    # f = x0^3 x1 + x1^3. The diagonal second differences of a cubic are exact
    # for any step: H00 = 6 x0 x1 = -3, H11 = 6 x1 = -6. The four-point mixed
    # difference of x0^3 x1 is 3 x0^2 + h^2 exactly, 0.75 + h^2 at x0 = 0.5.
    # h = 2^-7 is exact in binary; the default 1e-4 would give 0.75 + 1e-8.
    h = 2.0**-7
    got = impl.numerical_hessian(lambda p: p[0] ** 3 * p[1] + p[1] ** 3, np.array([0.5, -1.0]), h)
    off = 0.75 + h**2
    assert_close(
        got,
        [[-3.0, off], [off, -6.0]],
        tol=1e-10,
        what=f"numerical_hessian(x0^3 x1 + x1^3, (0.5, -1), h={h}) (use the h passed in)",
    )


def test_numerical_hessian_is_exactly_symmetric(impl):
    # Near the origin this cubic's values are tiny and differ in sign, so the
    # rounding of an estimate of H[i, j] differs from that of H[j, i]: an
    # unsymmetrised estimate comes back with triangles that disagree.
    def f(p):
        return p[0] ** 2 * p[1] - p[1] * p[2] ** 3 + p[0] * p[2]

    H = np.asarray(impl.numerical_hessian(f, np.array([1.26e-4, -1.32e-4, 6.4e-4])))
    assert H.shape == (3, 3), f"numerical_hessian(f, x (3,)) has shape {H.shape}, expected (3, 3)"
    assert np.array_equal(H, H.T), (
        "numerical_hessian(f, x) is not exactly symmetric: max |H - H.T| = "
        f"{np.max(np.abs(H - H.T)):.3g}\n{H!r}\nmirror one triangle or return 0.5 * (H + H.T)"
    )


def test_numerical_hessian_leaves_x_unmodified(impl):
    # At these values x + h - h != x in floating point (h = 1e-4): an estimate
    # that perturbs the caller's array in place and "undoes" it drifts.
    x = np.array([3e-5, -8.8e-4, 1.3e-4])
    before = x.copy()
    impl.numerical_hessian(lambda p: np.sum(np.sin(p)) * p[0], x)
    assert np.array_equal(x, before), (
        f"numerical_hessian(f, x) modified the caller's x:\n  before: {before!r}\n  after:  {x!r}"
    )


def test_numerical_hessian_accepts_integer_input(impl, assert_close):
    # f = x0^2 x1 + x1^3 at (1, 2): H = [[2 x1, 2 x0], [2 x0, 6 x1]] = [[4, 2], [2, 12]].
    # With an int copy, x + 1e-4 truncates back to x and every difference is 0.
    got = impl.numerical_hessian(lambda p: p[0] ** 2 * p[1] + p[1] ** 3, np.array([1, 2]))
    assert_close(
        got, [[4.0, 2.0], [2.0, 12.0]], tol=1e-6, what="numerical_hessian(x0^2 x1 + x1^3, [1, 2])"
    )


# --- classify_critical_point ------------------------------------------------


def _rotated(eigenvalues, rng):
    """Q diag(eigenvalues) Q^T for a random orthogonal Q: no zero entries to read."""
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


@pytest.mark.parametrize(
    ("eigenvalues", "expected"),
    [
        ([2.0, 3.0], "minimum"),
        ([5.0, 1.0, 0.5], "minimum"),
        ([-2.0, -3.0], "maximum"),
        ([-5.0, -1.0, -0.5], "maximum"),
    ],
)
def test_classify_critical_point_definite(impl, rng, eigenvalues, expected):
    H = _rotated(eigenvalues, rng)
    got = impl.classify_critical_point(H)
    assert got == expected, (
        f"classify_critical_point(H with eigenvalues {eigenvalues}) = {got!r}, "
        f"expected {expected!r}"
    )


@pytest.mark.parametrize(
    "eigenvalues",
    [[1.0, -1.0], [5.0, 1.0, -0.5], [1.0, -1.0, -1.0], [2.0, -3.0, 0.0]],
)
def test_classify_critical_point_indefinite_is_saddle(impl, rng, eigenvalues):
    # Rotated, so the diagonal entries can all be positive while an eigenvalue
    # is negative; [1, -1, -1] has det > 0; [2, -3, 0] has a zero eigenvalue
    # but curvature of both signs, which already makes it a saddle.
    H = _rotated(eigenvalues, rng)
    got = impl.classify_critical_point(H)
    assert got == "saddle", (
        f"classify_critical_point(H with eigenvalues {eigenvalues}, diagonal "
        f"{np.round(np.diag(H), 3).tolist()}) = {got!r}, expected 'saddle'"
    )


def test_classify_critical_point_positive_diagonal_can_be_saddle(impl):
    # [[1, 2], [2, 1]]: eigenvalues 3 and -1; d^T H d = x^2 + 4xy + y^2 is -2 at (1, -1).
    got = impl.classify_critical_point(np.array([[1.0, 2.0], [2.0, 1.0]]))
    assert got == "saddle", (
        f"classify_critical_point([[1, 2], [2, 1]]) = {got!r}, expected 'saddle'"
    )


@pytest.mark.parametrize(
    ("H", "case"),
    [
        (np.diag([2.0, 0.0]), "x^2 + y^4 or x^2 - y^4 at 0"),
        (np.diag([-2.0, 0.0]), "-x^2 + y^3 at 0"),
        (np.zeros((3, 3)), "the monkey saddle x^3 - 3 x y^2 at 0"),
        (np.diag([2.0, 1e-8]), "a finite-difference Hessian of x^2 + y^4 at 0"),
    ],
)
def test_classify_critical_point_semidefinite_is_degenerate(impl, H, case):
    # A zero (or numerically zero) eigenvalue with no curvature of the other
    # sign: higher-order terms decide, the second-order test is inconclusive.
    got = impl.classify_critical_point(H)
    assert got == "degenerate", (
        f"classify_critical_point({H.tolist()}) ({case}) = {got!r}, expected 'degenerate'"
    )


def test_classify_critical_point_tolerance_is_relative(impl):
    # Scaling f by 1e-9 scales the Hessian and cannot change the kind of point.
    H = 1e-9 * np.array([[2.0, 1.0], [1.0, 2.0]])
    got = impl.classify_critical_point(H)
    assert got == "minimum", (
        f"classify_critical_point(1e-9 * [[2, 1], [1, 2]]) = {got!r}, expected 'minimum': "
        "compare eigenvalues with a tolerance relative to the largest |eigenvalue|"
    )


def test_classify_critical_point_eigenvalue_at_the_tolerance_counts_as_zero(impl):
    # |lambda| <= 1e-6 * max |lambda| counts as zero: with eigenvalues 1 and
    # exactly 1e-6 the boundary is met with equality, so the point is degenerate.
    got = impl.classify_critical_point(np.diag([1.0, 1e-6]))
    assert got == "degenerate", (
        f"classify_critical_point(diag(1, 1e-6)) = {got!r}, expected 'degenerate' "
        "(|lambda| <= 1e-6 * max |lambda|, with <=)"
    )


def test_classify_critical_point_ill_conditioned_minimum(impl):
    # Rosenbrock at its minimum (1, 1): eigenvalues about 1001.6 and 0.3994,
    # condition number about 2508. Still a strict minimum: a tolerance much
    # coarser than 1e-6 relative (1e-3, say) would call it "degenerate".
    H = np.array([[802.0, -400.0], [-400.0, 200.0]])
    got = impl.classify_critical_point(H)
    assert got == "minimum", (
        f"classify_critical_point([[802, -400], [-400, 200]]) = {got!r}, expected 'minimum' "
        "(eigenvalues 1001.6 and 0.3994: both positive; the zero tolerance is 1e-6 "
        "times the largest |eigenvalue|)"
    )


def test_classify_critical_point_uses_symmetric_part(impl):
    # d^T H d only sees 0.5 (H + H^T) = [[1, 2], [2, 1]] (eigenvalues 3, -1):
    # a saddle. np.linalg.eigvals(H) says (1, 1), and eigvalsh(H), which reads
    # the lower triangle only, sees the identity: both would say "minimum".
    H = np.array([[1.0, 4.0], [0.0, 1.0]])
    got = impl.classify_critical_point(H)
    assert got == "saddle", (
        f"classify_critical_point([[1, 4], [0, 1]]) = {got!r}, expected 'saddle' "
        "(its symmetric part [[1, 2], [2, 1]] has eigenvalues 3 and -1)"
    )


def test_classify_critical_point_rejects_non_square(impl):
    with pytest.raises(ValueError):
        impl.classify_critical_point(np.ones((2, 3)))


# --- newton_step ------------------------------------------------------------


def test_newton_step_hand_example(impl, assert_close):
    # H = [[2, 1], [1, 3]], g = (1, 2): H d = g gives d = (0.2, 0.6)
    # (check: 2 * 0.2 + 0.6 = 1, 0.2 + 3 * 0.6 = 2), so x - d = (-0.2, -0.6).
    H = np.array([[2.0, 1.0], [1.0, 3.0]])
    got = impl.newton_step(np.array([1.0, 2.0]), H, np.zeros(2))
    assert_close(
        got, [-0.2, -0.6], tol=1e-12, what="newton_step(g=[1, 2], H=[[2, 1], [1, 3]], x=0)"
    )


def test_newton_step_solves_quadratic_in_one_step(impl, rng, assert_close):
    # f = 0.5 x^T A x - b^T x with A non-diagonal SPD and b = A x*: one step
    # from anywhere lands on x*. A diagonal-only shortcut g / diag(A) fails.
    M = rng.standard_normal((4, 4))
    A = M @ M.T + 4.0 * np.eye(4)
    x_star = rng.standard_normal(4)
    b = A @ x_star
    x0 = 10.0 * rng.standard_normal(4)
    got = impl.newton_step(A @ x0 - b, A, x0)
    assert_close(got, x_star, tol=1e-10, what="newton_step(A x0 - b, A (4, 4), x0) vs A^{-1} b")


def test_newton_step_jumps_to_a_saddle(impl, assert_close):
    # f = x^2 + x y - y^2 + 3 x: H = [[2, 1], [1, -2]] is indefinite and the
    # only critical point (H (x, y) = (-3, 0): (-1.2, -0.6)) is a saddle.
    # Newton goes there in one step: it seeks zero gradient, not low loss.
    H = np.array([[2.0, 1.0], [1.0, -2.0]])
    x0 = np.array([3.0, 4.0])
    grad = H @ x0 + np.array([3.0, 0.0])
    got = impl.newton_step(grad, H, x0)
    assert_close(
        got, [-1.2, -0.6], tol=1e-12, what="newton_step on x^2 + xy - y^2 + 3x from (3, 4)"
    )


def test_newton_step_lets_a_singular_hessian_raise(impl):
    # H = diag(1, 0): the Newton step does not exist. np.linalg.solve raises
    # LinAlgError; lstsq or a pseudo-inverse would return a finite step silently.
    with pytest.raises(np.linalg.LinAlgError):
        impl.newton_step(np.array([1.0, 1.0]), np.diag([1.0, 0.0]), np.zeros(2))


def test_newton_step_does_not_modify_x(impl):
    x = np.array([1.0, -1.0])
    impl.newton_step(np.array([1.0, 1.0]), np.eye(2), x)
    assert np.array_equal(x, [1.0, -1.0]), f"newton_step modified the caller's x to {x!r}"


# --- softmax_vjp ------------------------------------------------------------


def test_softmax_vjp_matches_numerical_vjp(impl, rng, num_vjp, assert_close):
    # A random dout: with dout = ones the true answer is 0 and many wrong
    # formulas also return 0. N = 4 != C = 5 catches a sum over the batch axis.
    z = rng.standard_normal((4, 5))
    dout = rng.standard_normal((4, 5))
    expected = num_vjp(_softmax, z, dout)
    got = impl.softmax_vjp(z, dout)
    assert_close(got, expected, tol=1e-8, what="softmax_vjp(z (4, 5), random dout (4, 5))")


@pytest.mark.parametrize("offset", [1000.0, -1000.0])
def test_softmax_vjp_is_stable_for_large_logits(impl, rng, num_vjp, assert_close, offset):
    z = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    expected = num_vjp(_softmax, z, dout)
    got = impl.softmax_vjp(z + offset, dout)
    assert_close(got, expected, tol=1e-7, what=f"softmax_vjp(z + {offset:g}, dout), z (3, 4)")


def test_softmax_vjp_of_cross_entropy_is_p_minus_y(impl, rng, assert_close):
    # L = -sum y log s has dL/ds = -y / s; through the softmax Jacobian that
    # becomes s - y, the famous logits gradient.
    z = rng.standard_normal((3, 4))
    y = np.eye(4)[[2, 0, 3]]
    p = _softmax(z)
    got = impl.softmax_vjp(z, -y / p)
    assert_close(got, p - y, tol=1e-10, what="softmax_vjp(z, -y / softmax(z)) vs softmax(z) - y")


def test_softmax_vjp_rejects_mismatched_shapes(impl, rng):
    # (1, 5) would broadcast against (4, 5) silently; a gradient must match.
    with pytest.raises(ValueError):
        impl.softmax_vjp(rng.standard_normal((4, 5)), rng.standard_normal((1, 5)))


# --- max_stable_learning_rate -----------------------------------------------


def test_max_stable_learning_rate_hand_example(impl, rng, assert_close):
    # Eigenvalues 10, 2, 0.5 (rotated): the limit is 2 / 10 = 0.2.
    got = impl.max_stable_learning_rate(_rotated([10.0, 2.0, 0.5], rng))
    assert_close(got, 0.2, tol=1e-10, what="max_stable_learning_rate(H, eigenvalues 10, 2, 0.5)")


def _gd_error_after(H, lr, n_steps=400):
    """|x_k - x*| after n_steps of gradient descent on 0.5 x^T H x (x* = 0)."""
    x = np.ones(H.shape[0])
    for _ in range(n_steps):
        x = x - lr * (H @ x)
    return float(np.linalg.norm(x))


def test_max_stable_learning_rate_separates_convergence_from_divergence(impl, rng):
    H = _rotated([4.0, 1.0, 0.25], rng)
    lr_max = float(impl.max_stable_learning_rate(H))
    below, above = _gd_error_after(H, 0.97 * lr_max), _gd_error_after(H, 1.03 * lr_max)
    assert below < 1e-3, (
        f"max_stable_learning_rate(H, eigenvalues 4, 1, 0.25) = {lr_max}, but gradient "
        f"descent at 0.97 x that rate ends at |x - x*| = {below:.3g} after 400 steps: it "
        "should converge below the limit (which is 2 / lambda_max = 2 / 4 = 0.5)"
    )
    assert above > 1e3, (
        f"max_stable_learning_rate(H, eigenvalues 4, 1, 0.25) = {lr_max}, but gradient "
        f"descent at 1.03 x that rate ends at |x - x*| = {above:.3g} after 400 steps: it "
        "should diverge above the limit (which is 2 / lambda_max = 2 / 4 = 0.5)"
    )


def test_max_stable_learning_rate_rejects_no_positive_curvature(impl):
    with pytest.raises(ValueError):
        impl.max_stable_learning_rate(np.diag([-1.0, -2.0]))


def test_max_stable_learning_rate_rejects_a_zero_largest_eigenvalue(impl):
    # lambda_max = 0 exactly (flat along e_0): the limit 2 / 0 does not exist;
    # the docstring says lambda_max <= 0 raises, so `< 0` is the boundary bug.
    with pytest.raises(ValueError):
        impl.max_stable_learning_rate(np.diag([0.0, -1.0]))


# --- edges of the first exercises: one-element shapes, ranks, scales ----------


def test_numerical_jacobian_of_a_one_input_scalar_function_is_1_by_1(impl, assert_close):
    got = impl.numerical_jacobian(lambda p: np.sin(p[0]), np.array([0.3]))
    assert_close(got, [[np.cos(0.3)]], tol=1e-9, what="numerical_jacobian(sin(x0), [0.3])")


def test_softmax_jacobian_of_one_logit_is_zero(impl, assert_close):
    # softmax of one logit is the constant 1: its Jacobian is [[0]].
    got = impl.softmax_jacobian(np.array([3.7]))
    assert_close(got, [[0.0]], tol=0, what="softmax_jacobian([3.7])")


def test_softmax_jacobian_keeps_relative_precision_of_a_tiny_probability(impl, assert_close):
    # z = (0, -40): s_1 = e^-40 / (1 + e^-40) ~ 4.2e-18 and J[1, 1] = s_1 (1 - s_1).
    # A softmax computed as 1 - (other probabilities) returns s_1 = 0.
    got = impl.softmax_jacobian(np.array([0.0, -40.0]))
    s1 = np.exp(-40.0) / (1.0 + np.exp(-40.0))
    assert_close(
        got[1, 1], s1 * (1 - s1), tol=1e-12, what="softmax_jacobian([0, -40])[1, 1]", floor=0.0
    )
    assert_close(
        got[0, 1], -s1 * (1 - s1), tol=1e-12, what="softmax_jacobian([0, -40])[0, 1]", floor=0.0
    )


def test_elementwise_jacobian_of_one_element_is_1_by_1(impl, assert_close):
    got = impl.elementwise_jacobian(np.cos, np.array([0.5]))
    assert_close(got, [[np.cos(0.5)]], tol=0, what="elementwise_jacobian(cos, [0.5])")


@pytest.mark.parametrize("shape", [(3, 1), (1, 4)])
def test_linear_jacobian_of_a_single_row_or_column(impl, rng, assert_close, shape):
    W = rng.standard_normal(shape)
    got = impl.linear_jacobian(W)
    assert_close(got, W.T, tol=0, what=f"linear_jacobian(W {shape})")


def test_vjp_and_jvp_with_a_single_output_row(impl, rng, assert_close):
    # m = 1: J (1, n) is a gradient row. vjp with v (1,) scales it; jvp is a dot product.
    J = rng.standard_normal((1, 4))
    u = rng.standard_normal(4)
    assert_close(impl.vjp(J, np.array([2.0])), 2.0 * J[0], tol=1e-12, what="vjp(J (1, 4), [2])")
    assert_close(impl.jvp(J, u), [J[0] @ u], tol=1e-12, what="jvp(J (1, 4), u (4,))")


def test_numerical_hessian_of_a_one_dimensional_function(impl, assert_close):
    # f = x^4 at 1: f'' = 12; the central second difference is 12 + 2 h^2 exactly.
    h = 1e-2
    got = impl.numerical_hessian(lambda p: p[0] ** 4, np.array([1.0]), h=h)
    assert_close(got, [[12.0 + 2 * h**2]], tol=1e-9, what=f"numerical_hessian(x^4, [1], h={h})")


@pytest.mark.parametrize(
    ("value", "expected"), [(2.0, "minimum"), (-0.5, "maximum"), (0.0, "degenerate")]
)
def test_classify_critical_point_of_a_1_by_1_hessian(impl, value, expected):
    got = impl.classify_critical_point(np.array([[value]]))
    assert got == expected, f"classify_critical_point([[{value}]]) = {got!r}, expected {expected!r}"


def test_classify_critical_point_scale_free_over_wide_magnitudes(impl):
    # The smaller curvature is 1e-16 of the larger, below the relative
    # threshold 1e-6: "degenerate", whatever the overall scale. An absolute
    # threshold calls H a minimum and 1e-20 * H degenerate.
    H = np.diag([1e-8, 1e8])
    a, b = impl.classify_critical_point(H), impl.classify_critical_point(1e-20 * H)
    assert a == b == "degenerate", (
        f"classify_critical_point(diag(1e-8, 1e8)) = {a!r} and of 1e-20 times it = {b!r}; "
        "expected 'degenerate' for both (1e-8 <= 1e-6 * 1e8)"
    )


def test_newton_step_uses_the_hessian_as_given(impl, assert_close):
    # A non-symmetric matrix (e.g. a finite-difference Hessian before
    # symmetrising) is solved as given: H d = g with H = [[2, 1], [0, 4]],
    # g = (4, 8): d = (1, 2), x - d = (-1, -2) from x = 0.
    H = np.array([[2.0, 1.0], [0.0, 4.0]])
    got = impl.newton_step(np.array([4.0, 8.0]), H, np.zeros(2))
    assert_close(got, [-1.0, -2.0], tol=1e-12, what="newton_step(g=[4, 8], H=[[2, 1], [0, 4]], 0)")


def test_newton_step_in_one_dimension(impl, assert_close):
    # x - g / f'' = 3 - 6 / 2 = 0.
    got = impl.newton_step(np.array([6.0]), np.array([[2.0]]), np.array([3.0]))
    assert_close(got, [0.0], tol=0, what="newton_step([6], [[2]], [3])")


@pytest.mark.parametrize("shape", [(5,), (1, 5), (2, 3, 4)], ids=["1-D", "batch of one", "3-D"])
def test_softmax_vjp_handles_every_leading_shape(impl, rng, assert_close, shape):
    # Reference: build each row's Jacobian diag(s) - s s^T explicitly, in a loop.
    z = rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    z2, d2 = z.reshape(-1, shape[-1]), dout.reshape(-1, shape[-1])
    rows = []
    for zr, dr in zip(z2, d2, strict=True):
        s = np.exp(zr - zr.max()) / np.exp(zr - zr.max()).sum()
        rows.append((np.diag(s) - np.outer(s, s)).T @ dr)
    expected = np.array(rows).reshape(shape)
    assert_close(impl.softmax_vjp(z, dout), expected, tol=1e-12, what=f"softmax_vjp(z {shape})")


def test_max_stable_learning_rate_over_widely_spread_curvatures(impl, assert_close):
    got = impl.max_stable_learning_rate(np.diag([1e-8, 3.0, 1e8]))
    assert_close(got, 2e-8, tol=1e-12, what="max_stable_learning_rate(diag(1e-8, 3, 1e8))")


def test_max_stable_learning_rate_uses_the_symmetric_part(impl, assert_close):
    # [[1, 4], [0, 1]] has eigenvalues 1, 1 but its symmetric part
    # [[1, 2], [2, 1]] has 3 and -1: the quadratic form sees 3, so the limit is 2/3.
    got = impl.max_stable_learning_rate(np.array([[1.0, 4.0], [0.0, 1.0]]))
    assert_close(got, 2.0 / 3.0, tol=1e-12, what="max_stable_learning_rate([[1, 4], [0, 1]])")


# --- hessian_vector_product ------------------------------------------------------


def _cos_sum(A):
    """f(x) = sum(cos(A x)): gradient and exact Hessian-vector product."""

    def f(x):
        return float(np.sum(np.cos(A @ x)))

    def grad(x):
        return -A.T @ np.sin(A @ x)

    def hvp(x, v):
        return -A.T @ (np.cos(A @ x) * (A @ v))

    return f, grad, hvp


def test_hessian_vector_product_matches_the_exact_product(impl, rng, assert_close):
    A = rng.standard_normal((6, 4))
    _, grad, hvp = _cos_sum(A)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    got = impl.hessian_vector_product(grad, x, v)
    assert_close(got, hvp(x, v), tol=1e-8, what="hessian_vector_product(grad sum(cos(A x)), x, v)")


def test_hessian_vector_product_is_exact_on_a_quadratic(impl, rng, assert_close):
    # f = 0.5 x^T H x - b^T x: the gradient is linear, so the difference is exact.
    M = rng.standard_normal((5, 5))
    H = M @ M.T
    b = rng.standard_normal(5)
    x, v = rng.standard_normal(5), rng.standard_normal(5)
    got = impl.hessian_vector_product(lambda p: H @ p - b, x, v)
    assert_close(got, H @ v, tol=1e-9, what="hessian_vector_product on a quadratic, H (5, 5)")


@pytest.mark.parametrize("scale", [1e-9, 1e6], ids=["|v| = 1e-9", "|v| = 1e6"])
def test_hessian_vector_product_steps_along_the_unit_vector(impl, rng, assert_close, scale):
    # Stepping x + h v with |v| = 1e6 moves 10 units (the central difference
    # then sees the whole cosine, not its curvature); |v| = 1e-9 steps 1e-14
    # and drowns in rounding. Stepping along v / |v| keeps both accurate.
    A = rng.standard_normal((6, 4))
    _, grad, hvp = _cos_sum(A)
    x = rng.standard_normal(4)
    v = scale * rng.standard_normal(4)
    got = impl.hessian_vector_product(grad, x, v)
    assert_close(got, hvp(x, v), tol=1e-7, what=f"hessian_vector_product(grad, x, v), |v|~{scale}")


def test_hessian_vector_product_uses_the_given_step(impl, assert_close):
    # f = sum(x^4) / 4, gradient x^3: the central difference along the unit
    # vector u = e_0 is ((x0 + h)^3 - (x0 - h)^3) / (2h) = 3 x0^2 + h^2 exactly.
    h = 1e-2
    got = impl.hessian_vector_product(lambda p: p**3, np.array([1.0, 2.0]), np.array([1.0, 0.0]), h)
    assert_close(got, [3.0 + h**2, 0.0], tol=1e-10, what=f"hessian_vector_product(x^3, h={h})")


def test_hessian_vector_product_of_the_zero_vector_is_zero(impl, call_quietly):
    got = call_quietly(
        impl.hessian_vector_product,
        lambda p: p**3,
        np.array([1.0, 2.0]),
        np.zeros(2),
        what="hessian_vector_product(grad, x, v=0)",
    )
    assert np.array_equal(got, [0.0, 0.0]), (
        f"hessian_vector_product(..., v=0) = {got!r}, expected 0"
    )


def test_hessian_vector_product_is_linear_in_v(impl, rng, assert_close):
    A = rng.standard_normal((6, 4))
    _, grad, _ = _cos_sum(A)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    one = impl.hessian_vector_product(grad, x, v)
    three = impl.hessian_vector_product(grad, x, -3.0 * v)
    assert_close(three, -3.0 * one, tol=1e-9, what="hessian_vector_product(grad, x, -3 v) / -3")


# --- top_hessian_eigenvalue -------------------------------------------------------


def test_top_hessian_eigenvalue_matches_eigvalsh_for_logistic_regression(impl, rng, assert_close):
    # The exact HVP of mean logistic loss: H v = X^T (s (1 - s) * (X v)) / N,
    # never forming H; the answer is checked against the explicit H.
    N, D = 40, 5
    X = rng.standard_normal((N, D)) * np.array([3.0, 1.0, 1.0, 0.5, 0.2])
    p = 1.0 / (1.0 + np.exp(-(X @ rng.standard_normal(D))))
    S = p * (1 - p)
    H = X.T @ (S[:, None] * X) / N
    lam, vec = impl.top_hessian_eigenvalue(lambda v: X.T @ (S * (X @ v)) / N, np.ones(D), 200)
    evals, evecs = np.linalg.eigh(H)
    assert_close(lam, evals[-1], tol=1e-10, what="top_hessian_eigenvalue(logistic HVP) eigenvalue")
    assert_close(abs(vec @ evecs[:, -1]), 1.0, tol=1e-8, what="|v . top eigenvector of H|")
    assert_close(np.linalg.norm(vec), 1.0, tol=1e-12, what="||v|| returned")


def test_top_hessian_eigenvalue_runs_exactly_n_iters_steps(impl, assert_close):
    # H = diag(3, 1), v0 = (1, 1): after k steps v ~ (3^k, 1) and the Rayleigh
    # quotient is (3 * 9^k + 1) / (9^k + 1): 244 / 82 for k = 2, 2 for k = 0.
    H = np.diag([3.0, 1.0])
    lam2, _ = impl.top_hessian_eigenvalue(lambda v: H @ v, np.array([1.0, 1.0]), 2)
    assert_close(
        lam2, 244.0 / 82.0, tol=1e-12, what="top_hessian_eigenvalue(diag(3, 1), n_iters=2)"
    )
    lam0, v0 = impl.top_hessian_eigenvalue(lambda v: H @ v, np.array([1.0, 1.0]), 0)
    assert_close(lam0, 2.0, tol=1e-12, what="top_hessian_eigenvalue(diag(3, 1), n_iters=0)")
    assert_close(v0, [2**-0.5, 2**-0.5], tol=1e-12, what="v for n_iters=0 (v0 normalised)")


def test_top_hessian_eigenvalue_calls_hvp_n_iters_plus_one_times(impl):
    calls = []
    H = np.diag([3.0, 1.0])

    def hvp(v):
        calls.append(1)
        return H @ v

    impl.top_hessian_eigenvalue(hvp, np.array([1.0, 1.0]), 7)
    assert len(calls) == 8, f"top_hessian_eigenvalue(hvp, v0, n_iters=7) called hvp {len(calls)}x"


def test_top_hessian_eigenvalue_defaults_to_100_iterations(impl):
    calls = []

    def hvp(v):
        calls.append(1)
        return np.diag([3.0, 1.0]) @ v

    impl.top_hessian_eigenvalue(hvp, np.array([1.0, 1.0]))
    assert len(calls) == 101, (
        f"top_hessian_eigenvalue(hvp, v0) with the default n_iters called hvp {len(calls)}x, "
        "expected 101 (n_iters = 100 steps + 1 for the Rayleigh quotient)"
    )


def test_top_hessian_eigenvalue_keeps_the_sign_of_a_negative_dominant_eigenvalue(
    impl, rng, assert_close
):
    # At a saddle: eigenvalues -5, 2, 1. Power iteration finds |lambda| = 5, and
    # the Rayleigh quotient says -5; the norm ||H v|| would say +5.
    H = _rotated([-5.0, 2.0, 1.0], rng)
    lam, _ = impl.top_hessian_eigenvalue(lambda v: H @ v, rng.standard_normal(3), 100)
    assert_close(lam, -5.0, tol=1e-10, what="top_hessian_eigenvalue(H with eigenvalues -5, 2, 1)")


@pytest.mark.parametrize("scale", [1e3, 1e-3])
def test_top_hessian_eigenvalue_normalises_every_step(impl, rng, assert_close, call_quietly, scale):
    # 300 unnormalised steps multiply the norm by 1e900 or 1e-900: inf or 0.
    H = _rotated([2.0 * scale, scale, 0.5 * scale], rng)
    lam, _ = call_quietly(
        impl.top_hessian_eigenvalue,
        lambda v: H @ v,
        np.ones(3),
        300,
        what=f"top_hessian_eigenvalue(H ~ {scale}, n_iters=300)",
    )
    assert_close(
        lam, 2.0 * scale, tol=1e-10, what=f"top eigenvalue of H with lambda_max {2 * scale}"
    )


def test_top_hessian_eigenvalue_of_a_zero_hessian_is_zero(impl, call_quietly):
    lam, v = call_quietly(
        impl.top_hessian_eigenvalue,
        lambda v: np.zeros_like(v),
        np.array([3.0, 4.0]),
        10,
        what="top_hessian_eigenvalue(H = 0)",
    )
    assert lam == 0.0, f"top_hessian_eigenvalue(H = 0) returned eigenvalue {lam!r}, expected 0.0"
    assert np.allclose(v, [0.6, 0.8]), f"v = {v!r}, expected v0 normalised, [0.6, 0.8]"


def test_top_hessian_eigenvalue_returns_a_float(impl):
    lam, _ = impl.top_hessian_eigenvalue(lambda v: 2.0 * v, np.array([1.0]), 3)
    assert isinstance(lam, float), f"eigenvalue is {type(lam).__name__}, expected float"
    assert lam == 2.0, f"top_hessian_eigenvalue(2 I (1, 1)) = {lam!r}, expected 2.0"


def test_top_hessian_eigenvalue_rejects_a_zero_start(impl):
    with pytest.raises(ValueError):
        impl.top_hessian_eigenvalue(lambda v: v, np.zeros(3), 5)


def test_top_hessian_eigenvalue_with_finite_difference_hvps(impl, rng, assert_close):
    # The two exercises together, on f = sum(cos(A x)) + 2 ||x||^2 (positive
    # dominant curvature): the expected value comes from the explicit Hessian.
    A = rng.standard_normal((6, 4))
    x = rng.standard_normal(4)
    H = -A.T @ (np.cos(A @ x)[:, None] * A) + 4.0 * np.eye(4)
    evals = np.linalg.eigvalsh(H)
    dominant = evals[np.argmax(np.abs(evals))]

    def grad(p):
        return -A.T @ np.sin(A @ p) + 4.0 * p

    lam, _ = impl.top_hessian_eigenvalue(
        lambda v: impl.hessian_vector_product(grad, x, v), np.ones(4), 500
    )
    assert_close(lam, dominant, tol=1e-7, what="top_hessian_eigenvalue(FD HVPs) vs eigvalsh(H)")


# --- every exercise leaves the caller's arrays untouched ---------------------
# An in-place shift (z -= z.max()), a perturbation that is not undone, or a
# matrix modified by a solver corrupts the caller's data while the returned
# value is right.


def test_numerical_jacobian_leaves_x_untouched(impl, rng, call_untouched):
    W = rng.standard_normal((3, 2))
    call_untouched(
        impl.numerical_jacobian,
        lambda p: np.tanh(p @ W),
        rng.standard_normal(3),
        what="numerical_jacobian(f, x)",
    )


def test_softmax_jacobian_leaves_z_untouched(impl, rng, call_untouched):
    call_untouched(impl.softmax_jacobian, 50 * rng.standard_normal(5), what="softmax_jacobian(z)")


def test_elementwise_jacobian_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(
        impl.elementwise_jacobian,
        lambda v: 1 - np.tanh(v) ** 2,
        rng.standard_normal(4),
        what="elementwise_jacobian(fprime, x)",
    )


def test_linear_jacobian_leaves_W_untouched(impl, rng, call_untouched):
    call_untouched(impl.linear_jacobian, rng.standard_normal((4, 3)), what="linear_jacobian(W)")


def test_vjp_leaves_inputs_untouched(impl, rng, call_untouched):
    J, v = rng.standard_normal((3, 4)), rng.standard_normal(3)
    call_untouched(impl.vjp, J, v, what="vjp(jacobian, v)")


def test_jvp_leaves_inputs_untouched(impl, rng, call_untouched):
    J, v = rng.standard_normal((3, 4)), rng.standard_normal(4)
    call_untouched(impl.jvp, J, v, what="jvp(jacobian, v)")


def test_numerical_hessian_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(
        impl.numerical_hessian,
        lambda p: np.sum(np.sin(p) * p**2),
        rng.standard_normal(3),
        what="numerical_hessian(f, x)",
    )


def test_classify_critical_point_leaves_hessian_untouched(impl, call_untouched):
    H = np.array([[2.0, 1.0], [1.0, -3.0]])
    call_untouched(impl.classify_critical_point, H, what="classify_critical_point(hessian)")


def test_newton_step_leaves_inputs_untouched(impl, rng, call_untouched):
    M = rng.standard_normal((3, 3))
    H, g, x = M @ M.T + 3 * np.eye(3), rng.standard_normal(3), rng.standard_normal(3)
    call_untouched(impl.newton_step, g, H, x, what="newton_step(grad, hessian, x)")


def test_softmax_vjp_leaves_inputs_untouched(impl, rng, call_untouched):
    z, dout = 50 * rng.standard_normal(5), rng.standard_normal(5)
    call_untouched(impl.softmax_vjp, z, dout, what="softmax_vjp(z, dout)")


def test_max_stable_learning_rate_leaves_hessian_untouched(impl, call_untouched):
    H = np.array([[4.0, 1.0], [1.0, 2.0]])
    call_untouched(impl.max_stable_learning_rate, H, what="max_stable_learning_rate(hessian)")


def test_hessian_vector_product_leaves_inputs_untouched(impl, rng, call_untouched):
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    call_untouched(
        impl.hessian_vector_product, lambda p: p**3, x, v, what="hessian_vector_product(grad, x, v)"
    )


def test_top_hessian_eigenvalue_leaves_v0_untouched(impl, rng, call_untouched):
    H = _rotated([3.0, 1.0, 0.5], rng)
    call_untouched(
        impl.top_hessian_eigenvalue,
        lambda v: H @ v,
        rng.standard_normal(3),
        20,
        what="top_hessian_eigenvalue(hvp, v0, 20)",
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
