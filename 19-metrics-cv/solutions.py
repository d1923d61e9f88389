"""Topic 19: evaluation metrics and cross-validation, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Every metric matches scikit-learn 1.9 (checked on thousands of random and
tied inputs); where this file departs from it, the docstring in exercises.py
says so. Labels are integers: 0/1 for the binary metrics (1 is the positive
class), 0..C-1 for the multiclass ones. Nothing here divides 0 by 0 or takes
log(0): a 0/0 that scikit-learn resolves with ``zero_division=0`` is resolved
here with an explicit test, never by silencing a RuntimeWarning.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

# ---------------------------------------------------------------------------
# Input checks shared by the metrics
# ---------------------------------------------------------------------------


def _as_labels(name: str, y, what: str) -> np.ndarray:
    """A 1-D array of non-negative integer labels (bool and integral floats accepted)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name}: {what} must be 1-D, got shape {y.shape}")
    if y.dtype.kind == "b":
        return y.astype(np.intp)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{name}: {what} must hold integer class labels")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"{name}: {what} must hold integer class labels, got dtype {y.dtype}")
    y = y.astype(np.intp)
    if y.size and y.min() < 0:
        raise ValueError(f"{name}: {what} holds a negative label {y.min()}")
    return y


def _label_pair(name: str, y_true, y_pred):
    y_true = _as_labels(name, y_true, "y_true")
    y_pred = _as_labels(name, y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{name}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError(f"{name}: empty input")
    return y_true, y_pred


def _binary_pair(name: str, y_true, y_pred):
    y_true, y_pred = _label_pair(name, y_true, y_pred)
    if y_true.max() > 1 or y_pred.max() > 1:
        raise ValueError(f"{name}: binary labels must be 0 or 1")
    return y_true, y_pred


def _binary_scores(name: str, y_true, scores):
    """y_true (N,) in {0, 1} and finite float64 scores (N,)."""
    y_true = _as_labels(name, y_true, "y_true")
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != y_true.shape:
        raise ValueError(
            f"{name}: y_true has shape {y_true.shape} but scores has shape {scores.shape}"
        )
    if y_true.size == 0:
        raise ValueError(f"{name}: empty input")
    if y_true.max() > 1:
        raise ValueError(f"{name}: y_true must hold 0/1 labels")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name}: scores contain nan or inf")
    return y_true, scores


def _ratio(num: float, den: float) -> float:
    """num / den, or 0.0 when den == 0: scikit-learn's zero_division=0, with no 0/0 ever."""
    return float(num) / float(den) if den != 0 else 0.0


def _binary_counts(y_true: np.ndarray, y_pred: np.ndarray):
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    tn = int(np.sum((y_true == 0) & (y_pred == 0)))
    return tp, fp, fn, tn


# ---------------------------------------------------------------------------
# Threshold metrics
# ---------------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, n_classes=None) -> np.ndarray:
    """C[i, j] = number of examples of true class i predicted as class j."""
    y_true, y_pred = _label_pair("confusion_matrix", y_true, y_pred)
    top = int(max(y_true.max(), y_pred.max()))
    if n_classes is None:
        n_classes = top + 1
    elif top >= n_classes:
        raise ValueError(f"confusion_matrix: label {top} is out of range for n_classes={n_classes}")
    # One bincount over the flattened (true, pred) pair index counts every
    # cell at once. The classic bug is C[y_true, y_pred] += 1: fancy-index
    # assignment does not accumulate repeated index pairs (np.add.at does).
    flat = y_true * n_classes + y_pred
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def accuracy(y_true, y_pred) -> float:
    """Fraction of exact matches."""
    y_true, y_pred = _label_pair("accuracy", y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def precision(y_true, y_pred) -> float:
    """TP / (TP + FP), 0.0 when nothing is predicted positive."""
    tp, fp, _, _ = _binary_counts(*_binary_pair("precision", y_true, y_pred))
    return _ratio(tp, tp + fp)


def recall(y_true, y_pred) -> float:
    """TP / (TP + FN), 0.0 when there are no positives."""
    tp, _, fn, _ = _binary_counts(*_binary_pair("recall", y_true, y_pred))
    return _ratio(tp, tp + fn)


def fbeta(y_true, y_pred, beta: float) -> float:
    """(1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP), 0.0 when the denominator is 0."""
    if not beta >= 0:
        raise ValueError(f"fbeta: beta must be >= 0, got {beta}")
    tp, fp, fn, _ = _binary_counts(*_binary_pair("fbeta", y_true, y_pred))
    b2 = float(beta) ** 2
    # From the counts, not from the harmonic mean of the two ratios: the two
    # agree whenever both ratios are defined, and this form never divides by
    # zero unless TP = FP = FN = 0 (scikit-learn computes it the same way).
    return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)


def f1(y_true, y_pred) -> float:
    """Harmonic mean of precision and recall: 2 TP / (2 TP + FP + FN)."""
    tp, fp, fn, _ = _binary_counts(*_binary_pair("f1", y_true, y_pred))
    # A common mistake is the arithmetic mean (P + R) / 2, which rewards a
    # classifier that predicts everything positive (R = 1) with F >= 0.5.
    return _ratio(2 * tp, 2 * tp + fp + fn)


def precision_recall_f1(y_true, y_pred, average: str = "macro"):
    """Multiclass precision, recall and F1 averaged "macro", "micro" or "weighted"."""
    if average not in ("macro", "micro", "weighted"):
        raise ValueError(f"precision_recall_f1: unknown average {average!r}")
    y_true, y_pred = _label_pair("precision_recall_f1", y_true, y_pred)
    # scikit-learn's classes are the labels present in y_true or y_pred; a
    # class that appears in neither does not exist for it.
    labels = np.union1d(y_true, y_pred)
    cm = confusion_matrix(y_true, y_pred)[np.ix_(labels, labels)]
    tp = np.diag(cm).astype(np.float64)
    fp = cm.sum(axis=0) - tp  # predicted as c, truly something else
    fn = cm.sum(axis=1) - tp  # truly c, predicted as something else
    support = cm.sum(axis=1).astype(np.float64)
    if average == "micro":
        # Pool the counts first. In single-label classification every error
        # is one FP (for the predicted class) and one FN (for the true
        # class), so the pooled FP and FN are equal and P = R = F1 = accuracy.
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        return _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)

    def per_class(num, den):
        out = np.zeros_like(num)
        np.divide(num, den, out=out, where=den != 0)  # 0/0 -> 0 with no warning
        return out

    p = per_class(tp, tp + fp)
    r = per_class(tp, tp + fn)
    f = per_class(2 * tp, 2 * tp + fp + fn)
    # Macro: each class counts once, however rare. Weighted: each class counts
    # by its support, so it drifts toward the frequent classes (and weighted F1
    # need not lie between weighted P and weighted R).
    w = np.full(len(labels), 1.0 / len(labels)) if average == "macro" else support / support.sum()
    return float(w @ p), float(w @ r), float(w @ f)


def matthews_corrcoef(y_true, y_pred) -> float:
    """MCC from the confusion matrix (binary or multiclass); 0.0 when undefined."""
    cm = confusion_matrix(y_true, y_pred).astype(np.float64)
    t = cm.sum(axis=1)  # true class counts
    p = cm.sum(axis=0)  # predicted class counts
    n = cm.sum()
    correct = np.trace(cm)
    # Gorodkin's R_K: the Pearson correlation of the one-hot true and predicted
    # matrices. For two classes it is (TP TN - FP FN) / sqrt(...).
    cov_tp = correct * n - t @ p
    cov_pp = n * n - p @ p
    cov_tt = n * n - t @ t
    denom = cov_pp * cov_tt
    if denom == 0:  # one class predicted, or one class present: no variance
        return 0.0
    return float(cov_tp / np.sqrt(denom))


# ---------------------------------------------------------------------------
# Ranking metrics
# ---------------------------------------------------------------------------


def _threshold_counts(y_true: np.ndarray, scores: np.ndarray):
    """TP and FP counts when predicting positive for score >= each distinct score.

    Returns (tps, fps, thresholds), thresholds decreasing.
    """
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    y = y_true[order]
    # The last index of each run of equal scores: a threshold between two
    # equal scores does not exist, so tied examples enter together. (s[1:] !=
    # s[:-1], not np.diff(s) != 0: the difference of two huge scores can
    # overflow to inf and warn.)
    last = np.append(np.flatnonzero(s[1:] != s[:-1]), s.size - 1)
    tps = np.cumsum(y)[last].astype(np.float64)
    fps = (last + 1) - tps
    return tps, fps, s[last]


def roc_curve(y_true, scores, drop_intermediate: bool = True):
    """(fpr, tpr, thresholds) as scikit-learn >= 1.3 returns them."""
    y_true, scores = _binary_scores("roc_curve", y_true, scores)
    tps, fps, thresholds = _threshold_counts(y_true, scores)
    if drop_intermediate and fps.size > 2:
        # A point whose neighbours are collinear with it in both coordinates
        # (second difference 0) is on a straight segment and adds nothing to
        # the curve or its area: scikit-learn drops it by default.
        keep = np.concatenate(([True], (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), [True]))
        tps, fps, thresholds = tps[keep], fps[keep], thresholds[keep]
    # The curve starts at (0, 0), the threshold above every score (+inf
    # since scikit-learn 1.3; older versions used max(score) + 1).
    tps = np.concatenate(([0.0], tps))
    fps = np.concatenate(([0.0], fps))
    thresholds = np.concatenate(([np.inf], thresholds))
    if fps[-1] == 0:
        warnings.warn(
            "roc_curve: no negative samples in y_true, fpr is undefined", UserWarning, stacklevel=2
        )
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] == 0:
        warnings.warn(
            "roc_curve: no positive samples in y_true, tpr is undefined", UserWarning, stacklevel=2
        )
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def _one_class(name: str, y_true: np.ndarray) -> bool:
    if y_true.min() == y_true.max():
        warnings.warn(
            f"{name}: only one class is present in y_true; ROC AUC is not defined "
            "(returning nan, as scikit-learn 1.9 does)",
            UserWarning,
            stacklevel=2,
        )
        return True
    return False


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve by the trapezoid rule (ties get half credit)."""
    y_true, scores = _binary_scores("roc_auc", y_true, scores)
    if _one_class("roc_auc", y_true):
        return float("nan")
    tps, fps, _ = _threshold_counts(y_true, scores)
    tpr = np.concatenate(([0.0], tps)) / tps[-1]
    fpr = np.concatenate(([0.0], fps)) / fps[-1]
    # Trapezoids, not rectangles: a run of tied scores holding both classes is
    # a diagonal segment, and its trapezoid is exactly the "half credit for a
    # tie" of the Mann-Whitney statistic. (np.trapz is gone in NumPy 2.)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..N of x, ties sharing their average rank (scipy.stats.rankdata)."""
    order = np.argsort(x, kind="stable")
    s = x[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    ends = np.append(starts[1:], s.size)  # one past the last of each run
    # A run occupying sorted positions start..end-1 holds ranks start+1..end,
    # whose average is (start + 1 + end) / 2.
    run_rank = (starts + 1 + ends) / 2.0
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[order] = np.repeat(run_rank, ends - starts)
    return ranks


def auc_rank(y_true, scores) -> float:
    """ROC AUC from the Mann-Whitney U statistic: P(s+ > s-) + P(s+ = s-) / 2."""
    y_true, scores = _binary_scores("auc_rank", y_true, scores)
    if _one_class("auc_rank", y_true):
        return float("nan")
    pos = y_true == 1
    n_pos = int(pos.sum())
    n_neg = y_true.size - n_pos
    # Ranks must be AVERAGE ranks: ordinal ranks (argsort of argsort) break
    # ties by position, so tied scores would count as wins or losses.
    r_pos = _average_ranks(scores)[pos].sum()
    u = r_pos - n_pos * (n_pos + 1) / 2.0  # U: pairs won by the positive, ties 1/2
    return float(u / (n_pos * n_neg))


def precision_recall_curve(y_true, scores, drop_intermediate: bool = False):
    """(precision, recall, thresholds) in scikit-learn's order, ending at (P=1, R=0)."""
    y_true, scores = _binary_scores("precision_recall_curve", y_true, scores)
    tps, fps, thresholds = _threshold_counts(y_true, scores)
    if drop_intermediate and fps.size > 2:
        # Keep the first and last point of every run of equal TP: the points
        # in between sit on a vertical segment (same recall) of the PR plot.
        keep = np.concatenate(([True], (np.diff(tps[:-1]) != 0) | (np.diff(tps[1:]) != 0), [True]))
        tps, fps, thresholds = tps[keep], fps[keep], thresholds[keep]
    # tps + fps >= 1 at every threshold (it is a score of some example), so
    # precision never divides by 0 here.
    prec = tps / (tps + fps)
    if tps[-1] == 0:
        warnings.warn(
            "precision_recall_curve: no positive samples in y_true, recall is set to 1",
            UserWarning,
            stacklevel=2,
        )
        rec = np.ones_like(tps)
    else:
        rec = tps / tps[-1]
    # Reverse to increasing thresholds (decreasing recall) and append the
    # point (recall 0, precision 1), which has no threshold.
    return (
        np.concatenate((prec[::-1], [1.0])),
        np.concatenate((rec[::-1], [0.0])),
        thresholds[::-1].copy(),
    )


def average_precision(y_true, scores) -> float:
    """AP = sum_n (R_n - R_{n-1}) P_n: a step sum, never a trapezoid."""
    prec, rec, _ = precision_recall_curve(y_true, scores)
    # Recall decreases along the arrays, so -diff(rec) >= 0 is each recall
    # increment and prec[:-1] the precision reached at that increment. The
    # trapezoid would interpolate linearly between PR points, which is
    # optimistic (PR space does not interpolate linearly: Davis & Goadrich).
    return float(max(0.0, -np.sum(np.diff(rec) * prec[:-1])))


# ---------------------------------------------------------------------------
# Probabilistic metrics
# ---------------------------------------------------------------------------


def log_loss(y_true, p) -> float:
    """Mean negative log-likelihood, p clipped to [eps, 1 - eps] (scikit-learn 1.9)."""
    y = _as_labels("log_loss", y_true, "y_true")
    p = np.asarray(p, dtype=np.float64)
    if p.ndim not in (1, 2) or p.shape[0] != y.shape[0]:
        raise ValueError(
            f"log_loss: p must have shape (N,) or (N, C) for y_true of shape {y.shape}, "
            f"got {p.shape}"
        )
    if y.size == 0:
        raise ValueError("log_loss: empty input")
    if np.any(~np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise ValueError("log_loss: p must hold probabilities in [0, 1] (logits passed?)")
    if p.ndim == 1:
        if y.max() > 1:
            raise ValueError("log_loss: p of shape (N,) needs 0/1 labels")
        # Column 0 is formed as 1 - p BEFORE clipping, exactly as scikit-learn
        # stacks [1 - p, p] and clips both columns.
        p = np.stack([1.0 - p, p], axis=1)
    elif y.max() >= p.shape[1]:
        raise ValueError(f"log_loss: label {y.max()} out of range for {p.shape[1]} columns")
    eps = np.finfo(np.float64).eps
    # Only the probability of the true class enters (the other terms are
    # 0 * log(...)). The clip keeps log(0) away: without it one confidently
    # wrong prediction makes the mean infinite.
    p_true = np.clip(p[np.arange(y.size), y], eps, 1.0 - eps)
    return float(-np.mean(np.log(p_true)))


def expected_calibration_error(y_true, p, n_bins: int = 10) -> float:
    """ECE over equal-width bins (a, b] of the confidence (first bin [0, b])."""
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"expected_calibration_error: n_bins must be a positive int, got {n_bins}")
    y = _as_labels("expected_calibration_error", y_true, "y_true")
    p = np.asarray(p, dtype=np.float64)
    if p.ndim not in (1, 2) or p.shape[0] != y.shape[0] or y.size == 0:
        raise ValueError(
            f"expected_calibration_error: p has shape {p.shape}, y_true has shape {y.shape}"
        )
    if p.ndim == 1:
        # Binary reliability: confidence is P(y = 1), "accuracy" the fraction
        # of positives in the bin (scikit-learn's calibration_curve).
        conf, hit = p, (y == 1).astype(np.float64)
    else:
        # Top-label (Guo et al. 2017): confidence is the max probability,
        # accuracy whether the argmax is right.
        conf = p.max(axis=1)
        hit = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    # searchsorted(..., side="left") on the inner edges puts a value equal to
    # an edge in the LOWER bin: bins are (a, b]. np.digitize's default puts it
    # in the upper one.
    bins = np.searchsorted(edges[1:-1], conf, side="left")
    sum_conf = np.bincount(bins, weights=conf, minlength=n_bins)
    sum_hit = np.bincount(bins, weights=hit, minlength=n_bins)
    # sum_b (n_b / N) |acc_b - conf_b| = (1 / N) sum_b |sum_hit_b - sum_conf_b|:
    # no division by an empty bin's count is ever needed.
    return float(np.sum(np.abs(sum_hit - sum_conf)) / y.size)


def regression_metrics(y_true, y_pred) -> dict:
    """mse, rmse, mae and r2 (scikit-learn's r2_score conventions)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"regression_metrics: y_true has shape {y_true.shape}, y_pred has shape "
            f"{y_pred.shape}; both must be the same non-empty (N,)"
        )
    r = y_true - y_pred
    mse = float(np.mean(r**2))
    ss_res = float(np.sum(r**2))
    # Centre first, then square: sum(y^2) - N mean^2 cancels catastrophically
    # when the targets have a large offset (prices near 1e6, say).
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    if y_true.size < 2:
        warnings.warn(
            "regression_metrics: R^2 needs at least two samples", UserWarning, stacklevel=2
        )
        r2 = float("nan")
    elif ss_tot == 0:
        # Constant targets: scikit-learn's force_finite convention.
        r2 = 1.0 if ss_res == 0 else 0.0
    else:
        r2 = 1.0 - ss_res / ss_tot
    return {"mse": mse, "rmse": math.sqrt(mse), "mae": float(np.mean(np.abs(r))), "r2": r2}


# ---------------------------------------------------------------------------
# Comparing two models
# ---------------------------------------------------------------------------


def mcnemar_test(y_true, pred_a, pred_b):
    """Exact McNemar test on the discordant pairs: (b, c, two-sided p-value)."""
    y_true, pred_a = _label_pair("mcnemar_test", y_true, pred_a)
    _, pred_b = _label_pair("mcnemar_test", y_true, pred_b)
    right_a = pred_a == y_true
    right_b = pred_b == y_true
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    n = b + c
    # Under H0 each discordant pair is a fair coin: min(b, c) ~ Binomial(n, 1/2).
    # Exact integers: comb(n, i) * 0.5**n overflows for n near 1100 and
    # 0.5**n underflows; Python's int / int is correctly rounded at any size.
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    p_value = min(1.0, 2 * tail / 2**n)
    return b, c, p_value


def paired_bootstrap_ci(metric, y_true, pred_a, pred_b, n_boot, rng, alpha=0.05):
    """Percentile CI for metric(A) - metric(B), resampling the SAME rows for both."""
    y_true = np.asarray(y_true)
    pred_a = np.asarray(pred_a)
    pred_b = np.asarray(pred_b)
    n = y_true.shape[0]
    if pred_a.shape[0] != n or pred_b.shape[0] != n or n == 0:
        raise ValueError(
            f"paired_bootstrap_ci: lengths differ: {n}, {pred_a.shape[0]}, {pred_b.shape[0]}"
        )
    diff = float(metric(y_true, pred_a)) - float(metric(y_true, pred_b))
    deltas = np.empty(n_boot)
    for i in range(n_boot):
        # One index draw per replicate, used for both models: that is what
        # makes it paired. Resampling A and B independently throws away the
        # correlation between their errors and inflates the interval.
        idx = rng.integers(0, n, size=n)
        deltas[i] = float(metric(y_true[idx], pred_a[idx])) - float(
            metric(y_true[idx], pred_b[idx])
        )
    low, high = np.quantile(deltas, [alpha / 2, 1 - alpha / 2])
    return diff, float(low), float(high)


# ---------------------------------------------------------------------------
# Cross-validation splits
# ---------------------------------------------------------------------------


def _check_k(name: str, k, n: int, unit: str = "samples") -> None:
    if isinstance(k, bool) or int(k) != k or k < 2:
        raise ValueError(f"{name}: k must be an integer >= 2, got {k!r}")
    if k > n:
        raise ValueError(f"{name}: k={k} is greater than the number of {unit}={n}")


def _folds_from_assignment(fold_of: np.ndarray, k: int):
    """(train_idx, val_idx) per fold from a fold label per sample, both sorted."""
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def k_fold_indices(n, k, shuffle=False, rng=None):
    """scikit-learn's KFold: the first n % k folds get one extra index."""
    _check_k("k_fold_indices", k, n)
    if shuffle and rng is None:
        raise ValueError("k_fold_indices: shuffle=True needs an rng")
    if not shuffle and rng is not None:
        # scikit-learn raises here too: an rng with shuffle=False means the
        # caller believes the data are shuffled when they are not.
        raise ValueError("k_fold_indices: an rng has no effect with shuffle=False")
    order = rng.permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1  # the remainder goes to the FIRST folds, one each
    fold_of = np.empty(n, dtype=np.intp)
    fold_of[order] = np.repeat(np.arange(k), sizes)
    return _folds_from_assignment(fold_of, k)


def stratified_k_fold_indices(y, k, rng=None):
    """Folds that keep each class's count within one of proportional."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"stratified_k_fold_indices: y must be 1-D, got shape {y.shape}")
    n = y.shape[0]
    _check_k("stratified_k_fold_indices", k, n)
    # Encode classes in order of first appearance (as scikit-learn does).
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    code = np.argsort(np.argsort(first))[inverse.ravel()]
    n_classes = first.size
    # Deal the class-sorted labels round-robin: fold f receives sorted[f::k].
    # Each class then lands floor or ceil of n_c / k times in every fold, and
    # the fold sizes differ by at most one. (Splitting every class with
    # array_split gives every remainder to fold 0: folds of unequal size.)
    dealt = np.sort(code)
    allocation = np.stack([np.bincount(dealt[f::k], minlength=n_classes) for f in range(k)])
    fold_of = np.empty(n, dtype=np.intp)
    for c in range(n_classes):
        folds_for_class = np.repeat(np.arange(k), allocation[:, c])
        if rng is not None:
            rng.shuffle(folds_for_class)
        fold_of[code == c] = folds_for_class
    return _folds_from_assignment(fold_of, k)


def group_k_fold_indices(groups, k):
    """scikit-learn's GroupKFold (no shuffle): no group is split across folds."""
    groups = np.asarray(groups)
    if groups.ndim != 1:
        raise ValueError(f"group_k_fold_indices: groups must be 1-D, got shape {groups.shape}")
    _, inverse = np.unique(groups, return_inverse=True)
    inverse = inverse.ravel()
    sizes = np.bincount(inverse)
    _check_k("group_k_fold_indices", k, sizes.size, unit="groups")
    # Largest group first (ties: the later group first, scikit-learn's reversed
    # stable argsort), each into the currently lightest fold.
    order = np.argsort(sizes, kind="stable")[::-1]
    load = np.zeros(k, dtype=np.int64)
    fold_of_group = np.empty(sizes.size, dtype=np.intp)
    for g in order:
        f = int(np.argmin(load))
        load[f] += sizes[g]
        fold_of_group[g] = f
    return _folds_from_assignment(fold_of_group[inverse], k)


def time_series_split_indices(n, k, gap=0):
    """scikit-learn's TimeSeriesSplit: train on the past, validate on the next block."""
    if isinstance(k, bool) or int(k) != k or k < 2:
        raise ValueError(f"time_series_split_indices: k must be an integer >= 2, got {k!r}")
    if gap < 0:
        raise ValueError(f"time_series_split_indices: gap must be >= 0, got {gap}")
    if k + 1 > n:
        raise ValueError(f"time_series_split_indices: k + 1 = {k + 1} folds > n = {n}")
    size = n // (k + 1)
    if n - gap - size * k <= 0:
        raise ValueError(f"time_series_split_indices: too many splits k={k} for n={n}, gap={gap}")
    out = []
    for start in range(n - k * size, n, size):
        # The gap drops the samples just before the validation block: with
        # lagged features or autocorrelated targets they would leak it.
        out.append((np.arange(start - gap), np.arange(start, start + size)))
    return out


def cross_validate(fit_fn, score_fn, X, y, k, rng):
    """Mean and std (ddof 0) of the validation score over k folds."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"cross_validate: X has {X.shape[0]} rows but y has {y.shape[0]}")
    folds = k_fold_indices(X.shape[0], k, shuffle=rng is not None, rng=rng)
    scores = []
    for train, val in folds:
        # Everything learned, including any preprocessing inside fit_fn, sees
        # the training fold only: that is the whole point of the exercise.
        model = fit_fn(X[train], y[train])
        scores.append(float(score_fn(model, X[val], y[val])))
    scores = np.asarray(scores)
    return float(scores.mean()), float(scores.std())


# ---------------------------------------------------------------------------
# Plot
# ---------------------------------------------------------------------------


def plot_roc_pr(y_true, scores, path):
    """ROC curve with the chance diagonal, PR curve with the prevalence baseline."""
    import matplotlib.pyplot as plt

    fpr, tpr, _ = roc_curve(y_true, scores)
    prec, rec, _ = precision_recall_curve(y_true, scores)
    prevalence = float(np.mean(np.asarray(y_true) == 1))
    fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(8, 3.6))
    ax_roc.plot(fpr, tpr, label=f"model (AUC = {roc_auc(y_true, scores):.3f})")
    ax_roc.plot([0.0, 1.0], [0.0, 1.0], "k--", label="chance")
    ax_roc.set(title="ROC curve", xlabel="false positive rate", ylabel="true positive rate")
    ax_roc.legend(loc="lower right", fontsize=8)
    ax_pr.plot(
        rec,
        prec,
        drawstyle="steps-post",
        label=f"model (AP = {average_precision(y_true, scores):.3f})",
    )
    ax_pr.plot([0.0, 1.0], [prevalence, prevalence], "k--", label="chance (prevalence)")
    ax_pr.set(title="Precision-recall curve", xlabel="recall", ylabel="precision")
    ax_pr.set_ylim(0.0, 1.05)
    ax_pr.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return fig


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
