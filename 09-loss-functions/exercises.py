"""Topic 09: loss functions.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file (they are PyTorch's):

* every loss is a MEAN (reduction="mean") and is returned as a Python float;
* every ``*_grad`` is the gradient of that mean loss, so it carries the 1/n;
* two arrays that are compared element by element must have the same shape:
  raise ``ValueError`` naming both shapes rather than broadcasting (a pred of
  shape (N, 1) against a target of shape (N,) silently broadcasts to (N, N));
* nothing may overflow, return nan or warn for inputs of magnitude 1000: the
  tests run with RuntimeWarning turned into an error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def mse(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error over ALL elements (torch.nn.functional.mse_loss).

        mse = (1 / n) sum_i (pred_i - target_i)^2,   n = pred.size

    Args:
        pred: (any shape) predictions.
        target: same shape as pred.

    Returns:
        float.

    Raises:
        ValueError: naming both shapes, if pred.shape != target.shape.

    Hint: np.mean over everything, not np.sum, and no factor 1/2 (PyTorch has
    none). Convert with np.asarray(..., dtype=np.float64) first.
    """
    raise NotImplementedError


def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gradient of mse(pred, target) with respect to pred.

        d mse / d pred_i = 2 (pred_i - target_i) / n,   n = pred.size

    Args:
        pred: (any shape).
        target: same shape as pred.

    Returns:
        ndarray, same shape as pred.

    Raises:
        ValueError: naming both shapes, if they differ.

    Hint: the 1/n of the mean does not disappear when you differentiate.
    """
    raise NotImplementedError


def mae(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error over all elements (torch.nn.functional.l1_loss).

        mae = (1 / n) sum_i |pred_i - target_i|

    Args:
        pred: (any shape).
        target: same shape as pred.

    Returns:
        float.

    Raises:
        ValueError: naming both shapes, if they differ.
    """
    raise NotImplementedError


def mae_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gradient (PyTorch's subgradient) of mae with respect to pred.

        d mae / d pred_i = sign(pred_i - target_i) / n,   0 where pred_i == target_i

    Args:
        pred: (any shape).
        target: same shape as pred.

    Returns:
        ndarray, same shape as pred.

    Raises:
        ValueError: naming both shapes, if they differ.

    Hint: np.sign already returns 0 at 0, which is what PyTorch uses at the kink.
    """
    raise NotImplementedError


def huber(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> float:
    """Huber loss, mean over all elements (torch.nn.functional.huber_loss).

    With r = pred - target, element by element:

        0.5 r^2                    if |r| <= delta
        delta (|r| - 0.5 delta)    otherwise

    Quadratic (like MSE / 2) near zero, linear (like delta * MAE) in the
    tails; both pieces have value delta^2 / 2 and slope delta at |r| = delta.

    Args:
        pred: (any shape).
        target: same shape as pred.
        delta: > 0, where the quadratic part ends.

    Returns:
        float.

    Raises:
        ValueError: if the shapes differ (naming both) or delta <= 0.

    Hint: np.where(np.abs(r) <= delta, quadratic, linear), then np.mean.
    """
    raise NotImplementedError


def huber_grad(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """Gradient of huber(pred, target, delta) with respect to pred.

        r / n                  if |r| <= delta
        delta sign(r) / n      otherwise

    Args:
        pred: (any shape).
        target: same shape as pred.
        delta: > 0.

    Returns:
        ndarray, same shape as pred.

    Raises:
        ValueError: if the shapes differ (naming both) or delta <= 0.

    Hint: both cases together are np.clip(r, -delta, delta). Do not forget 1/n.
    """
    raise NotImplementedError


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities p (torch.nn.functional.binary_cross_entropy).

        bce = -(1 / n) sum_i [ y_i log(p_i) + (1 - y_i) log(1 - p_i) ]

    with PyTorch's guard: each log is clamped from below at -100, i.e.
    log(p) is replaced by max(log(p), -100) (and the same for log(1 - p)).
    So p = 0 or p = 1 give finite values: a correct certain prediction costs
    0 (0 * -100 = 0) and a wrong certain one costs exactly 100.

    Args:
        p: (any shape) probabilities in [0, 1] (NOT logits).
        y: same shape, targets in [0, 1] (hard 0/1 or soft labels).

    Returns:
        float.

    Raises:
        ValueError: if the shapes differ (naming both), or if p has an entry
            outside [0, 1] (a sign that logits were passed: use bce_with_logits).

    Hint: np.log(0) warns (divide by zero). Compute the logs inside
    ``with np.errstate(divide="ignore"):`` and apply np.maximum(..., -100.0).
    Take log(1 - p) as np.log1p(-p), as PyTorch does: for p = 1e-12 the
    difference 1.0 - p has already rounded: np.log(1.0 - p) is 2e-5 off (relative).
    Clipping p to [1e-7, 1 - 1e-7] instead is a common variant, but it is not
    PyTorch's value (a wrong certain prediction would cost 16.1, not 100).
    """
    raise NotImplementedError


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy from logits z, stable for any finite z.

    Equals binary_cross_entropy(sigmoid(z), y) mathematically, and
    torch.nn.functional.binary_cross_entropy_with_logits(z, y) numerically:

        loss_i = max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|))

    Args:
        z: (any shape) logits, any real values (e.g. +-1000).
        y: same shape, targets in [0, 1].

    Returns:
        float; exact at |z| = 1000 (e.g. z = 1000, y = 0 costs exactly 1000).

    Raises:
        ValueError: naming both shapes, if they differ.

    Hint: derive the formula in topic.md. np.log(sigmoid(z)) is -inf at
    z = -1000, and np.log(1 + np.exp(z)) overflows at z = 1000. Use np.log1p.
    """
    raise NotImplementedError


def bce_with_logits_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of bce_with_logits(z, y) with respect to z.

        d loss / d z_i = (sigmoid(z_i) - y_i) / n

    Args:
        z: (any shape) logits.
        y: same shape, targets.

    Returns:
        ndarray, same shape as z; finite and exact for |z| = 1000.

    Raises:
        ValueError: naming both shapes, if they differ.

    Hint: a stable sigmoid (topic 08): exp only of -|z|.
    """
    raise NotImplementedError


def cross_entropy(
    logits: np.ndarray, y: np.ndarray, label_smoothing: float = 0.0
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy with class-index targets and its gradient.

    Matches torch.nn.functional.cross_entropy(logits, y, label_smoothing=eps),
    reduction="mean". With log_softmax over the classes and the smoothed target

        q_ic = (1 - eps) [c == y_i] + eps / C      (uniform over ALL C classes)

    the loss and its gradient are

        loss = -(1 / N) sum_i sum_c q_ic log_softmax(logits_i)_c
        dlogits = (softmax(logits) - q) / N

    Args:
        logits: (N, C) unnormalised scores (any real values, e.g. +-1000).
        y: (N,) integer class indices in [0, C).
        label_smoothing: eps in [0, 1]; 0 gives the usual one-hot target.

    Returns:
        (loss, dlogits): loss a float, dlogits (N, C).

    Raises:
        ValueError: if logits is not 2-D or y's shape is not (N,) (naming both
            shapes), or if label_smoothing is outside [0, 1].

    Hint: log_softmax = shifted - log(sum(exp(shifted))) with
    shifted = logits - max over the row (a new array: do not modify logits).
    Do not take np.log of a computed softmax: e^-2000 underflows to 0 and
    0 * log(0) turns the smoothed loss into nan. Smoothing spreads eps over
    C classes, not C - 1.
    """
    raise NotImplementedError


def hinge_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Multiclass SVM (hinge) loss with margin 1, mean over the batch, and its gradient.

    The CS231n (Weston-Watkins) definition:

        loss = (1 / N) sum_i sum_{j != y_i} max(0, scores_ij - scores_i,y_i + 1)

    The correct class is excluded from the inner sum (it would add 1 per
    row). torch.nn.functional.multi_margin_loss divides each row's sum by C
    as well, so this loss equals C times multi_margin_loss(scores, y).
    At a margin of exactly 0 the gradient is 0 (PyTorch's convention).

    Args:
        scores: (N, C) class scores.
        y: (N,) integer class indices.

    Returns:
        (loss, dscores): loss a float, dscores (N, C). For each violated
        margin (i, j): +1/N at (i, j) and -1/N at (i, y_i).

    Raises:
        ValueError: if scores is not 2-D or y's shape is not (N,), naming both.

    Hint: margins = np.maximum(0, scores - scores[rows, y][:, None] + 1), then
    set margins[rows, y] = 0. The true class's gradient is minus the number of
    violated margins in its row.
    """
    raise NotImplementedError


def kl_div(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) over the last axis, averaged over all leading axes.

        KL(p || q) = sum_c p_c log(p_c / q_c),   with 0 log(0 / q) = 0

    For 1-D inputs this is the plain sum; for (N, C) inputs it is the mean
    over the N rows, which is torch.nn.functional.kl_div(np.log(q), p,
    reduction="batchmean") (note PyTorch's argument order: log q first, p
    second). For (A, B, C) inputs the mean is over all A * B distributions
    (PyTorch's "batchmean" would divide by A only).

    Args:
        p: (..., C) the reference distribution (e.g. the data or the teacher);
            each slice along the last axis sums to 1.
        q: same shape, the approximating distribution (e.g. the model).

    Returns:
        float, >= 0; +inf if q_c = 0 somewhere p_c > 0 (with no warning).
        A class with p_c = q_c = 0 contributes 0 (the convention 0 log(0/0)
        = 0; torch's kl_div(log q, p) returns nan there, from 0 * log(0)).

    Raises:
        ValueError: naming both shapes, if they differ.

    Hint: np.where evaluates both branches, so np.where(p > 0, p * np.log(p / q), 0)
    still warns on log(0). Replace p (and q) by 1 where p == 0 before the logs,
    and take log(q) inside ``with np.errstate(divide="ignore"):`` so that a
    q = 0 where p > 0 gives -inf (and KL = +inf) without a warning.
    """
    raise NotImplementedError


def focal_loss(
    logits: np.ndarray, y: np.ndarray, gamma: float = 2.0, alpha: float | None = None
) -> float:
    """Binary focal loss from logits, mean over elements (Lin et al. 2017).

    torchvision.ops.sigmoid_focal_loss(logits, y, alpha, gamma, reduction="mean"),
    element by element with p = sigmoid(z):

        ce   = bce_with_logits terms (per element, not averaged)
        p_t  = p y + (1 - p)(1 - y)              probability of the true label
        loss = (1 - p_t)^gamma * ce
        loss = alpha_t * loss,  alpha_t = alpha y + (1 - alpha)(1 - y)   if alpha is not None

    gamma = 0 with alpha = None is exactly bce_with_logits. (torchvision's
    default alpha is 0.25; here the default None means no class weighting.)

    Args:
        logits: (any shape) logits z.
        y: same shape, targets in {0, 1} (soft targets follow the same formula).
        gamma: >= 0, the focusing parameter.
        alpha: None, or the weight in [0, 1] of the positives; negatives get 1 - alpha.

    Returns:
        float; finite and exact at |z| = 1000.

    Raises:
        ValueError: if the shapes differ (naming both) or alpha is outside [0, 1].

    Hint: compute ce stably as in bce_with_logits, and 1 - p_t as
    sigmoid(z) (1 - y) + sigmoid(-z) y with a stable sigmoid (no 1 - p).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _assert_rejects_shapes(fn, name, a_shape=(4, 1), b_shape=(4,), **kwargs):
    """fn(a, b) with broadcastable but different shapes must raise ValueError naming both."""
    a = np.full(a_shape, 0.5)
    b = np.full(b_shape, 0.5)
    with pytest.raises(ValueError) as info:
        fn(a, b, **kwargs)
    _assert_names_shapes(
        info.value, [a_shape, b_shape], f"{name}(shape {a_shape}, shape {b_shape})"
    )


def _assert_names_shapes(error, shapes, call):
    message = str(error)
    for shape in shapes:
        assert str(shape) in message, (
            f"{call} raised ValueError({message!r}); the message should name the shapes "
            + " and ".join(str(s) for s in shapes)
        )


def _assert_float(value, what):
    assert isinstance(value, float), f"{what} returned {type(value).__name__}, expected a float"


# --- independent slow references (plain Python loops and math) --------------


def _flat(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def _loop_huber(pred, target, delta):
    total = 0.0
    values = list(zip(_flat(pred), _flat(target), strict=True))
    for p, t in values:
        r = abs(p - t)
        total += 0.5 * r * r if r <= delta else delta * (r - 0.5 * delta)
    return total / len(values)


def _log_sigmoid(z):
    """log(1 / (1 + e^-z)) in plain math, for moderate z."""
    return -math.log1p(math.exp(-z)) if z >= 0 else z - math.log1p(math.exp(z))


def _loop_bce_terms(z, y):
    """Per-element -(y log s(z) + (1 - y) log(1 - s(z))), via log s(-z) = log(1 - s(z))."""
    return [-(t * _log_sigmoid(v) + (1 - t) * _log_sigmoid(-v)) for v, t in zip(z, y, strict=True)]


def _loop_cross_entropy(logits, y, eps):
    """Mean over rows of -sum_c q_c log softmax_c, q = (1 - eps) onehot + eps / C."""
    total = 0.0
    rows = np.asarray(logits, dtype=np.float64).tolist()
    for row, label in zip(rows, np.asarray(y).tolist(), strict=True):
        C = len(row)
        top = max(row)
        lse = top + math.log(sum(math.exp(s - top) for s in row))
        for c, s in enumerate(row):
            q = (1 - eps) * (c == label) + eps / C
            total -= q * (s - lse)
    return total / len(rows)


def _loop_hinge(scores, y):
    total = 0.0
    rows = np.asarray(scores, dtype=np.float64).tolist()
    for row, label in zip(rows, np.asarray(y).tolist(), strict=True):
        for j, s in enumerate(row):
            if j != label:
                total += max(0.0, s - row[label] + 1.0)
    return total / len(rows)


def _loop_kl(p, q):
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    rows_p = p.reshape(-1, p.shape[-1]).tolist()
    rows_q = q.reshape(-1, q.shape[-1]).tolist()
    total = 0.0
    for row_p, row_q in zip(rows_p, rows_q, strict=True):
        total += sum(a * math.log(a / b) for a, b in zip(row_p, row_q, strict=True) if a > 0)
    return total / len(rows_p)


# --- mse --------------------------------------------------------------------


def test_mse_hand_computed_is_a_mean_not_a_sum(impl, assert_close):
    # Residuals 1, 0, -2, 0, 3, -1: squares sum to 15, mean 15 / 6 = 2.5.
    # A sum gives 15, a mean over one axis gives a vector, a 1/2 gives 1.25.
    pred = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 1.0]])
    target = np.array([[0.0, 2.0, 5.0], [0.0, 1.0, 2.0]])
    got = impl.mse(pred, target)
    _assert_float(got, "mse(pred (2, 3), target (2, 3))")
    assert_close(got, 2.5, tol=1e-12, what="mse(pred (2, 3), target (2, 3))")


def test_mse_matches_loop_reference(impl, rng, assert_close):
    pred = rng.standard_normal((4, 5))
    target = rng.standard_normal((4, 5))
    expected = sum((a - b) ** 2 for a, b in zip(_flat(pred), _flat(target), strict=True)) / 20
    assert_close(impl.mse(pred, target), expected, tol=1e-12, what="mse(pred (4, 5), target)")


def test_mse_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.mse, "mse")


# --- mse_grad ---------------------------------------------------------------


def test_mse_grad_hand_computed_includes_one_over_n(impl, assert_close):
    # 2 (pred - target) / n with n = 3: 2 * [1, 0, -2] / 3.
    got = impl.mse_grad(np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 5.0]))
    expected = np.array([2.0, 0.0, -4.0]) / 3
    assert_close(got, expected, tol=1e-12, what="mse_grad([1, 2, 3], [0, 2, 5])")


def test_mse_grad_matches_numerical_gradient(impl, rng, num_grad, assert_close):
    pred = rng.standard_normal((4, 3))
    target = rng.standard_normal((4, 3))
    expected = num_grad(lambda p: np.mean((p - target) ** 2), pred)
    got = impl.mse_grad(pred, target)
    assert_close(got, expected, tol=1e-8, what="mse_grad(pred (4, 3), target (4, 3))")


def test_mse_grad_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.mse_grad, "mse_grad")


# --- mae --------------------------------------------------------------------


def test_mae_hand_computed(impl, assert_close):
    # |1| + |0| + |-2| + |0| + |3| + |-1| = 7, mean 7 / 6.
    pred = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 1.0]])
    target = np.array([[0.0, 2.0, 5.0], [0.0, 1.0, 2.0]])
    got = impl.mae(pred, target)
    _assert_float(got, "mae(pred (2, 3), target (2, 3))")
    assert_close(got, 7.0 / 6.0, tol=1e-12, what="mae(pred (2, 3), target (2, 3))")


def test_mae_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.mae, "mae")


# --- mae_grad ---------------------------------------------------------------


def test_mae_grad_matches_numerical_gradient(impl, rng, num_grad, assert_close):
    # Random residuals are far from the kink at 0 (|r| > 1e-3 here).
    pred = rng.standard_normal((4, 3))
    target = rng.standard_normal((4, 3))
    expected = num_grad(lambda p: np.mean(np.abs(p - target)), pred)
    got = impl.mae_grad(pred, target)
    assert_close(got, expected, tol=1e-8, what="mae_grad(pred (4, 3), target (4, 3))")


def test_mae_grad_is_zero_where_pred_equals_target(impl, assert_close):
    # PyTorch's subgradient at the kink is sign(0) = 0; the others are +-1/n.
    got = impl.mae_grad(np.array([2.0, 1.0, -1.0, 0.5]), np.array([2.0, 0.0, 0.0, 0.5]))
    expected = np.array([0.0, 1.0, -1.0, 0.0]) / 4
    assert_close(got, expected, tol=1e-12, what="mae_grad([2, 1, -1, 0.5], [2, 0, 0, 0.5])")


def test_mae_grad_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.mae_grad, "mae_grad")


# --- huber ------------------------------------------------------------------


def test_huber_hand_computed_uses_both_pieces(impl, assert_close):
    # delta = 1, residuals 0.5, -1, 3: 0.5 * 0.25 = 0.125, 0.5 (at the join),
    # 1 * (3 - 0.5) = 2.5. Mean (0.125 + 0.5 + 2.5) / 3 = 3.125 / 3.
    got = impl.huber(np.array([0.5, -1.0, 3.0]), np.zeros(3))
    _assert_float(got, "huber([0.5, -1, 3], 0)")
    assert_close(got, 3.125 / 3, tol=1e-12, what="huber([0.5, -1, 3], 0, delta=1)")


def test_huber_uses_delta(impl, assert_close):
    # Residual 1.5: quadratic under delta = 2 (1.125), linear under delta = 1 (1.0).
    pred, target = np.array([1.5]), np.array([0.0])
    assert_close(impl.huber(pred, target, delta=2.0), 1.125, tol=1e-12, what="huber(1.5, 0, 2)")
    assert_close(impl.huber(pred, target, delta=1.0), 1.0, tol=1e-12, what="huber(1.5, 0, 1)")


@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_matches_loop_reference(impl, rng, assert_close, delta):
    pred = 2.0 * rng.standard_normal((4, 5))
    target = rng.standard_normal((4, 5))
    expected = _loop_huber(pred, target, delta)
    got = impl.huber(pred, target, delta=delta)
    assert_close(got, expected, tol=1e-12, what=f"huber(pred (4, 5), target, delta={delta})")


def test_huber_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.huber, "huber")


# --- huber_grad -------------------------------------------------------------


@pytest.mark.parametrize("delta", [0.7, 1.0])
def test_huber_grad_matches_numerical_gradient(impl, rng, num_grad, assert_close, delta):
    # Residuals of scale 2 land on both sides of +-delta (none within 1e-3 of it).
    pred = 2.0 * rng.standard_normal((4, 3))
    target = rng.standard_normal((4, 3))
    expected = num_grad(lambda p: _loop_huber(p, target, delta), pred)
    got = impl.huber_grad(pred, target, delta=delta)
    assert_close(got, expected, tol=1e-8, what=f"huber_grad(pred (4, 3), target, delta={delta})")


def test_huber_grad_hand_computed(impl, assert_close):
    # delta = 2, residuals 0.5, -1, 3, -5: clip to [-2, 2], then / 4.
    got = impl.huber_grad(np.array([0.5, -1.0, 3.0, -5.0]), np.zeros(4), delta=2.0)
    expected = np.array([0.5, -1.0, 2.0, -2.0]) / 4
    assert_close(got, expected, tol=1e-12, what="huber_grad([0.5, -1, 3, -5], 0, delta=2)")


def test_huber_grad_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.huber_grad, "huber_grad")


# --- binary_cross_entropy ---------------------------------------------------


def test_binary_cross_entropy_hand_computed(impl, assert_close):
    # -(log 0.9 + log(1 - 0.2)) / 2.
    got = impl.binary_cross_entropy(np.array([0.9, 0.2]), np.array([1.0, 0.0]))
    _assert_float(got, "binary_cross_entropy([0.9, 0.2], [1, 0])")
    expected = -(math.log(0.9) + math.log(0.8)) / 2
    assert_close(got, expected, tol=1e-12, what="binary_cross_entropy([0.9, 0.2], [1, 0])")


def test_binary_cross_entropy_matches_loop_reference_with_soft_labels(impl, rng, assert_close):
    p = rng.uniform(0.01, 0.99, size=(4, 3))
    y = rng.uniform(0.0, 1.0, size=(4, 3))
    terms = [
        -(t * math.log(a) + (1 - t) * math.log(1 - a))
        for a, t in zip(_flat(p), _flat(y), strict=True)
    ]
    got = impl.binary_cross_entropy(p, y)
    assert_close(got, sum(terms) / 12, tol=1e-12, what="binary_cross_entropy(p (4, 3), soft y)")


def test_binary_cross_entropy_is_finite_and_zero_for_certain_correct_predictions(
    impl, assert_close, call_quietly
):
    # p = 0 with y = 0 and p = 1 with y = 1: 0 * log(0) must count as 0, not nan.
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    what = "binary_cross_entropy(p=[0, 1, 0, 1], y=[0, 1, 0, 1])"
    got = call_quietly(impl.binary_cross_entropy, p, y, what=what)
    assert_close(got, 0.0, tol=1e-12, what=what)


def test_binary_cross_entropy_clamps_each_log_at_minus_100(impl, assert_close, call_quietly):
    # PyTorch: a certain wrong prediction costs exactly 100 (log clamped at -100).
    # Entries: p=0,y=0 -> 0; p=1,y=1 -> 0; p=0,y=1 -> 100; p=1,y=0 -> 100. Mean 50.
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    what = "binary_cross_entropy(p=[0, 1, 0, 1], y=[0, 1, 1, 0])"
    got = call_quietly(impl.binary_cross_entropy, p, y, what=what)
    assert_close(got, 50.0, tol=1e-12, what=what + " (each log clamped at -100, as PyTorch)")


def test_binary_cross_entropy_keeps_tiny_losses_accurate(impl, assert_close):
    # p = 1e-12, y = 0: the loss is -log(1 - 1e-12) = 1e-12 + 5e-25. PyTorch
    # computes log1p(-p); np.log(1.0 - p) sees a 1.0 - p that has already
    # rounded and is off by 2.2e-5 relative.
    got = impl.binary_cross_entropy(np.array([1e-12]), np.array([0.0]))
    assert_close(
        got,
        -math.log1p(-1e-12),
        tol=1e-12,
        what="binary_cross_entropy(p=[1e-12], y=[0]) (log(1 - p) as log1p(-p), as PyTorch)",
    )


def test_binary_cross_entropy_rejects_logits(impl):
    with pytest.raises(ValueError):
        impl.binary_cross_entropy(np.array([2.5, -1.0, 0.3]), np.array([1.0, 0.0, 1.0]))


def test_binary_cross_entropy_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.binary_cross_entropy, "binary_cross_entropy")


# --- bce_with_logits --------------------------------------------------------


@pytest.mark.parametrize("labels", ["hard", "soft"])
def test_bce_with_logits_matches_loop_reference(impl, rng, assert_close, labels):
    z = 4.0 * rng.standard_normal((4, 3))
    y = rng.uniform(size=(4, 3))
    if labels == "hard":
        y = (y < 0.5).astype(np.float64)
    expected = sum(_loop_bce_terms(_flat(z), _flat(y))) / 12
    got = impl.bce_with_logits(z, y)
    _assert_float(got, "bce_with_logits(z (4, 3), y)")
    assert_close(got, expected, tol=1e-12, what=f"bce_with_logits(z (4, 3), {labels} y (4, 3))")


def test_bce_with_logits_at_zero_is_log_2(impl, assert_close):
    got = impl.bce_with_logits(np.zeros(3), np.array([0.0, 1.0, 0.3]))
    assert_close(got, math.log(2.0), tol=1e-12, what="bce_with_logits(zeros(3), y)")


def test_bce_with_logits_is_stable_and_exact_at_magnitude_1000(impl, assert_close, call_quietly):
    # Wrong by 1000 costs exactly 1000; right by 1000 costs log(1 + e^-1000) = 0.
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    what = "bce_with_logits(z=[1000, -1000, 1000, -1000], y=[0, 1, 1, 0])"
    got = call_quietly(impl.bce_with_logits, z, y, what=what)
    assert_close(got, 500.0, tol=1e-12, what=what)


def test_bce_with_logits_keeps_tiny_losses_accurate(impl, assert_close):
    # z = 20, y = 1: the loss is log(1 + e^-20) = 2.06e-9. Computing
    # -log(sigmoid(20)) = -log(1 - 2.06e-9) loses about 8 digits to rounding.
    z, y = np.array([20.0]), np.array([1.0])
    got = impl.bce_with_logits(z, y)
    assert_close(got, math.log1p(math.exp(-20.0)), tol=1e-12, what="bce_with_logits(20, 1)")


def test_bce_with_logits_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.bce_with_logits, "bce_with_logits")


# --- bce_with_logits_grad ---------------------------------------------------


def test_bce_with_logits_grad_matches_numerical_gradient(impl, rng, num_grad, assert_close):
    z = 2.0 * rng.standard_normal((4, 3))
    y = rng.uniform(size=(4, 3))
    expected = num_grad(lambda v: sum(_loop_bce_terms(_flat(v), _flat(y))) / 12, z)
    got = impl.bce_with_logits_grad(z, y)
    assert_close(got, expected, tol=1e-8, what="bce_with_logits_grad(z (4, 3), soft y (4, 3))")


def test_bce_with_logits_grad_is_stable_at_magnitude_1000(impl, assert_close, call_quietly):
    # (sigmoid(z) - y) / 4 with sigmoid(1000) = 1, sigmoid(-1000) = 0 (to 1e-434).
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    what = "bce_with_logits_grad(z=[1000, -1000, 1000, -1000], y=[0, 1, 1, 0])"
    got = call_quietly(impl.bce_with_logits_grad, z, y, what=what)
    assert_close(got, [0.25, -0.25, 0.0, 0.0], tol=1e-12, what=what)


def test_bce_with_logits_grad_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.bce_with_logits_grad, "bce_with_logits_grad")


# --- cross_entropy ----------------------------------------------------------


def test_cross_entropy_uniform_logits_give_log_C(impl, assert_close):
    N, C = 4, 5
    y = np.array([0, 3, 4, 1])
    loss, dlogits = impl.cross_entropy(np.zeros((N, C)), y)
    _assert_float(loss, "cross_entropy(zeros (4, 5), y) loss")
    assert_close(loss, math.log(C), tol=1e-12, what="cross_entropy(zeros (4, 5), y) loss")
    expected = (np.full((N, C), 1.0 / C) - np.eye(C)[y]) / N
    assert_close(dlogits, expected, tol=1e-12, what="cross_entropy(zeros (4, 5), y) dlogits")


def test_cross_entropy_label_smoothing_hand_computed(impl, assert_close):
    # eps = 0.3, C = 3: q = 0.7 onehot + 0.1, so row 0 (label 0) has
    # q = [0.8, 0.1, 0.1] and loss lse - (0.8*1 + 0.1*2 + 0.1*3) = lse - 1.3;
    # row 1 (equal logits) costs log 3 whatever q is. PyTorch: 1.6031.
    # Spreading eps over C - 1 = 2 classes would give q = [0.7, 0.15, 0.15].
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    lse = 3.0 + math.log(1.0 + math.exp(-1.0) + math.exp(-2.0))
    expected = (lse - 1.3 + math.log(3.0)) / 2
    loss, _ = impl.cross_entropy(logits, np.array([0, 1]), label_smoothing=0.3)
    assert_close(
        loss, expected, tol=1e-12, what="cross_entropy([[1, 2, 3], [0, 0, 0]], [0, 1], 0.3)"
    )


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.45])
def test_cross_entropy_matches_loop_reference(impl, rng, assert_close, eps):
    logits = 3.0 * rng.standard_normal((6, 4))
    y = rng.integers(0, 4, size=6)
    loss, _ = impl.cross_entropy(logits, y, label_smoothing=eps)
    expected = _loop_cross_entropy(logits, y, eps)
    assert_close(loss, expected, tol=1e-12, what=f"cross_entropy(logits (6, 4), y, {eps}) loss")


@pytest.mark.parametrize("eps", [0.0, 0.2])
def test_cross_entropy_dlogits_matches_numerical_gradient(impl, rng, num_grad, assert_close, eps):
    # N = 4 rows, C = 5 classes: a gradient missing 1/N, or summed over the
    # wrong axis, or ignoring the smoothing, gives different numbers.
    logits = rng.standard_normal((4, 5))
    y = np.array([1, 0, 4, 1])
    _, dlogits = impl.cross_entropy(logits, y, label_smoothing=eps)
    # h = 1e-5: one entry of the gradient is near 1e-3, where the rounding
    # error eps_machine * loss / h of a smaller step would show.
    expected = num_grad(lambda s: _loop_cross_entropy(s, y, eps), logits, h=1e-5)
    assert_close(
        dlogits,
        expected,
        tol=1e-8,
        what=f"cross_entropy(logits (4, 5), y, {eps}) -> dlogits (expected (softmax - q) / N)",
    )


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_cross_entropy_is_stable_for_logits_of_magnitude_1000(
    impl, assert_close, eps, call_quietly
):
    # Row 0 [1000, 0, -1000], label 0: log-probs [0, -1000, -2000] (to 1e-434).
    # Row 1 [-1000, 1000, 999], label 2: with L = log(1 + e^-1), log-probs
    # [-2000 - L, -L, -1 - L]. Smoothing puts eps / 3 on each class, so a
    # -inf from log(softmax) (e^-2000 underflows to 0) would make the loss inf.
    L = math.log1p(math.exp(-1.0))
    q0 = [1 - eps + eps / 3, eps / 3, eps / 3]
    q1 = [eps / 3, eps / 3, 1 - eps + eps / 3]
    row0 = -(q0[0] * 0.0 + q0[1] * -1000.0 + q0[2] * -2000.0)
    row1 = -(q1[0] * (-2000.0 - L) + q1[1] * -L + q1[2] * (-1.0 - L))
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    what = f"cross_entropy(logits of +-1000, y=[0, 2], label_smoothing={eps})"
    loss, dlogits = call_quietly(impl.cross_entropy, logits, np.array([0, 2]), eps, what=what)
    assert_close(loss, (row0 + row1) / 2, tol=1e-12, what=what + " loss")
    p1 = np.array([0.0, 1.0, math.exp(-1.0)]) / (1.0 + math.exp(-1.0))
    expected = np.array([np.array([1.0, 0.0, 0.0]) - q0, p1 - q1]) / 2
    assert_close(dlogits, expected, tol=1e-12, what=what + " dlogits")


def test_cross_entropy_shifts_each_row_by_its_own_max(impl, assert_close, call_quietly):
    # Row 1 is row 0 minus 2000: the same softmax, so the same log-probs
    # [0, -1, -2] - L with L = log(1 + e^-1 + e^-2). Shifting by the max of
    # the whole array (logits.max() without axis=1) leaves row 1 at -2000 and
    # below, where every exp underflows to 0 and log(0) = -inf.
    L = math.log(1.0 + math.exp(-1.0) + math.exp(-2.0))
    logits = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]])
    what = "cross_entropy([[1000, 999, 998], [-1000, -1001, -1002]], y=[0, 2])"
    loss, dlogits = call_quietly(impl.cross_entropy, logits, np.array([0, 2]), what=what)
    assert_close(loss, ((0.0 + L) + (2.0 + L)) / 2, tol=1e-12, what=what + " loss")
    p = np.array([1.0, math.exp(-1.0), math.exp(-2.0)]) / math.exp(L)
    expected = np.array([p - [1.0, 0.0, 0.0], p - [0.0, 0.0, 1.0]]) / 2
    assert_close(dlogits, expected, tol=1e-12, what=what + " dlogits")


def test_cross_entropy_does_not_modify_logits(impl, rng):
    logits = rng.standard_normal((3, 4))
    before = logits.copy()
    impl.cross_entropy(logits, np.array([0, 3, 1]), label_smoothing=0.1)
    assert np.array_equal(logits, before), (
        "cross_entropy modified the caller's logits (an in-place logits -= max?):\n"
        f"  before: {before!r}\n  after:  {logits!r}"
    )


def test_cross_entropy_rejects_mismatched_labels(impl):
    with pytest.raises(ValueError) as info:
        impl.cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2]))
    _assert_names_shapes(info.value, [(4, 5), (3,)], "cross_entropy(logits (4, 5), y (3,))")


def test_cross_entropy_rejects_label_smoothing_outside_0_1(impl):
    with pytest.raises(ValueError):
        impl.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=1.5)


# --- hinge_loss -------------------------------------------------------------


def test_hinge_loss_cs231n_example(impl, assert_close):
    # CS231n's three examples (rows), classes cat, car, frog:
    # cat row: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9
    # car row: max(0, 1.3 - 4.9 + 1) + max(0, 2.0 - 4.9 + 1) = 0
    # frog row: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 12.9
    # Mean 15.8 / 3. Counting the correct class too adds 1 per row.
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    y = np.array([0, 1, 2])
    loss, dscores = impl.hinge_loss(scores, y)
    _assert_float(loss, "hinge_loss(CS231n scores (3, 3), y) loss")
    assert_close(loss, 15.8 / 3, tol=1e-12, what="hinge_loss(CS231n scores (3, 3), y) loss")
    expected = np.array([[-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]]) / 3
    assert_close(dscores, expected, tol=1e-12, what="hinge_loss(CS231n scores (3, 3), y) dscores")


def test_hinge_loss_matches_loop_reference(impl, rng, assert_close):
    scores = 2.0 * rng.standard_normal((5, 4))
    y = rng.integers(0, 4, size=5)
    loss, _ = impl.hinge_loss(scores, y)
    expected = _loop_hinge(scores, y)
    assert_close(loss, expected, tol=1e-12, what="hinge_loss(scores (5, 4), y) loss")


def test_hinge_loss_dscores_matches_numerical_gradient(impl, rng, num_grad, assert_close):
    # Seeded scores whose margins are all at least 1e-3 away from the kink.
    scores = rng.standard_normal((4, 5))
    y = np.array([2, 0, 4, 2])
    _, dscores = impl.hinge_loss(scores, y)
    expected = num_grad(lambda s: _loop_hinge(s, y), scores)
    assert_close(dscores, expected, tol=1e-8, what="hinge_loss(scores (4, 5), y) -> dscores")


def test_hinge_loss_is_zero_when_every_margin_is_met(impl, assert_close):
    # The true class beats every other by at least 1 (a margin of exactly 0
    # counts as met, with gradient 0, as in PyTorch).
    scores = np.array([[3.0, 2.0, 0.5], [-1.0, 0.0, 5.0]])
    loss, dscores = impl.hinge_loss(scores, np.array([0, 2]))
    assert_close(loss, 0.0, tol=1e-12, what="hinge_loss(separated scores, y=[0, 2]) loss")
    assert_close(dscores, np.zeros((2, 3)), tol=1e-12, what="hinge_loss(separated) dscores")


def test_hinge_loss_rejects_mismatched_labels(impl):
    with pytest.raises(ValueError) as info:
        impl.hinge_loss(np.zeros((4, 3)), np.array([0, 1]))
    _assert_names_shapes(info.value, [(4, 3), (2,)], "hinge_loss(scores (4, 3), y (2,))")


# --- kl_div -----------------------------------------------------------------


def test_kl_div_argument_order_is_p_then_q(impl, assert_close):
    # KL(p || q) = 0.5 log(0.5 / 0.25) + 0.5 log(0.5 / 0.75) = 0.5 log(4 / 3) = 0.1438;
    # KL(q || p) = 0.25 log(0.5) + 0.75 log(1.5) = 0.1308: swapped arguments differ.
    p = np.array([0.5, 0.5])
    q = np.array([0.25, 0.75])
    got = impl.kl_div(p, q)
    _assert_float(got, "kl_div([0.5, 0.5], [0.25, 0.75])")
    assert_close(
        got, 0.5 * math.log(4.0 / 3.0), tol=1e-12, what="kl_div(p=[0.5, 0.5], q=[0.25, 0.75])"
    )


def test_kl_div_treats_0_log_0_as_0(impl, assert_close, call_quietly):
    # The p = 0 entry contributes nothing: KL = 0.5 log(0.5 / 0.3) + 0 = 0.2554.
    p = np.array([0.0, 0.5, 0.5])
    q = np.array([0.2, 0.3, 0.5])
    what = "kl_div(p=[0, 0.5, 0.5], q=[0.2, 0.3, 0.5])"
    got = call_quietly(impl.kl_div, p, q, what=what)
    assert_close(got, 0.5 * math.log(0.5 / 0.3), tol=1e-12, what=what)


def test_kl_div_is_infinite_where_q_rules_out_what_p_allows(impl, call_quietly):
    what = "kl_div(p=[0.5, 0.5], q=[1, 0])"
    got = call_quietly(impl.kl_div, np.array([0.5, 0.5]), np.array([1.0, 0.0]), what=what)
    assert got == math.inf, f"{what} returned {got!r}, expected inf (q = 0 where p > 0)"


def test_kl_div_of_identical_distributions_is_zero(impl, rng, assert_close):
    p = rng.dirichlet(np.ones(5), size=3)
    assert_close(impl.kl_div(p, p.copy()), 0.0, tol=1e-12, what="kl_div(p (3, 5), p)")


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_kl_div_averages_over_leading_axes(impl, rng, assert_close, shape):
    # Sum over the last axis, mean over every distribution: a sum over all
    # entries, a mean over all entries, or dividing by shape[0] alone differ.
    C = shape[-1]
    p = rng.dirichlet(np.ones(C), size=shape[:-1])
    q = rng.dirichlet(np.ones(C), size=shape[:-1])
    got = impl.kl_div(p, q)
    assert_close(got, _loop_kl(p, q), tol=1e-12, what=f"kl_div(p {shape}, q {shape})")


def test_kl_div_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.kl_div, "kl_div", a_shape=(2, 3), b_shape=(3,))


# --- focal_loss -------------------------------------------------------------


def _loop_focal(z, y, gamma, alpha):
    """torchvision's sigmoid_focal_loss formula, element by element, then the mean."""
    total = 0.0
    values = list(zip(_flat(z), _flat(y), strict=True))
    for v, t in values:
        ce = _loop_bce_terms([v], [t])[0]
        p = 1.0 / (1.0 + math.exp(-v))
        p_t = p * t + (1 - p) * (1 - t)
        term = ce * (1 - p_t) ** gamma
        if alpha is not None:
            term *= alpha * t + (1 - alpha) * (1 - t)
        total += term
    return total / len(values)


def test_focal_loss_with_gamma_0_and_no_alpha_is_bce_with_logits(impl, rng, assert_close):
    z = 3.0 * rng.standard_normal((4, 3))
    y = (rng.uniform(size=(4, 3)) < 0.4).astype(np.float64)
    expected = sum(_loop_bce_terms(_flat(z), _flat(y))) / 12
    got = impl.focal_loss(z, y, gamma=0.0)
    _assert_float(got, "focal_loss(z (4, 3), y, gamma=0)")
    assert_close(got, expected, tol=1e-12, what="focal_loss(z (4, 3), y, gamma=0, alpha=None)")


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, None), (2.0, 0.25), (0.5, 0.75), (1.0, None)])
def test_focal_loss_matches_loop_reference(impl, rng, assert_close, gamma, alpha):
    z = 3.0 * rng.standard_normal((5, 3))
    y = (rng.uniform(size=(5, 3)) < 0.3).astype(np.float64)
    expected = _loop_focal(z, y, gamma, alpha)
    got = impl.focal_loss(z, y, gamma=gamma, alpha=alpha)
    assert_close(got, expected, tol=1e-10, what=f"focal_loss(z (5, 3), y, {gamma}, {alpha})")


def test_focal_loss_alpha_weighs_positives_alpha_and_negatives_one_minus_alpha(impl, assert_close):
    # At z = 0: ce = log 2 and (1 - p_t)^2 = 1/4 for either label. With
    # alpha = 0.25 a positive costs 0.25 * log(2) / 4 and a negative
    # 0.75 * log(2) / 4. Weighting both by alpha would give 0.25 for both.
    pos = impl.focal_loss(np.zeros(1), np.ones(1), gamma=2.0, alpha=0.25)
    neg = impl.focal_loss(np.zeros(1), np.zeros(1), gamma=2.0, alpha=0.25)
    assert_close(pos, 0.25 * math.log(2) / 4, tol=1e-12, what="focal_loss(0, y=1, 2, alpha=0.25)")
    assert_close(neg, 0.75 * math.log(2) / 4, tol=1e-12, what="focal_loss(0, y=0, 2, alpha=0.25)")


def test_focal_loss_down_weights_easy_examples(impl, assert_close):
    # z = 3, y = 1: p_t = sigmoid(3), ce = log(1 + e^-3), factor (1 - p_t)^2
    # = sigmoid(-3)^2 = 0.00225: a confident correct example nearly vanishes.
    ce = math.log1p(math.exp(-3.0))
    factor = (1.0 / (1.0 + math.exp(3.0))) ** 2
    got = impl.focal_loss(np.array([3.0]), np.array([1.0]), gamma=2.0)
    assert_close(got, factor * ce, tol=1e-12, what="focal_loss(z=3, y=1, gamma=2)")


@pytest.mark.parametrize(("alpha", "expected"), [(None, 500.0), (0.25, 250.0)])
def test_focal_loss_is_stable_at_magnitude_1000(impl, assert_close, alpha, expected, call_quietly):
    # Wrong by 1000: ce = 1000, 1 - p_t = 1. Right by 1000: ce = 0, 1 - p_t = 0.
    # With alpha = 0.25: 0.75 * 1000 (a negative) + 0.25 * 1000 (a positive).
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    what = f"focal_loss(z=[1000, -1000, 1000, -1000], y=[0, 1, 1, 0], gamma=2, alpha={alpha})"
    got = call_quietly(impl.focal_loss, z, y, 2.0, alpha, what=what)
    assert_close(got, expected, tol=1e-12, what=what)


def test_focal_loss_rejects_broadcastable_shapes(impl):
    _assert_rejects_shapes(impl.focal_loss, "focal_loss")


# --- edges and numerical range ------------------------------------------------
# Losses that keep growing for a confidently wrong prediction, boundary values
# PyTorch accepts (label_smoothing = 1, alpha = 0 or 1), batches of one never
# squeezed, 0 log 0 where both distributions are 0, and a margin tie.


def test_bce_with_logits_grows_linearly_for_a_confidently_wrong_logit(impl, assert_close):
    # y = 1, z = -t: loss = t + log(1 + e^-t), no cap (a clipped probability
    # would stop at 27.6 or 100). Relative accuracy over nine orders of magnitude.
    t = np.array([0.5, 30.0, 1e3, 1e6])
    for value in t:
        got = impl.bce_with_logits(np.array([-value]), np.array([1.0]))
        expected = value + math.log1p(math.exp(-value))
        assert_close(got, expected, tol=1e-14, what=f"bce_with_logits(z=[-{value:g}], y=[1])")


def test_cross_entropy_grows_linearly_when_confidently_wrong(impl, assert_close, call_quietly):
    # True class behind by 800: -log p = [800, 0]. Without smoothing the loss is
    # 800; with label_smoothing = 0.1 and C = 2 the target is [0.95, 0.05], loss 760.
    logits, y = np.array([[0.0, 800.0]]), np.array([0])
    for eps, expected in [(0.0, 800.0), (0.1, 760.0)]:
        what = f"cross_entropy([[0, 800]], [0], label_smoothing={eps})"
        loss, dlogits = call_quietly(impl.cross_entropy, logits, y, eps, what=what)
        assert_close(loss, expected, tol=1e-14, what=what + " loss")
        q0 = 1 - eps + eps / 2
        assert_close(dlogits, [[-q0, q0]], tol=1e-14, what=what + " dlogits (shape (1, 2))")


def test_cross_entropy_accepts_label_smoothing_one(impl, assert_close):
    # eps = 1 (torch accepts it): the target is uniform whatever y is, so the
    # loss is the mean over classes of -log p and dlogits = (p - 1/C) / N.
    logits = np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    loss, dlogits = impl.cross_entropy(logits, np.array([0, 2]), label_smoothing=1.0)
    lse = np.log(np.exp(logits).sum(axis=1, keepdims=True))
    log_p = logits - lse
    assert_close(loss, -log_p.mean(), tol=1e-13, what="cross_entropy(label_smoothing=1.0) loss")
    assert_close(
        dlogits,
        (np.exp(log_p) - 1.0 / 3.0) / 2,
        tol=1e-13,
        what="cross_entropy(label_smoothing=1.0) dlogits",
    )


def test_focal_loss_accepts_alpha_zero_and_one(impl, assert_close):
    # alpha = 0 is falsy but is not None: positives get weight 0, negatives 1.
    # ``if alpha:`` treats it as no weighting at all. alpha = 1: only positives.
    z = np.array([0.3, -1.2, 2.0, -0.4])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    ce = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
    p = 1 / (1 + np.exp(-z))
    mod = (y * (1 - p) + (1 - y) * p) ** 2 * ce
    for alpha, w in [(0.0, 1 - y), (1.0, y)]:
        got = impl.focal_loss(z, y, gamma=2.0, alpha=alpha)
        assert_close(got, np.mean(w * mod), tol=1e-13, what=f"focal_loss(gamma=2, alpha={alpha})")


def test_kl_div_ignores_classes_where_both_p_and_q_are_zero(impl, assert_close, call_quietly):
    # A class with p = q = 0 contributes 0 log(0 / 0) = 0: no nan, no warning.
    p = np.array([[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
    q = np.array([[0.25, 0.0, 0.75], [0.0, 1.0, 0.0]])
    what = "kl_div(p, q) with p = q = 0 in some classes"
    got = call_quietly(impl.kl_div, p, q, what=what)
    expected = (0.5 * math.log(2.0) + 0.5 * math.log(0.5 / 0.75) + 0.0) / 2
    assert_close(got, expected, tol=1e-13, what=what)


def test_kl_div_of_a_batch_of_one_is_its_row_sum(impl, assert_close):
    # (1, C) is a batch of one distribution: the mean over one row is its sum.
    p, q = np.array([[0.2, 0.8]]), np.array([[0.5, 0.5]])
    expected = 0.2 * math.log(0.4) + 0.8 * math.log(1.6)
    assert_close(impl.kl_div(p, q), expected, tol=1e-13, what="kl_div(p (1, 2), q (1, 2))")


def test_hinge_loss_counts_a_tied_score_as_a_full_margin_violation(impl, assert_close):
    # Scores tied with the true class violate the margin by exactly 1; a margin
    # of exactly 0 (score 1 below the true class) contributes no loss and, by
    # PyTorch's convention, no gradient. Batch of one: dscores stays (1, C).
    scores = np.array([[2.0, 2.0, 1.0, 0.0]])
    loss, dscores = impl.hinge_loss(scores, np.array([0]))
    assert_close(loss, 1.0, tol=1e-15, what="hinge_loss([[2, 2, 1, 0]], [0]) loss")
    assert_close(
        dscores,
        [[-1.0, 1.0, 0.0, 0.0]],
        tol=1e-15,
        what="hinge_loss([[2, 2, 1, 0]], [0]) dscores (tie: +1; margin exactly 0: 0)",
    )


# --- every exercise leaves the caller's arrays untouched ---------------------
# Clipping p in place, shifting logits in place (logits -= max) or writing the
# margins into scores returns the right loss and corrupts the caller's arrays.


def test_mse_leaves_inputs_untouched(impl, rng, call_untouched):
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    call_untouched(impl.mse, pred, target, what="mse(pred, target)")


def test_mse_grad_leaves_inputs_untouched(impl, rng, call_untouched):
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    call_untouched(impl.mse_grad, pred, target, what="mse_grad(pred, target)")


def test_mae_leaves_inputs_untouched(impl, rng, call_untouched):
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    call_untouched(impl.mae, pred, target, what="mae(pred, target)")


def test_mae_grad_leaves_inputs_untouched(impl, rng, call_untouched):
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    call_untouched(impl.mae_grad, pred, target, what="mae_grad(pred, target)")


def test_huber_leaves_inputs_untouched(impl, rng, call_untouched):
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    call_untouched(impl.huber, pred, target, what="huber(pred, target)")


def test_huber_grad_leaves_inputs_untouched(impl, rng, call_untouched):
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    call_untouched(impl.huber_grad, pred, target, what="huber_grad(pred, target)")


def test_binary_cross_entropy_leaves_inputs_untouched(impl, call_untouched):
    p, y = np.array([0.0, 0.3, 1.0, 0.9]), np.array([1.0, 0.0, 0.0, 1.0])  # 0 and 1 get clipped
    call_untouched(impl.binary_cross_entropy, p, y, what="binary_cross_entropy(p, y)")


def test_bce_with_logits_leaves_inputs_untouched(impl, call_untouched):
    z, y = np.array([-800.0, -1.0, 2.0, 800.0]), np.array([1.0, 0.0, 0.0, 1.0])
    call_untouched(impl.bce_with_logits, z, y, what="bce_with_logits(z, y)")


def test_bce_with_logits_grad_leaves_inputs_untouched(impl, call_untouched):
    z, y = np.array([-800.0, -1.0, 2.0, 800.0]), np.array([1.0, 0.0, 0.0, 1.0])
    call_untouched(impl.bce_with_logits_grad, z, y, what="bce_with_logits_grad(z, y)")


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_leaves_inputs_untouched(impl, rng, call_untouched, label_smoothing):
    logits, y = 100 * rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    call_untouched(
        impl.cross_entropy,
        logits,
        y,
        label_smoothing,
        what=f"cross_entropy(logits, y, label_smoothing={label_smoothing})",
    )


def test_hinge_loss_leaves_inputs_untouched(impl, rng, call_untouched):
    scores, y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    call_untouched(impl.hinge_loss, scores, y, what="hinge_loss(scores, y)")


def test_kl_div_leaves_inputs_untouched(impl, call_untouched):
    p = np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]])
    q = np.array([[0.25, 0.25, 0.5], [0.1, 0.1, 0.8]])
    call_untouched(impl.kl_div, p, q, what="kl_div(p, q)")


def test_focal_loss_leaves_inputs_untouched(impl, call_untouched):
    z, y = np.array([-800.0, -1.0, 2.0, 800.0]), np.array([1.0, 0.0, 0.0, 1.0])
    call_untouched(impl.focal_loss, z, y, 2.0, 0.25, what="focal_loss(z, y, gamma=2, alpha=0.25)")


# --- parameters at their boundaries and defaults; true relative tails --------


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_rejects_a_non_positive_delta(impl, delta):
    # delta = 0 is falsy and invalid (torch raises too): the quadratic band
    # vanishes and the loss is identically 0. It must raise, not return 0.
    with pytest.raises(ValueError):
        impl.huber(np.array([0.5, -2.0]), np.array([0.0, 0.0]), delta=delta)


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_grad_rejects_a_non_positive_delta(impl, delta):
    # delta = 0 would clip every residual to 0: a zero gradient, silently.
    with pytest.raises(ValueError):
        impl.huber_grad(np.array([0.5, -2.0]), np.array([0.0, 0.0]), delta=delta)


def test_huber_grad_default_delta_is_one(impl, assert_close):
    # r = [0.5, -2, 3]: clip to [-1, 1] gives [0.5, -1, 1], then / 3.
    got = impl.huber_grad(np.array([0.5, -2.0, 3.0]), np.zeros(3))
    assert_close(
        got, [0.5 / 3, -1.0 / 3, 1.0 / 3], tol=1e-15, what="huber_grad([0.5, -2, 3], 0) (delta=1)"
    )


def test_focal_loss_default_gamma_is_two(impl, assert_close):
    # z = 0: ce = log 2, 1 - p_t = 1/2, so gamma = 2 gives log(2) / 4.
    got = impl.focal_loss(np.zeros(2), np.array([1.0, 0.0]))
    assert_close(got, math.log(2.0) / 4, tol=1e-14, what="focal_loss(zeros(2), [1, 0]) defaults")


@pytest.mark.parametrize("alpha", [-0.25, 1.5])
def test_focal_loss_rejects_alpha_outside_0_1(impl, alpha):
    with pytest.raises(ValueError):
        impl.focal_loss(np.zeros(2), np.array([1.0, 0.0]), gamma=2.0, alpha=alpha)


def test_cross_entropy_rejects_negative_label_smoothing(impl):
    # A negative eps would put negative mass on the wrong classes.
    with pytest.raises(ValueError):
        impl.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=-0.1)


# uint8 images as pred and target: 0 - 3 in uint8 wraps to 253.
_U8_PRED = np.array([0, 10, 200], dtype=np.uint8)
_U8_TARGET = np.array([3, 4, 250], dtype=np.uint8)
_U8_RESIDUALS = [-3.0, 6.0, -50.0]


def test_mse_converts_unsigned_integer_inputs(impl, assert_close):
    got = impl.mse(_U8_PRED, _U8_TARGET)
    expected = sum(v * v for v in _U8_RESIDUALS) / 3
    assert_close(got, expected, tol=1e-14, what="mse(uint8 [0, 10, 200], uint8 [3, 4, 250])")


def test_mae_converts_unsigned_integer_inputs(impl, assert_close):
    got = impl.mae(_U8_PRED, _U8_TARGET)
    expected = sum(abs(v) for v in _U8_RESIDUALS) / 3
    assert_close(got, expected, tol=1e-14, what="mae(uint8 [0, 10, 200], uint8 [3, 4, 250])")


def test_bce_with_logits_grad_is_relatively_accurate_for_confident_negatives(
    impl, assert_close, call_quietly
):
    # y = 0 and z very negative: the gradient sigmoid(z) / n is tiny but exact
    # with a stable sigmoid (e^z / (1 + e^z)). 1 - sigmoid(-z) and
    # 0.5 (1 + tanh(z / 2)) both cancel to exactly 0 here.
    z = np.array([-40.0, -100.0, -700.0])
    what = f"bce_with_logits_grad(z={z.tolist()}, y=[0, 0, 0])"
    got = call_quietly(impl.bce_with_logits_grad, z, np.zeros(3), what=what)
    expected = [math.exp(v) / (1.0 + math.exp(v)) / 3 for v in z]
    assert_close(got, expected, tol=1e-13, what=what, floor=0.0)


def test_focal_loss_is_relatively_accurate_for_easy_examples(impl, assert_close, call_quietly):
    # z = 30, y = 1 (and z = -30, y = 0): 1 - p_t = sigmoid(-30) = 9.4e-14 and
    # ce = log1p(e^-30), so the loss is sigmoid(-30)^2 log1p(e^-30) = 8.3e-40.
    # Computing 1 - p_t as 1 - sigmoid(30) keeps only ~3 digits of 9.4e-14.
    z, y = np.array([30.0, -30.0]), np.array([1.0, 0.0])
    s = math.exp(-30.0) / (1.0 + math.exp(-30.0))
    expected = s**2 * math.log1p(math.exp(-30.0))
    what = "focal_loss(z=[30, -30], y=[1, 0], gamma=2)"
    got = call_quietly(impl.focal_loss, z, y, 2.0, what=what)
    assert_close(
        got, expected, tol=1e-12, what=what + " (1 - p_t from a stable sigmoid(-z))", floor=0.0
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
