"""Topic 19: evaluation metrics and cross-validation.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file (they are scikit-learn 1.9's, and the reference
solution matches scikit-learn to the last bit on random and tied inputs):

* labels are integers: 0/1 for the binary metrics (1 is the positive class),
  0..C-1 for the multiclass ones; ``scores`` are any real numbers where larger
  means "more positive" (probabilities, logits, margins);
* every scalar metric is returned as a Python float;
* a ratio whose denominator is 0 is 0.0 (scikit-learn's ``zero_division=0``),
  and it must be decided with an explicit test, never by dividing 0 by 0: the
  tests run with RuntimeWarning turned into an error;
* a metric that is undefined for the input (ROC AUC when y_true holds one
  class, R^2 of one sample) returns nan and warns with a UserWarning, as
  scikit-learn 1.9 does;
* no function modifies its input arrays;
* fold generators return a list of ``(train_idx, val_idx)`` pairs of integer
  arrays, each sorted ascending (scikit-learn builds them from boolean masks,
  so its indices come back sorted too).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises: threshold metrics
# ---------------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, n_classes=None) -> np.ndarray:
    """The confusion matrix: C[i, j] = #examples of true class i predicted as j.

    Rows are the TRUE class, columns the PREDICTED class (scikit-learn's
    layout). For binary labels C = [[TN, FP], [FN, TP]].

    Args:
        y_true: (N,) integer labels >= 0.
        y_pred: (N,) integer labels >= 0.
        n_classes: the number of classes C; None means max(label) + 1 over
            both arrays. Labels are column indices 0..C-1 (like
            tf.math.confusion_matrix): a class that never occurs still gets
            its (all-zero) row and column. scikit-learn instead keeps only the
            labels present unless you pass ``labels=np.arange(C)``; with that
            argument the two agree exactly.

    Returns:
        (C, C) integer ndarray whose entries sum to N.

    Raises:
        ValueError: if the shapes differ, or a label is >= n_classes.

    Hint: one np.bincount of y_true * C + y_pred, reshaped to (C, C). Beware
    ``C[y_true, y_pred] += 1``: fancy-index assignment does not accumulate
    repeated pairs (np.add.at does).
    """
    raise NotImplementedError


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples with y_pred == y_true (sklearn.metrics.accuracy_score).

        accuracy = (1 / N) sum_i [y_pred_i == y_true_i] = trace(C) / N

    Args:
        y_true: (N,) integer labels.
        y_pred: (N,) integer labels.

    Returns:
        float in [0, 1].

    Raises:
        ValueError: if the shapes differ.
    """
    raise NotImplementedError


def precision(y_true, y_pred) -> float:
    """Binary precision TP / (TP + FP) (precision_score(..., zero_division=0)).

    Of the examples predicted positive, the fraction that are positive. When
    nothing is predicted positive (TP + FP = 0) the value is 0.0.

    Args:
        y_true: (N,) labels in {0, 1}.
        y_pred: (N,) labels in {0, 1}.

    Returns:
        float in [0, 1].

    Raises:
        ValueError: if the shapes differ or a label is not 0 or 1.

    Hint: count with boolean masks, then test the denominator for 0 BEFORE
    dividing (0 / 0 warns and gives nan; the tests treat the warning as an error).
    """
    raise NotImplementedError


def recall(y_true, y_pred) -> float:
    """Binary recall (sensitivity, TPR) TP / (TP + FN), 0.0 when y_true has no 1.

    Args:
        y_true: (N,) labels in {0, 1}.
        y_pred: (N,) labels in {0, 1}.

    Returns:
        float in [0, 1].

    Raises:
        ValueError: if the shapes differ or a label is not 0 or 1.
    """
    raise NotImplementedError


def f1(y_true, y_pred) -> float:
    """Binary F1, the harmonic mean of precision and recall (f1_score, zero_division=0).

        F1 = 2 P R / (P + R) = 2 TP / (2 TP + FP + FN)

    The count form is defined whenever TP + FP + FN > 0; when all three are 0
    (no positive anywhere) the value is 0.0.

    Args:
        y_true: (N,) labels in {0, 1}.
        y_pred: (N,) labels in {0, 1}.

    Returns:
        float in [0, 1].

    Raises:
        ValueError: if the shapes differ or a label is not 0 or 1.

    Hint: not (P + R) / 2. Predicting everything positive has R = 1, so its
    arithmetic mean is at least 0.5 whatever the precision.
    """
    raise NotImplementedError


def fbeta(y_true, y_pred, beta: float) -> float:
    """Binary F-beta (fbeta_score, zero_division=0): recall weighted beta times as much.

        F_beta = (1 + b^2) P R / (b^2 P + R)
               = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP),   b = beta

    beta = 1 is F1; beta = 0 is exactly the precision (a valid value, not a
    missing one); large beta tends to the recall. 0.0 when the denominator is 0.

    Args:
        y_true: (N,) labels in {0, 1}.
        y_pred: (N,) labels in {0, 1}.
        beta: >= 0.

    Returns:
        float in [0, 1].

    Raises:
        ValueError: if beta < 0, the shapes differ or a label is not 0 or 1.
    """
    raise NotImplementedError


def precision_recall_f1(y_true, y_pred, average: str = "macro"):
    """Multiclass precision, recall and F1, averaged (precision_recall_fscore_support).

    The classes are the labels present in y_true or y_pred (scikit-learn's
    default). For each class c, one-vs-rest counts give TP_c, FP_c, FN_c and
    the support n_c = TP_c + FN_c. Per-class ratios with a zero denominator
    are 0.0 (zero_division=0).

    * "macro":    plain mean over classes of P_c, R_c, F1_c;
    * "weighted": mean weighted by the support n_c / N;
    * "micro":    pool the counts first, P = sum TP / (sum TP + sum FP), and the
                  same for R and F1. For single-label data this is the accuracy.

    Args:
        y_true: (N,) integer labels.
        y_pred: (N,) integer labels.
        average: "macro", "micro" or "weighted".

    Returns:
        (precision, recall, f1), three floats.

    Raises:
        ValueError: for an unknown average or if the shapes differ.

    Hint: FP_c is the column sum of the confusion matrix minus its diagonal
    entry, FN_c the row sum minus the diagonal. F1_c comes from the counts
    (2 TP_c / (2 TP_c + FP_c + FN_c)); the macro F1 is the mean of the F1_c,
    NOT the F1 of the macro precision and macro recall.
    """
    raise NotImplementedError


def matthews_corrcoef(y_true, y_pred) -> float:
    """Matthews correlation coefficient, binary and multiclass (sklearn's).

    Binary:      MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))
    Multiclass (Gorodkin's R_K), from the confusion matrix C with row sums t,
    column sums p, trace c and total n:

        MCC = (c n - t . p) / sqrt((n^2 - p . p)(n^2 - t . t))

    which reduces to the binary formula for two classes. It is the Pearson
    correlation between the one-hot truth and the one-hot prediction.
    0.0 when the denominator is 0 (one class predicted, or one present).

    Args:
        y_true: (N,) integer labels.
        y_pred: (N,) integer labels.

    Returns:
        float in [-1, 1].

    Hint: compute in float64. The binary denominator is a product of four
    counts: with counts near 1e5 it exceeds the int64 range (9.2e18) and
    silently wraps around.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: ranking metrics (scores, not labels)
# ---------------------------------------------------------------------------


def roc_curve(y_true, scores, drop_intermediate: bool = True):
    """The ROC curve, exactly as sklearn.metrics.roc_curve (scikit-learn >= 1.3).

    Predict positive when score >= t. Sort the scores in decreasing order;
    each DISTINCT score t is one threshold (tied examples cross it together),
    with counts TP(t) = #positives with score >= t and FP(t) likewise.

    * drop_intermediate=True (scikit-learn's default): among the points at
      the distinct scores, keep the first and the last, and drop an interior
      point when its FP and its TP are both the average of its two
      neighbours' (second differences of FP and TP both 0): it lies on the
      straight segment between them and changes neither the curve nor its
      area. drop_intermediate=False keeps every distinct score.
    * Then the point (0, 0) is put first, with threshold +inf (scikit-learn
      >= 1.3; versions before 1.3 used max(score) + 1).
    * fpr = FP / #negatives, tpr = TP / #positives. With no negative
      (positive) example the fpr (tpr) array is all nan, with a UserWarning.

    Args:
        y_true: (N,) labels in {0, 1}.
        scores: (N,) finite real scores, larger = more positive.
        drop_intermediate: as above.

    Returns:
        (fpr, tpr, thresholds): three float64 arrays of one length; fpr and
        tpr non-decreasing from (0, 0) to (1, 1); thresholds strictly
        decreasing from +inf.

    Raises:
        ValueError: if the shapes differ, a label is not 0/1 or a score is not finite.

    Hint: np.argsort(-scores, kind="stable"), then the last index of each run of
    equal sorted scores (where s[1:] != s[:-1], plus the final index); TP is
    np.cumsum(y_sorted) at those indices and FP = (index + 1) - TP.
    """
    raise NotImplementedError


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve (sklearn.metrics.roc_auc_score, binary).

    The trapezoid rule over the ROC points, sum of (fpr_i - fpr_{i-1}) *
    (tpr_i + tpr_{i-1}) / 2. A run of tied scores holding both classes is a
    diagonal segment, so a tie earns half credit; all scores equal gives 0.5.

    Undefined when y_true holds only one class: returns nan and warns
    (UserWarning), as scikit-learn 1.9 does (versions before 1.6 raised
    ValueError instead).

    Args:
        y_true: (N,) labels in {0, 1}.
        scores: (N,) finite real scores.

    Returns:
        float in [0, 1] (or nan, see above).

    Hint: write your own trapezoid sum (np.trapz is gone in NumPy 2). A
    rectangle (step) sum gives 0 or 1 for tied scores instead of 0.5.
    """
    raise NotImplementedError


def auc_rank(y_true, scores) -> float:
    """ROC AUC from ranks: the Mann-Whitney U statistic, in O(N log N).

        AUC = P(s+ > s-) + 0.5 P(s+ = s-)
            = (R+ - n+ (n+ + 1) / 2) / (n+ n-)

    where R+ is the sum of the ranks (1 = smallest score) of the positives,
    tied scores sharing the AVERAGE of the ranks they span. Equals roc_auc on
    every input, ties included; nan with a UserWarning when y_true holds one class.

    Args:
        y_true: (N,) labels in {0, 1}.
        scores: (N,) finite real scores.

    Returns:
        float in [0, 1] (or nan).

    Hint: np.argsort(np.argsort(s)) gives ordinal ranks, which break ties by
    position and are wrong here. Sort once, find each run of equal scores,
    and give every member (start + 1 + end) / 2 for a run covering sorted
    positions start..end-1.
    """
    raise NotImplementedError


def precision_recall_curve(y_true, scores, drop_intermediate: bool = False):
    """The PR curve, exactly as sklearn.metrics.precision_recall_curve (1.9).

    One point per distinct score t (predict positive when score >= t):
    precision = TP / (TP + FP), recall = TP / #positives. Returned in
    scikit-learn's order: thresholds INCREASING (so recall decreasing), and a
    final point (precision 1, recall 0) with no threshold, so precision and
    recall are one longer than thresholds.

    * drop_intermediate=False is scikit-learn's default. With True, among
      the points at the distinct scores (taken in decreasing-score order,
      before the final point is added) keep the first and the last and drop
      an interior point whose TP equals both its neighbours' TP (the middle
      of a vertical run: same recall).
    * With no positive in y_true, recall is 1 at every threshold (and 0 at
      the final point), with a UserWarning.

    Args:
        y_true: (N,) labels in {0, 1}.
        scores: (N,) finite real scores.
        drop_intermediate: as above.

    Returns:
        (precision, recall, thresholds): float64 arrays of lengths m + 1,
        m + 1 and m, m = number of points kept.

    Hint: the same sorted TP/FP counts as roc_curve, then reverse and append.
    TP + FP >= 1 at every threshold, so the precision never divides by 0.
    """
    raise NotImplementedError


def average_precision(y_true, scores) -> float:
    """Average precision (sklearn.metrics.average_precision_score, binary).

        AP = sum_n (R_n - R_{n-1}) P_n

    over the PR points at the distinct scores in decreasing order (R_0 = 0):
    the precision at each threshold weighted by the recall it adds. A step
    sum, NOT the trapezoid area under the PR curve (linear interpolation
    between PR points is optimistic). Tied scores form one step. With no
    positive in y_true it is 0.0 (with precision_recall_curve's warning).

    Args:
        y_true: (N,) labels in {0, 1}.
        scores: (N,) finite real scores.

    Returns:
        float in [0, 1].

    Hint: with (precision, recall) from precision_recall_curve (recall
    decreasing), AP = -sum(diff(recall) * precision[:-1]).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: probabilistic and regression metrics
# ---------------------------------------------------------------------------


def log_loss(y_true, p) -> float:
    """Mean negative log-likelihood (sklearn.metrics.log_loss, scikit-learn 1.9).

        log_loss = -(1 / N) sum_i log q_i,   q_i = clip(P(class y_i), eps, 1 - eps)

    with eps = np.finfo(np.float64).eps (about 2.2e-16): scikit-learn's
    default since 1.2 (before, 1e-15; its eps argument was removed in 1.5).
    So a certain, wrong prediction costs -log(eps) = 36.04, not infinity,
    and a certain, right one costs -log(1 - eps) = 2.2e-16, not 0.

    * p of shape (N,): P(y = 1), labels in {0, 1}. P(class 0) is formed as
      1 - p (in float64) and then clipped, as scikit-learn does.
    * p of shape (N, C): row i is a distribution over classes 0..C-1 and
      y_true holds column indices. Rows are used as given (not renormalised;
      scikit-learn 1.9 only warns when they do not sum to 1).
    * The classes are 0/1 or 0..C-1 whatever y_true contains: this equals
      scikit-learn's log_loss(..., labels=np.arange(C)) (without labels it
      refuses a y_true holding a single class).

    Args:
        y_true: (N,) integer labels.
        p: (N,) or (N, C) probabilities in [0, 1].

    Returns:
        float.

    Raises:
        ValueError: if p is outside [0, 1] (logits passed?), the shapes do
            not fit, or a label has no column.

    Hint: only the probability of the true class enters:
    p[np.arange(N), y_true] after stacking [1 - p, p] in the binary case.
    """
    raise NotImplementedError


def expected_calibration_error(y_true, p, n_bins: int = 10) -> float:
    """Expected calibration error over equal-width confidence bins.

        ECE = sum_b (n_b / N) |acc_b - conf_b|

    Bins are (b / B, (b + 1) / B] for b = 0..B-1 (B = n_bins), the first one
    also holding 0: a confidence exactly on an edge belongs to the LOWER bin,
    as in scikit-learn's calibration_curve(strategy="uniform") and Guo et
    al. (2017). Empty bins contribute nothing.

    * p of shape (N,): binary reliability; the confidence is p = P(y = 1) and
      acc_b is the fraction of positives in bin b (calibration_curve's
      prob_true); conf_b the mean p in the bin (prob_pred).
    * p of shape (N, C): top-label ECE; the confidence is max_c p[i, c] and
      acc_b the fraction of rows in the bin whose argmax equals y_true.

    Args:
        y_true: (N,) integer labels.
        p: (N,) or (N, C) probabilities.
        n_bins: B >= 1.

    Returns:
        float in [0, 1].

    Hint: bin = np.searchsorted(np.linspace(0, 1, B + 1)[1:-1], conf,
    side="left"); then np.bincount with weights. sum_b (n_b / N)|acc_b - conf_b|
    equals (1 / N) sum_b |sum of hits in b - sum of confidences in b|, which
    never divides by an empty bin's count.
    """
    raise NotImplementedError


def regression_metrics(y_true, y_pred) -> dict:
    """MSE, RMSE, MAE and R^2 as scikit-learn computes them.

        mse  = mean (y - yhat)^2        rmse = sqrt(mse)
        mae  = mean |y - yhat|
        r2   = 1 - SS_res / SS_tot,  SS_res = sum (y - yhat)^2,
                                     SS_tot = sum (y - mean y)^2

    R^2 conventions (r2_score with force_finite=True): when SS_tot = 0
    (constant targets) r2 is 1.0 for a perfect prediction and 0.0 otherwise;
    with a single sample it is nan with a UserWarning. R^2 is negative for a
    model worse than predicting the mean.

    Args:
        y_true: (N,) real targets.
        y_pred: (N,) real predictions.

    Returns:
        dict with float values under the keys "mse", "rmse", "mae", "r2".

    Raises:
        ValueError: unless both are (N,) with the same N >= 1.

    Hint: SS_tot from the centred targets, not sum(y^2) - N mean^2, which
    cancels catastrophically for targets like 1e8 + noise.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: comparing two models
# ---------------------------------------------------------------------------


def mcnemar_test(y_true, pred_a, pred_b):
    """Exact McNemar test of "A and B have the same error rate" on one test set.

    Only the discordant examples carry information:
        b = #(A right, B wrong),   c = #(A wrong, B right).
    Under H0 each discordant example is a fair coin, so min(b, c) ~
    Binomial(b + c, 1/2) and the two-sided exact p-value is

        p = min(1, 2 sum_{i=0}^{min(b,c)} C(b + c, i) / 2^(b + c)),

    1.0 when b + c = 0 (statsmodels' mcnemar(exact=True), and
    scipy.stats.binomtest(min(b, c), b + c).pvalue).

    Args:
        y_true: (N,) integer labels.
        pred_a: (N,) predictions of model A.
        pred_b: (N,) predictions of model B.

    Returns:
        (b, c, p_value): two ints and a float.

    Hint: for b + c near 1100, C(n, i) * 0.5**n overflows (C(n, n/2) > 1e308)
    and for larger n 0.5**n underflows. Python integers are exact at any
    size, and int / int is correctly rounded: math.comb and 2**n then one
    division.
    """
    raise NotImplementedError


def paired_bootstrap_ci(metric, y_true, pred_a, pred_b, n_boot, rng, alpha=0.05):
    """Percentile bootstrap interval for metric(A) - metric(B), paired.

    diff = metric(y_true, pred_a) - metric(y_true, pred_b) on all N rows.
    Then for each of n_boot replicates, in order: draw
    ``idx = rng.integers(0, N, size=N)`` (ONE call per replicate) and record
    metric(y_true[idx], pred_a[idx]) - metric(y_true[idx], pred_b[idx]).
    The interval is np.quantile(deltas, [alpha / 2, 1 - alpha / 2]) (NumPy's
    default linear interpolation).

    Paired: the same rows are resampled for both models, so errors the two
    share cancel in every replicate. Resampling each model's rows separately
    answers a different question and gives a much wider interval.

    Args:
        metric: callable(y_true, y_pred) -> float (e.g. accuracy).
        y_true: (N, ...) targets.
        pred_a: (N, ...) predictions (or scores) of model A.
        pred_b: (N, ...) predictions (or scores) of model B.
        n_boot: number of replicates >= 1.
        rng: np.random.Generator.
        alpha: 0.05 gives a 95 % interval.

    Returns:
        (diff, low, high): three floats.

    Raises:
        ValueError: if the lengths differ.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: cross-validation
# ---------------------------------------------------------------------------


def k_fold_indices(n, k, shuffle=False, rng=None):
    """The k folds of sklearn.model_selection.KFold(k, shuffle=...).

    Order the indices (0..n-1 as they are, or ``rng.permutation(n)`` when
    shuffle is True: one call, nothing else drawn), cut that order into k
    consecutive blocks, the first n % k blocks of size n // k + 1 and the rest
    of size n // k; block f is fold f's validation set, everything else its
    training set. Both arrays of each pair are returned sorted ascending.
    k == n is leave-one-out.

    Args:
        n: number of samples.
        k: number of folds, 2 <= k <= n.
        shuffle: permute before cutting.
        rng: np.random.Generator; required when shuffle is True and refused
            when it is False (scikit-learn raises too: a seed that does
            nothing hides the fact that the data are not shuffled).

    Returns:
        list of k pairs (train_idx, val_idx) of integer arrays.

    Raises:
        ValueError: if k < 2, k > n, shuffle without rng, or rng without shuffle.
    """
    raise NotImplementedError


def stratified_k_fold_indices(y, k, rng=None):
    """Stratified k folds: every class spread as evenly as possible.

    Guarantees (the tests check these, not one particular assignment):
    * every index is in exactly one validation set;
    * class c with n_c members has floor(n_c / k) or ceil(n_c / k) of them in
      every validation fold (within one of proportional);
    * the validation folds' sizes differ by at most one;
    * rng None: deterministic; with an rng the assignment within each class is
      random, reproducible from the seed.

    One construction that gives all four (scikit-learn's): sort the class
    codes and deal them round-robin, fold f receiving sorted[f::k]; that fixes
    how many of each class every fold gets; then hand class c's members, in
    index order, to the folds in that quantity (shuffled by rng if given).
    Without an rng the reference reproduces StratifiedKFold(k) exactly (classes
    coded in order of first appearance); with one, its draws differ from
    StratifiedKFold(shuffle=True), which uses another generator.
    Unlike scikit-learn it neither warns nor raises when a class has fewer
    than k members (that class is simply absent from some folds).

    Args:
        y: (n,) class labels (any values np.unique can sort).
        k: number of folds, 2 <= k <= n.
        rng: np.random.Generator or None.

    Returns:
        list of k pairs (train_idx, val_idx), both sorted ascending.

    Raises:
        ValueError: if k < 2 or k > n.

    Hint: np.array_split of each class separately gives every class's
    remainder to fold 0, so fold 0 ends up several examples larger.
    """
    raise NotImplementedError


def group_k_fold_indices(groups, k):
    """sklearn.model_selection.GroupKFold(k): no group is split across folds.

    All samples of one group (a patient, a user, a recording session) land in
    the same validation fold. scikit-learn's greedy balance, replicated
    exactly: take the groups from largest to smallest (equal sizes: the group
    that sorts LATER in np.unique order first) and put each into the fold
    with the fewest samples so far (the lowest fold index on a tie).

    Args:
        groups: (n,) group labels.
        k: number of folds, 2 <= k <= number of distinct groups.

    Returns:
        list of k pairs (train_idx, val_idx), both sorted ascending.

    Raises:
        ValueError: if k < 2 or k exceeds the number of groups.

    Hint: sizes = np.bincount(inverse) from np.unique(groups,
    return_inverse=True); np.argsort(sizes, kind="stable")[::-1] is the order.
    """
    raise NotImplementedError


def time_series_split_indices(n, k, gap=0):
    """sklearn.model_selection.TimeSeriesSplit(k, gap=gap): forward chaining.

    With size = n // (k + 1), validation block j (j = 0..k-1) is the indices
    [start_j, start_j + size) with start_j = n - (k - j) size, and its
    training set is every index before start_j - gap: the model only ever
    sees the past, and ``gap`` samples just before the block are left out
    (an embargo against leakage through lagged features). gap = 0 is valid.

    Args:
        n: number of time-ordered samples.
        k: number of splits >= 2.
        gap: samples dropped between train and validation, >= 0.

    Returns:
        list of k pairs (train_idx, val_idx): train_idx = arange(start_j - gap),
        val_idx = arange(start_j, start_j + size).

    Raises:
        ValueError: if k < 2, gap < 0, k + 1 > n, or n - gap - k size <= 0
            (the first training set would be empty).
    """
    raise NotImplementedError


def cross_validate(fit_fn, score_fn, X, y, k, rng):
    """k-fold cross-validation of a fit/score pair: (mean, std) of fold scores.

    Folds are k_fold_indices(N, k, shuffle=rng is not None, rng=rng). For
    each fold f, in order: model = fit_fn(X[train], y[train]), then
    score_f = score_fn(model, X[val], y[val]). Returns the mean and the
    np.std (ddof 0) of the k scores. Everything learned, preprocessing
    included, must happen inside fit_fn on the training fold only.

    Args:
        fit_fn: callable(X_train, y_train) -> model.
        score_fn: callable(model, X_val, y_val) -> float.
        X: (N, ...) inputs.
        y: (N, ...) targets.
        k: number of folds.
        rng: np.random.Generator (shuffled folds) or None (contiguous folds).

    Returns:
        (mean, std): two floats.

    Raises:
        ValueError: if X and y have different numbers of rows.
    """
    raise NotImplementedError


def plot_roc_pr(y_true, scores, path):
    """ROC and precision-recall curves side by side; save a PNG to path.

    Axes 0: the ROC curve as its FIRST line, x = fpr, y = tpr from
    roc_curve(y_true, scores) (default drop_intermediate), then the chance
    diagonal from (0, 0) to (1, 1).
    Axes 1: the PR curve as its FIRST line, x = recall, y = precision from
    precision_recall_curve(y_true, scores), drawn as steps
    (drawstyle="steps-post", the shape AP integrates), then the chance
    baseline: a horizontal line at the prevalence mean(y_true) from recall 0
    to 1. (The PR baseline is the prevalence, not 0.5.)

    Args:
        y_true: (N,) labels in {0, 1}, both classes present.
        scores: (N,) real scores.
        path: where to save the PNG.

    Returns:
        matplotlib.figure.Figure with exactly two Axes.

    Hint: import matplotlib.pyplot inside this function; fig, (a, b) =
    plt.subplots(1, 2, figsize=(8, 3.6)); fig.savefig(path, dpi=80).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _assert_float(value, what):
    assert isinstance(value, float), f"{what} returned {type(value).__name__}, expected a float"


def _assert_equal_array(actual, expected, what):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    message = (
        f"{what}:\n  returned {actual.tolist()} (shape {actual.shape})\n"
        f"  expected {expected.tolist()} (shape {expected.shape})"
    )
    assert actual.shape == expected.shape, message
    assert np.array_equal(actual, expected), message


def _call_warning(fn, *args, what):
    """fn(*args), which must warn with a UserWarning (any message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert messages, f"{what} should warn with a UserWarning (the metric is undefined here)"
    return result


# --- independent slow references (plain Python loops) -------------------------


def _loop_confusion(y_true, y_pred, n_classes):
    table = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(np.asarray(y_true).tolist(), np.asarray(y_pred).tolist(), strict=True):
        table[t][p] += 1
    return np.array(table)


def _loop_counts(y_true, y_pred):
    """(TP, FP, FN, TN) with a Python loop, class 1 positive."""
    tp = fp = fn = tn = 0
    for t, p in zip(np.asarray(y_true).tolist(), np.asarray(y_pred).tolist(), strict=True):
        if t == 1 and p == 1:
            tp += 1
        elif t == 0 and p == 1:
            fp += 1
        elif t == 1 and p == 0:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn


def _loop_threshold_points(y_true, scores):
    """[(threshold, TP, FP)] for each distinct score, decreasing: predict 1 iff score >= t."""
    y = np.asarray(y_true).tolist()
    s = np.asarray(scores, dtype=np.float64).tolist()
    points = []
    for t in sorted(set(s), reverse=True):
        tp = sum(1 for yi, si in zip(y, s, strict=True) if si >= t and yi == 1)
        fp = sum(1 for yi, si in zip(y, s, strict=True) if si >= t and yi == 0)
        points.append((t, tp, fp))
    return points


def _loop_roc(y_true, scores, drop_intermediate):
    points = _loop_threshold_points(y_true, scores)
    if drop_intermediate and len(points) > 2:
        kept = [points[0]]
        for i in range(1, len(points) - 1):
            (_, tp0, fp0), (_, tp1, fp1), (_, tp2, fp2) = points[i - 1], points[i], points[i + 1]
            collinear = (tp2 - tp1 == tp1 - tp0) and (fp2 - fp1 == fp1 - fp0)
            if not collinear:
                kept.append(points[i])
        kept.append(points[-1])
        points = kept
    n_pos = sum(np.asarray(y_true).tolist())
    n_neg = len(y_true) - n_pos
    fpr = [0.0] + [fp / n_neg for _, _, fp in points]
    tpr = [0.0] + [tp / n_pos for _, tp, _ in points]
    thresholds = [math.inf] + [t for t, _, _ in points]
    return np.array(fpr), np.array(tpr), np.array(thresholds)


def _pairwise_auc(y_true, scores):
    """P(s+ > s-) + P(s+ = s-) / 2 over all positive-negative pairs."""
    y = np.asarray(y_true).tolist()
    s = np.asarray(scores, dtype=np.float64).tolist()
    pos = [si for yi, si in zip(y, s, strict=True) if yi == 1]
    neg = [si for yi, si in zip(y, s, strict=True) if yi == 0]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def _loop_pr(y_true, scores, drop_intermediate=False):
    points = _loop_threshold_points(y_true, scores)
    if drop_intermediate and len(points) > 2:
        kept = [points[0]]
        for i in range(1, len(points) - 1):
            if not (points[i - 1][1] == points[i][1] == points[i + 1][1]):
                kept.append(points[i])
        kept.append(points[-1])
        points = kept
    n_pos = sum(np.asarray(y_true).tolist())
    precision = [tp / (tp + fp) for _, tp, fp in reversed(points)] + [1.0]
    recall = [tp / n_pos for _, tp, _ in reversed(points)] + [0.0]
    thresholds = [t for t, _, _ in reversed(points)]
    return np.array(precision), np.array(recall), np.array(thresholds)


def _loop_average_precision(y_true, scores):
    n_pos = sum(np.asarray(y_true).tolist())
    ap, previous_recall = 0.0, 0.0
    for _, tp, fp in _loop_threshold_points(y_true, scores):
        ap += (tp / n_pos - previous_recall) * (tp / (tp + fp))
        previous_recall = tp / n_pos
    return ap


def _tied_binary_case(rng, n, levels):
    """Labels with both classes and scores rounded to a few levels (many ties)."""
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    scores = np.round(rng.standard_normal(n) * levels) / levels
    return y, scores


# --- confusion_matrix ----------------------------------------------------------


def test_confusion_matrix_rows_are_true_columns_predicted(impl):
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    cm = impl.confusion_matrix(y_true, y_pred)
    # true 0: predicted 0 once and 1 twice; true 1: predicted 1, 2; true 2: predicted 2.
    expected = np.array([[1, 2, 0], [0, 1, 1], [0, 0, 1]])
    _assert_equal_array(cm, expected, "confusion_matrix([0,0,0,1,1,2], [0,1,1,1,2,2])")


def test_confusion_matrix_matches_loop_on_random_labels(impl, rng):
    for n, c in [(1, 3), (7, 2), (50, 4), (200, 6)]:
        y_true, y_pred = rng.integers(0, c, n), rng.integers(0, c, n)
        cm = impl.confusion_matrix(y_true, y_pred, n_classes=c)
        _assert_equal_array(
            cm, _loop_confusion(y_true, y_pred, c), f"confusion_matrix(N={n}, n_classes={c})"
        )
        assert cm.sum() == n, f"confusion_matrix(N={n}) entries sum to {cm.sum()}, expected {n}"


def test_confusion_matrix_counts_repeated_pairs(impl):
    # The same (true, pred) pair five times: fancy-index "+= 1" would count it once.
    cm = impl.confusion_matrix(np.array([1, 1, 1, 1, 1, 0]), np.array([0, 0, 0, 0, 0, 0]))
    _assert_equal_array(cm, [[1, 0], [5, 0]], "confusion_matrix(five times (1, 0), once (0, 0))")


def test_confusion_matrix_n_classes_pads_and_default_is_max_label_plus_one(impl):
    y_true, y_pred = np.array([0, 2]), np.array([2, 2])
    _assert_equal_array(
        impl.confusion_matrix(y_true, y_pred),
        [[0, 0, 1], [0, 0, 0], [0, 0, 1]],
        "confusion_matrix([0, 2], [2, 2]) (class 1 absent: labels are indices 0..max)",
    )
    _assert_equal_array(
        impl.confusion_matrix(np.array([1]), np.array([1]), n_classes=4),
        np.eye(4, dtype=int) * np.array([0, 1, 0, 0]),
        "confusion_matrix([1], [1], n_classes=4) (a batch of one)",
    )


def test_confusion_matrix_rejects_label_outside_n_classes(impl):
    with pytest.raises(ValueError):
        impl.confusion_matrix(np.array([0, 3]), np.array([0, 1]), n_classes=3)


def test_confusion_matrix_rejects_a_predicted_label_equal_to_n_classes(impl):
    # Label 3 with n_classes=3 is one past the last column (the boundary is >=, not >).
    # Unchecked, the flat index 0 * 3 + 3 silently lands in cell C[1, 0].
    with pytest.raises(ValueError):
        impl.confusion_matrix(np.array([0, 1]), np.array([3, 1]), n_classes=3)


def test_confusion_matrix_leaves_inputs_untouched(impl, rng, call_untouched):
    y_true, y_pred = rng.integers(0, 3, 9), rng.integers(0, 3, 9)
    call_untouched(impl.confusion_matrix, y_true, y_pred, what="confusion_matrix(y_true, y_pred)")


# --- accuracy, precision, recall, f1, fbeta -----------------------------------


def test_accuracy_counts_matches(impl):
    acc = impl.accuracy(np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 2, 0]))
    _assert_float(acc, "accuracy")
    assert acc == 0.6, f"accuracy([0,1,2,2,1], [0,2,2,2,0]) = {acc}, expected 3/5 = 0.6"


def test_accuracy_is_misleading_under_imbalance(impl):
    # 990 negatives, 10 positives, a model that always says 0.
    y_true = np.r_[np.zeros(990, dtype=int), np.ones(10, dtype=int)]
    y_pred = np.zeros(1000, dtype=int)
    acc = impl.accuracy(y_true, y_pred)
    assert acc == 0.99, f"accuracy(all-zero predictions, 1% positives) = {acc}, expected 0.99"


def test_accuracy_rejects_shapes_that_would_broadcast(impl):
    # y_true == y_pred with shapes (4,) and (4, 1) broadcasts to a (4, 4) table
    # of every pair, and (1,) against (4,) compares one label with all: both
    # silently give a wrong accuracy instead of an error.
    y = np.array([0, 1, 1, 0])
    for y_pred in (y[:, None], np.array([1])):
        with pytest.raises(ValueError):
            impl.accuracy(y, y_pred)


def test_accuracy_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.accuracy, np.array([0, 1, 1]), np.array([1, 1, 0]), what="accuracy")


def test_precision_recall_and_f1_binary_hand_counts(impl):
    # TP = 3, FP = 1, FN = 2, TN = 4.
    y_true = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    for fn, expected in [
        (impl.precision, 3 / 4),
        (impl.recall, 3 / 5),
        (impl.f1, 2 * 3 / (2 * 3 + 1 + 2)),
    ]:
        value = fn(y_true, y_pred)
        _assert_float(value, fn.__name__)
        assert abs(value - expected) < 1e-15, (
            f"{fn.__name__}(TP=3, FP=1, FN=2, TN=4) = {value}, expected {expected}"
        )


def test_precision_is_zero_when_nothing_is_predicted_positive(impl, call_quietly):
    y_true, y_pred = np.array([0, 1, 1, 0]), np.zeros(4, dtype=int)
    value = call_quietly(impl.precision, y_true, y_pred, what="precision(y_pred all 0)")
    assert value == 0.0, f"precision with no positive prediction = {value}, expected 0.0"


def test_precision_matches_loop_on_random_labels(impl, rng):
    for n in [1, 2, 5, 30, 301]:
        y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
        tp, fp, _, _ = _loop_counts(y_true, y_pred)
        expected = tp / (tp + fp) if tp + fp else 0.0
        value = impl.precision(y_true, y_pred)
        assert abs(value - expected) < 1e-15, f"precision(N={n}) = {value}, expected {expected}"


def test_precision_rejects_a_non_binary_label(impl):
    # A multiclass label passed to the binary metric must raise, not count as "not 1".
    with pytest.raises(ValueError):
        impl.precision(np.array([0, 1, 2]), np.array([0, 1, 1]))


def test_precision_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.precision, np.array([0, 1, 1]), np.array([1, 1, 0]), what="precision")


def test_recall_is_zero_when_there_are_no_positives(impl, call_quietly):
    value = call_quietly(
        impl.recall, np.zeros(3, dtype=int), np.array([1, 0, 1]), what="recall(y_true all 0)"
    )
    assert value == 0.0, f"recall with no positive in y_true = {value}, expected 0.0"


def test_recall_matches_loop_on_random_labels(impl, rng):
    for n in [1, 2, 5, 30, 301]:
        y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
        tp, _, fn, _ = _loop_counts(y_true, y_pred)
        expected = tp / (tp + fn) if tp + fn else 0.0
        value = impl.recall(y_true, y_pred)
        assert abs(value - expected) < 1e-15, f"recall(N={n}) = {value}, expected {expected}"


def test_recall_rejects_a_non_binary_label(impl):
    with pytest.raises(ValueError):
        impl.recall(np.array([0, 1, 1]), np.array([0, 2, 1]))


def test_recall_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.recall, np.array([0, 1, 1]), np.array([1, 1, 0]), what="recall")


def test_f1_is_the_harmonic_not_the_arithmetic_mean(impl):
    # Predict everything positive with 1 positive in 10: P = 0.1, R = 1.
    y_true = np.array([1] + [0] * 9)
    value = impl.f1(y_true, np.ones(10, dtype=int))
    expected = 2 * 0.1 * 1.0 / (0.1 + 1.0)  # 0.1818..., the arithmetic mean would be 0.55
    assert abs(value - expected) < 1e-15, f"f1(P=0.1, R=1) = {value}, expected {expected}"


def test_f1_is_zero_without_any_positive_and_quiet(impl, call_quietly):
    zeros = np.zeros(4, dtype=int)
    value = call_quietly(impl.f1, zeros, zeros, what="f1(all 0, all 0)")
    assert value == 0.0, f"f1 with TP = FP = FN = 0 is {value}, expected 0.0 (zero_division=0)"
    value = call_quietly(impl.f1, np.array([1, 0]), np.array([0, 0]), what="f1([1,0],[0,0])")
    assert value == 0.0, f"f1 with TP = 0, FN = 1 is {value}, expected 0.0"


def test_f1_matches_loop_on_random_labels(impl, rng):
    for n in [1, 3, 17, 400]:
        y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
        tp, fp, fn, _ = _loop_counts(y_true, y_pred)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        expected = 2 * p * r / (p + r) if p + r else 0.0
        value = impl.f1(y_true, y_pred)
        assert abs(value - expected) < 1e-14, f"f1(N={n}) = {value}, expected {expected}"


def test_f1_rejects_a_non_binary_label(impl):
    with pytest.raises(ValueError):
        impl.f1(np.array([0, 1, 2]), np.array([0, 1, 1]))


def test_f1_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.f1, np.array([0, 1, 1]), np.array([1, 1, 0]), what="f1")


def test_fbeta_beta_zero_is_precision_and_beta_one_is_f1(impl):
    # TP = 2, FP = 1, FN = 3: P = 2/3, R = 2/5.
    y_true = np.array([1, 1, 1, 1, 1, 0, 0])
    y_pred = np.array([1, 1, 0, 0, 0, 1, 0])
    for beta, expected in [(0, 2 / 3), (0.0, 2 / 3), (1, 2 * 2 / (2 * 2 + 1 + 3))]:
        value = impl.fbeta(y_true, y_pred, beta)
        assert abs(value - expected) < 1e-15, (
            f"fbeta(TP=2, FP=1, FN=3, beta={beta!r}) = {value}, expected {expected}"
        )


def test_fbeta_matches_the_weighted_harmonic_mean(impl, rng):
    for beta in [0.5, 2.0, 3.0]:
        y_true, y_pred = rng.integers(0, 2, 40), rng.integers(0, 2, 40)
        tp, fp, fn, _ = _loop_counts(y_true, y_pred)
        p, r = tp / (tp + fp), tp / (tp + fn)
        expected = (1 + beta**2) * p * r / (beta**2 * p + r)
        value = impl.fbeta(y_true, y_pred, beta)
        assert abs(value - expected) < 1e-14, f"fbeta(beta={beta}) = {value}, expected {expected}"
    # beta = 2 weighs recall: a high-recall, low-precision classifier scores above its F1.
    y_true = np.array([1, 1, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 1, 1, 0, 0])  # P = 0.5, R = 1
    value = impl.fbeta(y_true, y_pred, 2.0)
    assert abs(value - 5 * 0.5 / (4 * 0.5 + 1)) < 1e-15, f"fbeta(P=0.5, R=1, beta=2) = {value}"


def test_fbeta_rejects_negative_beta_and_is_quiet_at_zero_division(impl, call_quietly):
    with pytest.raises(ValueError):
        impl.fbeta(np.array([1, 0]), np.array([1, 0]), -1.0)
    zeros = np.zeros(3, dtype=int)
    value = call_quietly(impl.fbeta, zeros, zeros, 2.0, what="fbeta(all 0, all 0, 2)")
    assert value == 0.0, f"fbeta with TP = FP = FN = 0 is {value}, expected 0.0"


def test_fbeta_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.fbeta, np.array([0, 1, 1]), np.array([1, 1, 0]), 2.0, what="fbeta")


# --- precision_recall_f1 -------------------------------------------------------


def _loop_per_class(y_true, y_pred):
    labels = sorted(set(np.asarray(y_true).tolist()) | set(np.asarray(y_pred).tolist()))
    rows = []
    for c in labels:
        tp = fp = fn = 0
        for t, p in zip(np.asarray(y_true).tolist(), np.asarray(y_pred).tolist(), strict=True):
            tp += t == c and p == c
            fp += t != c and p == c
            fn += t == c and p != c
        rows.append((tp, fp, fn))
    return rows


def _safe(a, b):
    return a / b if b else 0.0


def test_precision_recall_f1_matches_loop_for_each_average(impl, rng):
    for n, c in [(1, 3), (12, 3), (60, 5), (250, 4)]:
        y_true = rng.integers(0, c, n)
        y_pred = np.where(rng.random(n) < 0.5, y_true, rng.integers(0, c, n))
        rows = _loop_per_class(y_true, y_pred)
        p = [_safe(tp, tp + fp) for tp, fp, _ in rows]
        r = [_safe(tp, tp + fn) for tp, _, fn in rows]
        f = [_safe(2 * tp, 2 * tp + fp + fn) for tp, fp, fn in rows]
        support = [tp + fn for tp, _, fn in rows]
        tp_all = sum(row[0] for row in rows)
        fp_all = sum(row[1] for row in rows)
        fn_all = sum(row[2] for row in rows)
        expected = {
            "macro": (np.mean(p), np.mean(r), np.mean(f)),
            "weighted": tuple(np.dot(m, support) / n for m in (p, r, f)),
            "micro": (
                _safe(tp_all, tp_all + fp_all),
                _safe(tp_all, tp_all + fn_all),
                _safe(2 * tp_all, 2 * tp_all + fp_all + fn_all),
            ),
        }
        for average, want in expected.items():
            got = impl.precision_recall_f1(y_true, y_pred, average=average)
            assert len(got) == 3, f"precision_recall_f1 returned {got!r}, expected 3 floats"
            for v in got:
                _assert_float(v, f"precision_recall_f1(average={average!r})")
            assert np.allclose(got, want, rtol=1e-13, atol=0), (
                f"precision_recall_f1(N={n}, C={c}, average={average!r}) = {got}, "
                f"expected {tuple(float(v) for v in want)}"
            )


def test_precision_recall_f1_micro_equals_accuracy(impl, rng):
    y_true, y_pred = rng.integers(0, 4, 37), rng.integers(0, 4, 37)
    acc = float(np.mean(y_true == y_pred))
    got = impl.precision_recall_f1(y_true, y_pred, average="micro")
    assert np.allclose(got, [acc] * 3, rtol=1e-14, atol=0), (
        f"precision_recall_f1(average='micro') = {got}; single-label micro P = R = F1 = "
        f"accuracy = {acc}"
    )


def test_precision_recall_f1_macro_counts_a_predicted_class_with_no_support(impl, call_quietly):
    # Class 2 is predicted once but never true: its recall is 0/0 -> 0, and it
    # still counts in the macro mean (scikit-learn: labels present in either array).
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 2, 1, 1])
    got = call_quietly(impl.precision_recall_f1, y_true, y_pred, "macro", what="macro P/R/F1")
    # class 0: P=1, R=1/2, F=2/3; class 1: P=R=F=1; class 2: P=R=F=0.
    expected = ((1 + 1 + 0) / 3, (0.5 + 1 + 0) / 3, (2 / 3 + 1 + 0) / 3)
    assert np.allclose(got, expected, rtol=1e-14, atol=0), (
        f"precision_recall_f1([0,0,1,1], [0,2,1,1], 'macro') = {got}, expected {expected}"
    )
    got = impl.precision_recall_f1(y_true, y_pred, "weighted")
    expected = (0.5 * 1 + 0.5 * 1, 0.5 * 0.5 + 0.5 * 1, 0.5 * 2 / 3 + 0.5 * 1)
    assert np.allclose(got, expected, rtol=1e-14, atol=0), (
        f"precision_recall_f1([0,0,1,1], [0,2,1,1], 'weighted') = {got}, expected {expected}"
    )


def test_precision_recall_f1_macro_f1_is_mean_of_per_class_f1(impl):
    # Macro F1 is not the F1 of macro P and macro R.
    y_true = np.array([0, 0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 2, 1, 0, 2])
    rows = _loop_per_class(y_true, y_pred)
    want = np.mean([_safe(2 * tp, 2 * tp + fp + fn) for tp, fp, fn in rows])
    _, _, got = impl.precision_recall_f1(y_true, y_pred, "macro")
    assert abs(got - want) < 1e-14, f"macro F1 = {got}, expected the mean per-class F1 {want}"


def test_precision_recall_f1_rejects_unknown_average(impl):
    with pytest.raises(ValueError):
        impl.precision_recall_f1(np.array([0, 1]), np.array([0, 1]), average="binary")


def test_precision_recall_f1_leaves_inputs_untouched(impl, rng, call_untouched):
    y_true, y_pred = rng.integers(0, 3, 8), rng.integers(0, 3, 8)
    call_untouched(impl.precision_recall_f1, y_true, y_pred, "weighted", what="P/R/F1")


# --- matthews_corrcoef --------------------------------------------------------


def _pearson_onehot(y_true, y_pred, c):
    """Pearson correlation of the one-hot matrices (Gorodkin), plain loops."""
    n = len(y_true)
    x = [[1.0 if t == k else 0.0 for k in range(c)] for t in np.asarray(y_true).tolist()]
    z = [[1.0 if p == k else 0.0 for k in range(c)] for p in np.asarray(y_pred).tolist()]
    mx = [sum(row[k] for row in x) / n for k in range(c)]
    mz = [sum(row[k] for row in z) / n for k in range(c)]
    sxz = sum((x[i][k] - mx[k]) * (z[i][k] - mz[k]) for i in range(n) for k in range(c))
    sxx = sum((x[i][k] - mx[k]) ** 2 for i in range(n) for k in range(c))
    szz = sum((z[i][k] - mz[k]) ** 2 for i in range(n) for k in range(c))
    return sxz / math.sqrt(sxx * szz)


def test_matthews_corrcoef_binary_closed_form(impl):
    # TP = 3, FP = 1, FN = 2, TN = 4.
    y_true = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    expected = (3 * 4 - 1 * 2) / math.sqrt(4 * 5 * 5 * 6)
    value = impl.matthews_corrcoef(y_true, y_pred)
    _assert_float(value, "matthews_corrcoef")
    assert abs(value - expected) < 1e-15, f"MCC(TP=3,FP=1,FN=2,TN=4) = {value}, expected {expected}"


def test_matthews_corrcoef_multiclass_is_onehot_pearson(impl, rng):
    for n, c in [(9, 3), (50, 4), (120, 5)]:
        y_true = rng.integers(0, c, n)
        y_pred = np.where(rng.random(n) < 0.4, y_true, rng.integers(0, c, n))
        expected = _pearson_onehot(y_true, y_pred, c)
        value = impl.matthews_corrcoef(y_true, y_pred)
        assert abs(value - expected) < 1e-12, (
            f"matthews_corrcoef(N={n}, C={c}) = {value}, expected {expected}"
        )


def test_matthews_corrcoef_extremes_and_undefined(impl, call_quietly):
    y = np.array([0, 1, 2, 1, 0])
    assert impl.matthews_corrcoef(y, y) == 1.0, "MCC(y, y) should be exactly 1.0"
    value = impl.matthews_corrcoef(np.array([0, 1, 0, 1]), np.array([1, 0, 1, 0]))
    assert value == -1.0, f"MCC of a perfectly inverted binary prediction = {value}, expected -1"
    for y_true, y_pred in [([0, 1, 1], [1, 1, 1]), ([1, 1, 1], [1, 1, 1]), ([2], [2])]:
        value = call_quietly(
            impl.matthews_corrcoef,
            np.array(y_true),
            np.array(y_pred),
            what=f"matthews_corrcoef({y_true}, {y_pred})",
        )
        assert value == 0.0, f"matthews_corrcoef({y_true}, {y_pred}) = {value}, expected 0.0"


def test_matthews_corrcoef_one_true_class_with_mixed_predictions_is_zero(impl, call_quietly):
    # y_true holds one class, the predictions several: the true one-hot matrix has
    # no variance, so the correlation is 0 / 0, defined as 0.0 (scikit-learn too),
    # even though the predicted classes vary.
    for y_true, y_pred in [([1, 1, 1], [0, 1, 1]), ([2, 2, 2], [0, 1, 2])]:
        value = call_quietly(
            impl.matthews_corrcoef,
            np.array(y_true),
            np.array(y_pred),
            what=f"matthews_corrcoef({y_true}, {y_pred})",
        )
        assert value == 0.0, f"matthews_corrcoef({y_true}, {y_pred}) = {value}, expected 0.0"


def test_matthews_corrcoef_large_counts_do_not_overflow(impl, call_quietly):
    # Counts near 1e5: the product of the four margins is ~1.6e21 > int64 max.
    tp, fp, fn, tn = 100_000, 30_000, 20_000, 150_000
    y_true = np.r_[np.ones(tp + fn, dtype=int), np.zeros(fp + tn, dtype=int)]
    y_pred = np.r_[np.ones(tp), np.zeros(fn), np.ones(fp), np.zeros(tn)].astype(int)
    expected = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    value = call_quietly(impl.matthews_corrcoef, y_true, y_pred, what="MCC at counts ~1e5")
    assert abs(value - expected) < 1e-12, (
        f"matthews_corrcoef(TP=1e5, FP=3e4, FN=2e4, TN=1.5e5) = {value}, expected {expected} "
        "(an int64 product of the four margins wraps around)"
    )


def test_matthews_corrcoef_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.matthews_corrcoef, np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]))


# --- roc_curve ----------------------------------------------------------------


def test_roc_curve_hand_example_starts_at_inf(impl, assert_close):
    y_true = np.array([0, 0, 1, 1])
    scores = np.array([0.1, 0.4, 0.35, 0.8])
    fpr, tpr, thr = impl.roc_curve(y_true, scores)
    assert_close(fpr, [0.0, 0.0, 0.5, 0.5, 1.0], tol=0, what="roc_curve fpr (4 points)")
    assert_close(tpr, [0.0, 0.5, 0.5, 1.0, 1.0], tol=0, what="roc_curve tpr (4 points)")
    assert_close(thr, [np.inf, 0.8, 0.4, 0.35, 0.1], tol=0, what="roc_curve thresholds")


def test_roc_curve_drops_collinear_points_by_default(impl, assert_close):
    # Scores 0.9, 0.8, 0.7 are all positives: the middle point (0, 2/3) is on the
    # vertical segment from (0, 1/3) to (0, 1) and is dropped by default.
    y_true = np.array([1, 1, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    fpr, tpr, thr = impl.roc_curve(y_true, scores)
    # Likewise (1/2, 1) at 0.6 lies on the horizontal run from (0, 1) to (1, 1).
    assert_close(fpr, [0.0, 0.0, 0.0, 1.0], tol=0, what="roc_curve(...) fpr, dropped")
    assert_close(tpr, [0.0, 1 / 3, 1.0, 1.0], tol=1e-15, what="roc_curve(...) tpr, dropped")
    assert_close(thr, [np.inf, 0.9, 0.7, 0.5], tol=0, what="roc_curve(...) thresholds")
    fpr, tpr, thr = impl.roc_curve(y_true, scores, drop_intermediate=False)
    assert_close(thr, [np.inf, 0.9, 0.8, 0.7, 0.6, 0.5], tol=0, what="thresholds, no dropping")
    assert_close(tpr, [0, 1 / 3, 2 / 3, 1, 1, 1], tol=1e-15, what="tpr, drop_intermediate=False")


def test_roc_curve_matches_loop_with_ties(impl, rng, assert_close):
    for n, levels in [(1 + 1, 1), (9, 1), (40, 2), (80, 4), (150, 1000)]:
        y, s = _tied_binary_case(rng, n, levels)
        for drop in (True, False):
            got = impl.roc_curve(y, s, drop_intermediate=drop)
            want = _loop_roc(y, s, drop)
            for name, a, b in zip(("fpr", "tpr", "thresholds"), got, want, strict=True):
                assert_close(
                    a, b, tol=1e-15, what=f"roc_curve(N={n}, drop_intermediate={drop}) {name}"
                )


def test_roc_curve_groups_tied_scores(impl, assert_close):
    # All four scores equal: one threshold, one jump straight to (1, 1).
    fpr, tpr, thr = impl.roc_curve(np.array([0, 1, 0, 1]), np.full(4, 0.3))
    assert_close(fpr, [0.0, 1.0], tol=0, what="roc_curve(all scores tied) fpr")
    assert_close(tpr, [0.0, 1.0], tol=0, what="roc_curve(all scores tied) tpr")
    assert_close(thr, [np.inf, 0.3], tol=0, what="roc_curve(all scores tied) thresholds")


def test_roc_curve_is_quiet_for_huge_and_tiny_scores(impl, call_quietly):
    # Adjacent sorted scores 1.7e308 and -1.7e308: their difference overflows, so
    # finding the runs of ties with np.diff(s) != 0 warns; s[1:] != s[:-1] does not.
    cases = [
        (np.array([1, 0, 1, 0, 1]), np.array([1e308, -1e308, 1e-300, 0.0, -1e-300])),
        (np.array([1, 0, 0, 1]), np.array([1.7e308, -1.7e308, 1.7e308, -1.7e308])),
    ]
    for y, s in cases:
        for drop in (False, True):
            got = call_quietly(
                impl.roc_curve, y, s, drop, what=f"roc_curve(scores {s.tolist()}, {drop})"
            )
            want = _loop_roc(y, s, drop)
            for name, a, b in zip(("fpr", "tpr", "thresholds"), got, want, strict=True):
                _assert_equal_array(a, b, f"roc_curve(scores {s.tolist()}, {drop}) {name}")


def test_roc_curve_one_class_gives_nan_rates_with_warning(impl):
    y, s = np.array([1, 1, 1]), np.array([0.1, 0.2, 0.3])
    fpr, tpr, _ = _call_warning(impl.roc_curve, y, s, what="roc_curve([1, 1, 1], scores)")
    assert np.all(np.isnan(fpr)), f"roc_curve(no negatives) fpr = {fpr}, expected all nan"
    # TP = 1, 2, 3 at FP = 0 are collinear: the middle point is dropped by default.
    assert np.allclose(tpr, [0, 1 / 3, 1]), (
        f"roc_curve(no negatives) tpr = {tpr}, expected [0, 1/3, 1]"
    )


def test_roc_curve_leaves_inputs_untouched(impl, rng, call_untouched):
    y, s = _tied_binary_case(rng, 12, 2)
    call_untouched(impl.roc_curve, y, s, what="roc_curve(y_true, scores)")


# --- roc_auc and auc_rank -----------------------------------------------------


def test_roc_auc_hand_example(impl):
    value = impl.roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    _assert_float(value, "roc_auc")
    assert value == 0.75, f"roc_auc([0,0,1,1], [0.1,0.4,0.35,0.8]) = {value}, expected 0.75"


def test_roc_auc_gives_ties_half_credit(impl):
    value = impl.roc_auc(np.array([0, 1, 0, 1, 1]), np.full(5, 2.0))
    assert value == 0.5, f"roc_auc(all scores equal) = {value}, expected 0.5 (ties: half)"
    # One tied pair out of four: pos 0.8 beats both negatives, pos 0.3 beats 0.1 and ties 0.3.
    value = impl.roc_auc(np.array([1, 1, 0, 0]), np.array([0.8, 0.3, 0.3, 0.1]))
    assert value == 0.875, f"roc_auc with one tied pair = {value}, expected 3.5 / 4 = 0.875"


def test_roc_auc_matches_pairwise_probability(impl, rng):
    for n, levels in [(2, 1), (15, 1), (60, 3), (200, 1000)]:
        y, s = _tied_binary_case(rng, n, levels)
        expected = _pairwise_auc(y, s)
        value = impl.roc_auc(y, s)
        assert abs(value - expected) <= 1e-14, f"roc_auc(N={n}) = {value}, expected {expected}"


def test_roc_auc_is_invariant_to_monotone_transforms(impl, rng):
    y, s = _tied_binary_case(rng, 50, 3)
    base = impl.roc_auc(y, s)
    for name, t in [("exp", np.exp(s)), ("3s - 7", 3 * s - 7), ("sigmoid", 1 / (1 + np.exp(-s)))]:
        value = impl.roc_auc(y, t)
        assert abs(value - base) < 1e-14, (
            f"roc_auc(y, {name}(s)) = {value} but roc_auc(y, s) = {base}"
        )


def test_roc_auc_of_hard_boolean_predictions_is_balanced_accuracy(impl):
    # Scores may be any real numbers, bool included (hard 0/1 predictions). With
    # two score levels the ROC curve has one inner point (FPR, TPR), so
    # AUC = (TPR + 1 - FPR) / 2. Here TPR = 2/3, FPR = 1/4: AUC = (2/3 + 3/4) / 2.
    # (-scores on a bool array raises; on uint8 it wraps around: convert first.)
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    scores = np.array([True, True, False, True, False, False, False])
    expected = (2 / 3 + 3 / 4) / 2
    value = impl.roc_auc(y, scores)
    assert abs(value - expected) <= 1e-15, (
        f"roc_auc(y = {y.tolist()}, bool scores = {scores.astype(int).tolist()}) = {value}, "
        f"expected {expected}"
    )
    value = impl.roc_auc(y, scores.astype(np.uint8))
    assert abs(value - expected) <= 1e-15, (
        f"roc_auc(y, the same scores as uint8) = {value}, expected {expected}"
    )


def test_roc_auc_one_class_is_nan_with_warning(impl):
    y, s = np.array([0, 0, 0]), np.array([0.1, 0.5, 0.9])
    value = _call_warning(impl.roc_auc, y, s, what="roc_auc([0, 0, 0], scores)")
    _assert_float(value, "roc_auc(y_true all 0)")
    assert math.isnan(value), f"roc_auc(y_true all 0) = {value!r}, expected nan (scikit-learn 1.9)"


def test_roc_auc_leaves_inputs_untouched(impl, rng, call_untouched):
    y, s = _tied_binary_case(rng, 12, 2)
    call_untouched(impl.roc_auc, y, s, what="roc_auc(y_true, scores)")


def test_auc_rank_hand_example_and_ties(impl):
    value = impl.auc_rank(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    _assert_float(value, "auc_rank")
    assert value == 0.75, f"auc_rank([0,0,1,1], [0.1,0.4,0.35,0.8]) = {value}, expected 0.75"
    value = impl.auc_rank(np.array([1, 1, 0, 0]), np.array([0.8, 0.3, 0.3, 0.1]))
    assert value == 0.875, f"auc_rank with one tied pair = {value}, expected 0.875"
    value = impl.auc_rank(np.array([0, 1, 1, 0, 1]), np.full(5, -4.0))
    assert value == 0.5, f"auc_rank(all scores equal) = {value}, expected 0.5"


def test_auc_rank_matches_pairwise_probability_with_ties(impl, rng):
    for n, levels in [(2, 1), (15, 1), (60, 3), (301, 1000)]:
        y, s = _tied_binary_case(rng, n, levels)
        expected = _pairwise_auc(y, s)
        value = impl.auc_rank(y, s)
        assert abs(value - expected) <= 1e-14, f"auc_rank(N={n}) = {value}, expected {expected}"


def test_auc_rank_large_interleaved_closed_form(impl):
    # Negatives at scores 0, 2, 4, ..., positives at 1, 3, 5, ...: the positive at
    # 2i + 1 beats i + 1 negatives, so AUC = (m + 1) / (2 m) with m of each.
    m = 20_000
    scores = np.arange(2 * m, dtype=np.float64)
    y = (np.arange(2 * m) % 2).astype(int)
    value = impl.auc_rank(y, scores)
    expected = (m + 1) / (2 * m)
    assert abs(value - expected) < 1e-14, (
        f"auc_rank(interleaved, m={m}) = {value}, expected {expected}"
    )


def test_auc_rank_one_class_is_nan_with_warning(impl):
    y, s = np.array([1, 1]), np.array([0.1, 0.5])
    value = _call_warning(impl.auc_rank, y, s, what="auc_rank([1, 1], scores)")
    assert math.isnan(value), f"auc_rank(y_true all 1) = {value!r}, expected nan"


def test_auc_rank_leaves_inputs_untouched(impl, rng, call_untouched):
    y, s = _tied_binary_case(rng, 12, 2)
    call_untouched(impl.auc_rank, y, s, what="auc_rank(y_true, scores)")


# --- precision_recall_curve and average_precision -----------------------------


def test_precision_recall_curve_hand_example_in_sklearn_order(impl, assert_close):
    prec, rec, thr = impl.precision_recall_curve(
        np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    )
    assert_close(prec, [0.5, 2 / 3, 0.5, 1.0, 1.0], tol=1e-15, what="precision_recall_curve P")
    assert_close(rec, [1.0, 1.0, 0.5, 0.5, 0.0], tol=0, what="precision_recall_curve R")
    assert_close(thr, [0.1, 0.35, 0.4, 0.8], tol=0, what="precision_recall_curve thresholds")


def test_precision_recall_curve_matches_loop_with_ties(impl, rng, assert_close):
    for n, levels in [(2, 1), (9, 1), (40, 2), (120, 1000)]:
        y, s = _tied_binary_case(rng, n, levels)
        for drop in (False, True):
            got = impl.precision_recall_curve(y, s, drop_intermediate=drop)
            want = _loop_pr(y, s, drop)
            for name, a, b in zip(("precision", "recall", "thresholds"), got, want, strict=True):
                assert_close(
                    a, b, tol=1e-15, what=f"precision_recall_curve(N={n}, drop={drop}) {name}"
                )


def test_precision_recall_curve_ends_at_recall_zero_precision_one(impl, rng):
    y, s = _tied_binary_case(rng, 30, 5)
    prec, rec, thr = impl.precision_recall_curve(y, s)
    end = (
        f"precision_recall_curve should end at (precision 1, recall 0), got ({prec[-1]}, {rec[-1]})"
    )
    assert prec[-1] == 1.0, end
    assert rec[-1] == 0.0, end
    assert prec.shape == rec.shape == (thr.size + 1,), (
        f"shapes {prec.shape}, {rec.shape}, {thr.shape}: precision and recall are one longer"
    )
    assert np.all(np.diff(thr) > 0), f"thresholds must increase, got {thr}"
    assert np.all(np.diff(rec) <= 0), f"recall must not increase along the arrays, got {rec}"


def test_precision_recall_curve_default_keeps_every_distinct_score(impl):
    y = np.array([1, 1, 1, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    _, _, thr = impl.precision_recall_curve(y, s)
    _assert_equal_array(thr, [0.5, 0.6, 0.7, 0.8, 0.9], "precision_recall_curve default thresholds")


def test_precision_recall_curve_no_positive_sets_recall_one_with_warning(impl):
    y, s = np.zeros(3, dtype=int), np.array([0.1, 0.2, 0.3])
    prec, rec, _ = _call_warning(impl.precision_recall_curve, y, s, what="PR curve, no positive")
    _assert_equal_array(rec, [1.0, 1.0, 1.0, 0.0], "precision_recall_curve(no positive) recall")
    _assert_equal_array(prec, [0.0, 0.0, 0.0, 1.0], "precision_recall_curve(no positive) precision")


def test_precision_recall_curve_leaves_inputs_untouched(impl, rng, call_untouched):
    y, s = _tied_binary_case(rng, 12, 2)
    call_untouched(impl.precision_recall_curve, y, s, what="precision_recall_curve(y, scores)")


def test_average_precision_hand_example_is_a_step_sum(impl):
    # Thresholds 0.8, 0.4, 0.35, 0.1: recall steps of 0.5 at precision 1 and 2/3.
    value = impl.average_precision(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    _assert_float(value, "average_precision")
    expected = 0.5 * 1.0 + 0.5 * (2 / 3)
    assert abs(value - expected) < 1e-15, (
        f"average_precision = {value}, expected {expected} (a trapezoid would give 0.7917)"
    )


def test_average_precision_matches_loop_with_ties(impl, rng):
    for n, levels in [(2, 1), (11, 1), (50, 2), (200, 1000)]:
        y, s = _tied_binary_case(rng, n, levels)
        expected = _loop_average_precision(y, s)
        value = impl.average_precision(y, s)
        assert abs(value - expected) <= 1e-14, (
            f"average_precision(N={n}) = {value}, expected {expected}"
        )


def test_average_precision_does_not_depend_on_the_order_of_tied_examples(impl, rng):
    y = np.array([1, 0, 0, 1, 1, 0, 0, 0])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.2, 0.9, 0.1])
    expected = _loop_average_precision(y, s)
    for _ in range(5):
        perm = rng.permutation(y.size)
        value = impl.average_precision(y[perm], s[perm])
        assert abs(value - expected) < 1e-15, (
            f"average_precision after reordering tied examples = {value}, expected {expected}: "
            "tied scores must enter as one step"
        )


def test_average_precision_of_random_scores_is_near_prevalence(impl):
    # The PR baseline is the prevalence: random scores give AP close to 0.1 here.
    rng = np.random.default_rng(7)
    y = (rng.random(20_000) < 0.1).astype(int)
    value = impl.average_precision(y, rng.random(20_000))
    assert abs(value - y.mean()) < 0.01, f"AP of random scores = {value}, prevalence {y.mean()}"


def test_average_precision_leaves_inputs_untouched(impl, rng, call_untouched):
    y, s = _tied_binary_case(rng, 12, 2)
    call_untouched(impl.average_precision, y, s, what="average_precision(y, scores)")


# --- log_loss -----------------------------------------------------------------


def _loop_log_loss(y_true, p):
    eps = np.finfo(np.float64).eps
    p = np.asarray(p, dtype=np.float64)
    total = 0.0
    for i, label in enumerate(np.asarray(y_true).tolist()):
        if p.ndim == 1:
            q = float(p[i]) if label == 1 else 1.0 - float(p[i])
        else:
            q = float(p[i, label])
        total += -math.log(min(max(q, eps), 1.0 - eps))
    return total / len(y_true)


def test_log_loss_binary_matches_loop(impl, rng):
    for n in [1, 4, 100]:
        y = rng.integers(0, 2, n)
        p = rng.random(n)
        value = impl.log_loss(y, p)
        _assert_float(value, "log_loss")
        expected = _loop_log_loss(y, p)
        assert abs(value - expected) <= 1e-14 * expected, (
            f"log_loss(binary, N={n}) = {value}, expected {expected}"
        )


def test_log_loss_multiclass_matches_loop(impl, rng):
    for n, c in [(1, 3), (7, 4), (64, 10)]:
        y = rng.integers(0, c, n)
        p = rng.dirichlet(np.full(c, 0.7), size=n)
        expected = _loop_log_loss(y, p)
        value = impl.log_loss(y, p)
        assert abs(value - expected) <= 1e-14 * expected, (
            f"log_loss(p of shape {p.shape}) = {value}, expected {expected}"
        )


def test_log_loss_clips_at_machine_epsilon(impl, call_quietly):
    eps = np.finfo(np.float64).eps
    cases = [
        ("y=1, p=0", [1], [0.0], -math.log(eps)),
        ("y=0, p=1", [0], [1.0], -math.log(eps)),
        ("y=1, p=1", [1], [1.0], -math.log(1 - eps)),
        ("y=1, p=1e-300", [1], [1e-300], -math.log(eps)),
        ("y=1, p=1e-10", [1], [1e-10], -math.log(1e-10)),
    ]
    for name, y, p, expected in cases:
        value = call_quietly(impl.log_loss, np.array(y), np.array(p), what=f"log_loss({name})")
        assert abs(value - expected) <= 1e-14 * expected, (
            f"log_loss({name}) = {value}, expected {expected} "
            "(clip to [eps, 1 - eps] with eps = np.finfo(float64).eps, as scikit-learn 1.9)"
        )
    p = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    value = call_quietly(impl.log_loss, np.array([0, 2]), p, what="log_loss(multiclass zeros)")
    assert abs(value - (-math.log(eps))) <= 1e-14 * value, (
        f"log_loss with zero probability on both true classes = {value}, expected {-math.log(eps)}"
    )


def test_log_loss_single_class_y_is_allowed(impl):
    value = impl.log_loss(np.array([1, 1]), np.array([0.5, 0.25]))
    expected = -(math.log(0.5) + math.log(0.25)) / 2
    assert abs(value - expected) < 1e-15, (
        f"log_loss([1,1], [0.5,0.25]) = {value}, expected {expected}"
    )


def test_log_loss_rejects_non_probabilities(impl):
    for p in (np.array([0.2, 1.5]), np.array([-0.1, 0.5])):
        with pytest.raises(ValueError):
            impl.log_loss(np.array([0, 1]), p)


def test_log_loss_rejects_a_label_without_a_column(impl):
    # Binary p (N,) with a label 2, or (N, 3) with a label 3: a ValueError,
    # not an IndexError from the fancy index (or a wrong column).
    cases = [
        (np.array([0, 2]), np.array([0.3, 0.6])),
        (np.array([0, 3]), np.full((2, 3), 1.0 / 3.0)),
    ]
    for y, p in cases:
        with pytest.raises(ValueError):
            impl.log_loss(y, p)


def test_log_loss_leaves_inputs_untouched(impl, rng, call_untouched):
    p = np.array([0.0, 0.3, 1.0, 0.9])
    call_untouched(impl.log_loss, np.array([1, 0, 0, 1]), p, what="log_loss(binary with 0 and 1)")
    p2 = rng.dirichlet(np.ones(3), size=5)
    call_untouched(impl.log_loss, rng.integers(0, 3, 5), p2, what="log_loss(multiclass)")


# --- expected_calibration_error -------------------------------------------------


def _loop_ece(y_true, p, n_bins):
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y_true).tolist()
    edges = [b / n_bins for b in range(n_bins + 1)]
    sums = [[0, 0.0, 0.0] for _ in range(n_bins)]  # count, confidence, hits
    for i, label in enumerate(y):
        if p.ndim == 1:
            conf, hit = float(p[i]), float(label == 1)
        else:
            conf = float(p[i].max())
            hit = float(int(np.argmax(p[i])) == label)
        b = 0
        while b < n_bins - 1 and conf > edges[b + 1]:
            b += 1
        sums[b][0] += 1
        sums[b][1] += conf
        sums[b][2] += hit
    return sum(c / len(y) * abs(h / c - s / c) for c, s, h in sums if c)


def test_expected_calibration_error_hand_example(impl):
    # Bin (0.5, 1]: confidences 0.9, 0.9, 0.6, 0.6 with labels 1, 1, 0, 1.
    # Bin [0, 0.5]: 0.2, 0.2 with labels 0, 1.
    y = np.array([1, 1, 0, 1, 0, 1])
    p = np.array([0.9, 0.9, 0.6, 0.6, 0.2, 0.2])
    value = impl.expected_calibration_error(y, p, n_bins=2)
    _assert_float(value, "expected_calibration_error")
    expected = 4 / 6 * abs(3 / 4 - 0.75) + 2 / 6 * abs(1 / 2 - 0.2)
    assert abs(value - expected) < 1e-15, f"ECE(2 bins) = {value}, expected {expected}"


def test_expected_calibration_error_edge_goes_to_lower_bin(impl):
    # With 2 bins, 0.5 is in [0, 0.5], together with 0.0: acc 1/2, mean confidence 1/4.
    # Put in the upper bin instead, the two errors no longer cancel: 0.75.
    value = impl.expected_calibration_error(np.array([0, 1]), np.array([0.5, 0.0]), n_bins=2)
    assert abs(value - 0.25) < 1e-15, (
        f"ECE([0, 1], [0.5, 0.0], n_bins=2) = {value}, expected 0.25: bins are (a, b], "
        "0.5 belongs with 0.0 in the first bin"
    )
    value = impl.expected_calibration_error(np.array([0, 1]), np.array([0.25, 0.0]), n_bins=4)
    assert abs(value - 0.375) < 1e-15, (
        f"ECE([0, 1], [0.25, 0.0], n_bins=4) = {value}, expected 0.375"
    )
    # 1.0 is in the last bin (0.9, 1], 0.0 in the first [0, 0.1].
    value = impl.expected_calibration_error(np.array([0, 1]), np.array([1.0, 0.0]))
    assert abs(value - 1.0) < 1e-15, f"ECE([0, 1], [1.0, 0.0]) = {value}, expected 1.0"


def test_expected_calibration_error_matches_loop(impl, rng):
    for n, bins in [(1, 10), (20, 1), (50, 5), (300, 15)]:
        y = rng.integers(0, 2, n)
        p = np.round(rng.random(n) * 20) / 20  # many values on bin edges
        expected = _loop_ece(y, p, bins)
        value = impl.expected_calibration_error(y, p, bins)
        assert abs(value - expected) <= 1e-14, (
            f"ECE(binary, N={n}, {bins} bins) = {value}, expected {expected}"
        )
        c = 4
        y = rng.integers(0, c, n)
        probs = rng.dirichlet(np.full(c, 0.5), size=n)
        expected = _loop_ece(y, probs, bins)
        value = impl.expected_calibration_error(y, probs, bins)
        assert abs(value - expected) <= 1e-14, (
            f"ECE(top-label, p shape {probs.shape}, {bins} bins) = {value}, expected {expected}"
        )


def test_expected_calibration_error_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(
        impl.expected_calibration_error, rng.integers(0, 2, 9), rng.random(9), 3, what="ECE"
    )


# --- regression_metrics --------------------------------------------------------


def _loop_regression(y_true, y_pred):
    y = np.asarray(y_true, dtype=np.float64).tolist()
    f = np.asarray(y_pred, dtype=np.float64).tolist()
    n = len(y)
    mean = math.fsum(y) / n
    ss_res = math.fsum((a - b) ** 2 for a, b in zip(y, f, strict=True))
    ss_tot = math.fsum((a - mean) ** 2 for a in y)
    return {
        "mse": ss_res / n,
        "rmse": math.sqrt(ss_res / n),
        "mae": math.fsum(abs(a - b) for a, b in zip(y, f, strict=True)) / n,
        "r2": 1 - ss_res / ss_tot,
    }


def _check_metrics(got, want, what, tol):
    assert isinstance(got, dict), f"{what} returned {got!r}, expected a dict"
    assert set(got) == set(want), f"{what} has keys {sorted(got)}, expected {sorted(want)}"
    for key in want:
        assert isinstance(got[key], float), f"{what}[{key!r}] is {type(got[key]).__name__}"
        assert abs(got[key] - want[key]) <= tol * max(1.0, abs(want[key])), (
            f"{what}[{key!r}] = {got[key]}, expected {want[key]}"
        )


def test_regression_metrics_hand_example(impl):
    # Residuals 1, -1, 2, 0: SS_res = 6, mean of y = 2.5, SS_tot = 5.
    got = impl.regression_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 3.0, 1.0, 4.0]))
    want = {"mse": 1.5, "rmse": math.sqrt(1.5), "mae": 1.0, "r2": 1 - 6 / 5}
    _check_metrics(got, want, "regression_metrics([1,2,3,4], [0,3,1,4])", 1e-15)


def test_regression_metrics_match_loop(impl, rng):
    for n in [2, 5, 200]:
        y = rng.standard_normal(n) * 3 + 1
        f = y + rng.standard_normal(n) * 0.5
        _check_metrics(
            impl.regression_metrics(y, f),
            _loop_regression(y, f),
            f"regression_metrics(N={n})",
            1e-13,
        )


def test_regression_metrics_r2_survives_a_large_offset(impl, rng):
    # Targets near 1e8 with unit spread: sum(y^2) - N mean^2 loses every digit.
    y = 1e8 + rng.standard_normal(50)
    f = y + 0.3 * rng.standard_normal(50)
    _check_metrics(
        impl.regression_metrics(y, f), _loop_regression(y, f), "regression_metrics(y ~ 1e8)", 1e-9
    )


def test_regression_metrics_r2_conventions(impl):
    got = impl.regression_metrics(np.array([3.0, 3.0]), np.array([3.0, 3.0]))
    assert got["r2"] == 1.0, (
        f"r2 for constant targets predicted exactly = {got['r2']}, expected 1.0"
    )
    got = impl.regression_metrics(np.array([3.0, 3.0]), np.array([3.0, 4.0]))
    assert got["r2"] == 0.0, f"r2 for constant targets, imperfect = {got['r2']}, expected 0.0"
    got = impl.regression_metrics(np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, 0.0]))
    assert abs(got["r2"] - (1 - 8 / 2)) < 1e-15, f"r2 of a reversed fit = {got['r2']}, expected -3"
    got = _call_warning(
        impl.regression_metrics,
        np.array([1.0]),
        np.array([2.0]),
        what="regression_metrics([1], [2])",
    )
    assert math.isnan(got["r2"]), f"regression_metrics(one sample) = {got}, expected r2 nan"
    assert got["mse"] == 1.0, f"regression_metrics(one sample) = {got}, expected mse 1.0"


def test_regression_metrics_mae_is_robust_mse_is_not(impl):
    base = np.zeros(10)
    pred = np.zeros(10)
    pred[0] = 100.0  # one outlier residual
    got = impl.regression_metrics(base, pred)
    assert got["mae"] == 10.0, f"one residual of 100 in 10: mae {got['mae']}, expected 10"
    assert got["mse"] == 1000.0, f"one residual of 100 in 10: mse {got['mse']}, expected 1000"


def test_regression_metrics_rejects_shapes_that_would_broadcast(impl):
    # y_true (3,) minus y_pred (3, 1) is a (3, 3) array: an MSE over all pairs.
    y = np.array([1.0, 2.0, 4.0])
    with pytest.raises(ValueError):
        impl.regression_metrics(y, y[:, None])


def test_regression_metrics_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.regression_metrics, rng.random(6), rng.random(6), what="regression_metrics")


# --- mcnemar_test --------------------------------------------------------------


def _exact_mcnemar_p(b, c):
    n = b + c
    if n == 0:
        return 1.0
    from fractions import Fraction

    tail = Fraction(sum(math.comb(n, i) for i in range(min(b, c) + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def _discordant_case(n_both, b, c, n_neither):
    """Labels all 0; a model is right when it predicts 0 and wrong when it predicts 2."""
    y = np.zeros(n_both + b + c + n_neither, dtype=int)
    right, wrong = np.zeros, lambda m: np.full(m, 2)
    a = np.r_[right(n_both), right(b), wrong(c), wrong(n_neither)].astype(int)
    bb = np.r_[right(n_both), wrong(b), right(c), wrong(n_neither)].astype(int)
    return y, a, bb


def test_mcnemar_test_counts_discordant_pairs_and_exact_p(impl):
    y = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    a = np.array([0, 1, 1, 0, 0, 1, 1, 0])  # right on 0,1,2,3,6
    b = np.array([0, 0, 1, 1, 1, 1, 0, 0])  # right on 0,2,4
    got = impl.mcnemar_test(y, a, b)
    # A right & B wrong: 1, 3, 6 -> b = 3; A wrong & B right: 4 -> c = 1.
    expected_p = 2 * (1 + 4) / 16  # 2 P(X <= 1), X ~ Bin(4, 1/2)
    assert tuple(got[:2]) == (3, 1), f"mcnemar_test (b, c) = {got[:2]}, expected (3, 1)"
    assert abs(got[2] - expected_p) < 1e-15, f"mcnemar_test p = {got[2]}, expected {expected_p}"


def test_mcnemar_test_no_discordant_pairs_gives_p_one(impl):
    y = np.array([0, 1, 2])
    got = impl.mcnemar_test(y, y, y)
    assert tuple(got) == (0, 0, 1.0), f"mcnemar_test(identical) = {got}, expected (0, 0, 1.0)"


def test_mcnemar_test_large_counts_stay_exact(impl, call_quietly):
    # b + c = 1500: comb(1500, 700) ~ 1e449 overflows a float; 0.5**1500 ~ 3e-452 underflows.
    for b, c in [(700, 800), (800, 700), (600, 900)]:
        y, a, bb = _discordant_case(50, b, c, 30)
        got = call_quietly(impl.mcnemar_test, y, a, bb, what=f"mcnemar_test(b={b}, c={c})")
        expected = _exact_mcnemar_p(b, c)
        assert got[:2] == (b, c), f"mcnemar_test counts {got[:2]}, expected ({b}, {c})"
        assert abs(got[2] - expected) <= 1e-12 * expected, (
            f"mcnemar_test(b={b}, c={c}) p = {got[2]}, expected {expected}"
        )


def test_mcnemar_test_leaves_inputs_untouched(impl, rng, call_untouched):
    y, a, b = rng.integers(0, 2, 10), rng.integers(0, 2, 10), rng.integers(0, 2, 10)
    call_untouched(impl.mcnemar_test, y, a, b, what="mcnemar_test(y, a, b)")


# --- paired_bootstrap_ci --------------------------------------------------------


def _accuracy_metric(y, p):
    return float(np.mean(np.asarray(y) == np.asarray(p)))


def test_paired_bootstrap_ci_replays_the_pinned_draws(impl):
    data = np.random.default_rng(3)
    y = data.integers(0, 2, 40)
    a = np.where(data.random(40) < 0.8, y, 1 - y)
    b = np.where(data.random(40) < 0.7, y, 1 - y)
    got = impl.paired_bootstrap_ci(_accuracy_metric, y, a, b, 200, np.random.default_rng(11), 0.1)
    draws = np.random.default_rng(11)
    deltas = []
    for _ in range(200):
        idx = draws.integers(0, 40, size=40)
        deltas.append(_accuracy_metric(y[idx], a[idx]) - _accuracy_metric(y[idx], b[idx]))
    want = (
        _accuracy_metric(y, a) - _accuracy_metric(y, b),
        *np.quantile(np.array(deltas), [0.05, 0.95]).tolist(),
    )
    assert len(got) == 3, f"paired_bootstrap_ci returned {got!r}, expected (diff, low, high)"
    assert np.allclose(got, want, rtol=1e-14, atol=1e-15), (
        f"paired_bootstrap_ci(accuracy, N=40, n_boot=200, alpha=0.1) = {got}, expected {want} "
        "(one rng.integers(0, N, size=N) per replicate, shared by both models)"
    )


def test_paired_bootstrap_ci_identical_models_give_a_zero_width_interval(impl, rng):
    y = rng.integers(0, 2, 30)
    a = rng.integers(0, 2, 30)
    got = impl.paired_bootstrap_ci(_accuracy_metric, y, a, a.copy(), 100, rng)
    assert got == (0.0, 0.0, 0.0), (
        f"paired_bootstrap_ci with pred_a == pred_b = {got}, expected (0.0, 0.0, 0.0): the "
        "same rows must be resampled for both models"
    )


def test_paired_bootstrap_ci_rejects_predictions_of_another_length(impl, rng):
    # pred_b one row longer than y_true: indexing with idx < N would silently
    # ignore its last row. (The metric here looks at the predictions only, so
    # it cannot raise on the mismatch itself: the check must be explicit.)
    def mean_prediction(y_true, y_pred):
        return float(np.mean(y_pred))

    y = rng.integers(0, 2, 10)
    with pytest.raises(ValueError):
        impl.paired_bootstrap_ci(mean_prediction, y, y.copy(), np.append(y, 1), 5, rng)


def test_paired_bootstrap_ci_leaves_inputs_untouched(impl, rng, call_untouched):
    y, a, b = rng.integers(0, 2, 12), rng.integers(0, 2, 12), rng.integers(0, 2, 12)
    call_untouched(
        impl.paired_bootstrap_ci, _accuracy_metric, y, a, b, 20, rng, what="paired_bootstrap_ci"
    )


# --- fold generators: shared checks ---------------------------------------------


def _check_partition(folds, n, k, what):
    assert isinstance(folds, list), f"{what} returned a {type(folds).__name__}, expected a list"
    assert len(folds) == k, f"{what} returned {len(folds)} folds, expected {k}"
    seen = np.zeros(n, dtype=int)
    for f, (train, val) in enumerate(folds):
        train, val = np.asarray(train), np.asarray(val)
        for name, idx in (("train", train), ("val", val)):
            assert idx.dtype.kind in "iu", f"{what} fold {f}: {name} has dtype {idx.dtype}"
            assert np.all(np.diff(idx) > 0), (
                f"{what} fold {f}: {name} {idx.tolist()} must be sorted ascending, no repeats"
            )
        assert np.intersect1d(train, val).size == 0, (
            f"{what} fold {f}: indices {np.intersect1d(train, val).tolist()} are in both train "
            "and validation"
        )
        assert train.size + val.size == n, (
            f"{what} fold {f}: train ({train.size}) + val ({val.size}) != n = {n}"
        )
        seen[val] += 1
    assert np.all(seen == 1), (
        f"{what}: every index must be in exactly one validation set; counts {seen.tolist()}"
    )


# --- k_fold_indices -------------------------------------------------------------


def test_k_fold_indices_first_folds_get_the_remainder(impl):
    folds = impl.k_fold_indices(10, 3)
    _check_partition(folds, 10, 3, "k_fold_indices(10, 3)")
    for (train, val), want in zip(folds, [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]], strict=True):
        _assert_equal_array(val, want, "k_fold_indices(10, 3) validation fold")
        _assert_equal_array(train, np.setdiff1d(np.arange(10), want), "k_fold_indices train")


def test_k_fold_indices_partition_for_many_n_and_k(impl):
    for n, k in [(2, 2), (5, 2), (7, 7), (23, 5), (100, 10), (101, 4)]:
        folds = impl.k_fold_indices(n, k)
        _check_partition(folds, n, k, f"k_fold_indices({n}, {k})")
        sizes = [len(v) for _, v in folds]
        want = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        assert sizes == want, f"k_fold_indices({n}, {k}) fold sizes {sizes}, expected {want}"


def test_k_fold_indices_k_equal_n_is_leave_one_out(impl):
    folds = impl.k_fold_indices(4, 4)
    for i, (train, val) in enumerate(folds):
        _assert_equal_array(val, [i], f"k_fold_indices(4, 4) fold {i} validation")
        _assert_equal_array(train, [j for j in range(4) if j != i], f"fold {i} train")


def test_k_fold_indices_rejects_bad_k_and_rng_misuse(impl):
    for n, k in [(3, 4), (5, 1), (5, 0)]:
        with pytest.raises(ValueError):
            impl.k_fold_indices(n, k)
    with pytest.raises(ValueError):
        impl.k_fold_indices(10, 2, shuffle=True)  # no rng
    with pytest.raises(ValueError):
        impl.k_fold_indices(10, 2, shuffle=False, rng=np.random.default_rng(0))


def test_k_fold_indices_shuffle_cuts_the_pinned_permutation(impl):
    n, k = 17, 4
    folds = impl.k_fold_indices(n, k, shuffle=True, rng=np.random.default_rng(5))
    _check_partition(folds, n, k, "k_fold_indices(17, 4, shuffle=True)")
    perm = np.random.default_rng(5).permutation(n)
    bounds = np.cumsum([0, 5, 4, 4, 4])
    for f, (_, val) in enumerate(folds):
        want = np.sort(perm[bounds[f] : bounds[f + 1]])
        _assert_equal_array(
            val, want, f"k_fold_indices(shuffle) fold {f} = sorted block of rng.permutation(17)"
        )


def test_k_fold_indices_shuffle_is_reproducible_and_seed_dependent(impl):
    first = impl.k_fold_indices(30, 3, shuffle=True, rng=np.random.default_rng(1))
    again = impl.k_fold_indices(30, 3, shuffle=True, rng=np.random.default_rng(1))
    other = impl.k_fold_indices(30, 3, shuffle=True, rng=np.random.default_rng(2))
    for (_, v1), (_, v2) in zip(first, again, strict=True):
        _assert_equal_array(v1, v2, "k_fold_indices with the same seed twice")
    assert any(not np.array_equal(v1, v3) for (_, v1), (_, v3) in zip(first, other, strict=True)), (
        "k_fold_indices gave the same folds for seeds 1 and 2: use the rng you are given"
    )


# --- stratified_k_fold_indices --------------------------------------------------


def _check_stratified(folds, y, k, what):
    n = len(y)
    _check_partition(folds, n, k, what)
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1, f"{what}: validation sizes {sizes} differ by more than 1"
    for c in np.unique(y):
        n_c = int(np.sum(y == c))
        counts = [int(np.sum(y[v] == c)) for _, v in folds]
        assert all(n_c // k <= m <= -(-n_c // k) for m in counts), (
            f"{what}: class {c} (n_c = {n_c}) appears {counts} times in the folds, "
            f"expected {n_c // k} or {-(-n_c // k)} in each"
        )


def test_stratified_k_fold_indices_keeps_class_proportions(impl, rng):
    cases = [
        np.array([0] * 6 + [1] * 3 + [2] * 1),
        np.array([1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1]),
        rng.integers(0, 4, 53),
        np.repeat([7, 3, 5], [20, 13, 2]),
    ]
    for y in cases:
        for k in (2, 3, 5):
            folds = impl.stratified_k_fold_indices(y, k)
            _check_stratified(folds, y, k, f"stratified_k_fold_indices(y of {len(y)}, k={k})")
            folds = impl.stratified_k_fold_indices(y, k, rng=rng)
            _check_stratified(folds, y, k, f"stratified_k_fold_indices(..., k={k}, rng)")


def test_stratified_k_fold_indices_balances_fold_sizes_with_many_remainders(impl):
    # Five classes of 4 with k = 3: each class leaves a remainder of 1. Giving every
    # remainder to fold 0 yields sizes (10, 5, 5) instead of (7, 7, 6).
    y = np.repeat(np.arange(5), 4)
    folds = impl.stratified_k_fold_indices(y, 3)
    _check_stratified(folds, y, 3, "stratified_k_fold_indices(5 classes of 4, k=3)")


def test_stratified_k_fold_indices_rng_is_used_and_reproducible(impl):
    y = np.repeat([0, 1], [30, 30])
    a = impl.stratified_k_fold_indices(y, 3, rng=np.random.default_rng(4))
    b = impl.stratified_k_fold_indices(y, 3, rng=np.random.default_rng(4))
    c = impl.stratified_k_fold_indices(y, 3, rng=np.random.default_rng(9))
    for (_, v1), (_, v2) in zip(a, b, strict=True):
        _assert_equal_array(v1, v2, "stratified_k_fold_indices with the same seed twice")
    assert any(not np.array_equal(v1, v3) for (_, v1), (_, v3) in zip(a, c, strict=True)), (
        "stratified_k_fold_indices gave the same folds for two seeds: use the rng"
    )


def test_stratified_k_fold_indices_rejects_bad_k(impl):
    for k in (1, 7):
        with pytest.raises(ValueError):
            impl.stratified_k_fold_indices(np.array([0, 1, 0, 1, 0, 1]), k)


def test_stratified_k_fold_indices_leaves_inputs_untouched(impl, call_untouched):
    y = np.array([2, 0, 1, 0, 2, 2, 1, 0, 0])
    call_untouched(
        impl.stratified_k_fold_indices, y, 3, np.random.default_rng(0), what="stratified folds"
    )


# --- group_k_fold_indices -------------------------------------------------------


def test_group_k_fold_indices_never_splits_a_group(impl, rng):
    for n, n_groups, k in [(10, 4, 2), (40, 9, 3), (100, 25, 5)]:
        groups = rng.integers(0, n_groups, n)
        k = min(k, len(np.unique(groups)))
        folds = impl.group_k_fold_indices(groups, k)
        _check_partition(folds, n, k, f"group_k_fold_indices(N={n}, k={k})")
        for f, (train, val) in enumerate(folds):
            shared = np.intersect1d(groups[train], groups[val])
            assert shared.size == 0, f"group_k_fold_indices fold {f}: groups {shared} are split"


def test_group_k_fold_indices_greedy_largest_group_first(impl):
    # Group sizes: a=5, b=3, c=3, d=2. Order: a, then c before b (equal size, later
    # label first), then d. Folds: a->0, c->1, b->1 (3 < 5), d->0? loads (5, 6): d->0.
    groups = np.array(list("aaaaabbbcccdd"))
    folds = impl.group_k_fold_indices(groups, 2)
    want_val = [
        np.flatnonzero(np.isin(groups, ["a", "d"])),
        np.flatnonzero(np.isin(groups, ["b", "c"])),
    ]
    for f, (_, val) in enumerate(folds):
        _assert_equal_array(val, want_val[f], f"group_k_fold_indices(a5 b3 c3 d2, k=2) fold {f}")


def test_group_k_fold_indices_equal_sizes_take_the_later_group_first(impl):
    # Sizes a=2, b=2, c=1: order b, a, c. b -> fold 0, a -> fold 1, c -> fold 0 (tie: lowest).
    groups = np.array(list("aabbc"))
    folds = impl.group_k_fold_indices(groups, 2)
    _assert_equal_array(folds[0][1], [2, 3, 4], "group_k_fold_indices(a2 b2 c1, k=2) fold 0 val")
    _assert_equal_array(folds[1][1], [0, 1], "group_k_fold_indices(a2 b2 c1, k=2) fold 1 val")


def test_group_k_fold_indices_rejects_more_folds_than_groups(impl):
    with pytest.raises(ValueError):
        impl.group_k_fold_indices(np.array([1, 1, 2, 2]), 3)


def test_group_k_fold_indices_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.group_k_fold_indices, np.array([3, 1, 3, 2, 1, 2]), 2, what="group folds")


# --- time_series_split_indices ---------------------------------------------------


def test_time_series_split_indices_forward_chaining(impl):
    folds = impl.time_series_split_indices(10, 3)
    # size = 10 // 4 = 2, starts 4, 6, 8.
    want = [(range(0, 4), range(4, 6)), (range(0, 6), range(6, 8)), (range(0, 8), range(8, 10))]
    assert len(folds) == 3, f"time_series_split_indices(10, 3) gave {len(folds)} splits"
    for j, ((train, val), (wt, wv)) in enumerate(zip(folds, want, strict=True)):
        _assert_equal_array(train, list(wt), f"time_series_split_indices(10, 3) split {j} train")
        _assert_equal_array(val, list(wv), f"time_series_split_indices(10, 3) split {j} val")


def test_time_series_split_indices_gap_and_gap_zero(impl):
    folds = impl.time_series_split_indices(12, 2, gap=2)
    # size = 4, starts 4 and 8, train ends 2 before each start.
    _assert_equal_array(folds[0][0], [0, 1], "time_series_split_indices(12, 2, gap=2) train 0")
    _assert_equal_array(
        folds[1][0], list(range(6)), "time_series_split_indices(12, 2, gap=2) train 1"
    )
    _assert_equal_array(
        folds[1][1], [8, 9, 10, 11], "time_series_split_indices(12, 2, gap=2) val 1"
    )
    folds = impl.time_series_split_indices(12, 2, gap=0)
    _assert_equal_array(
        folds[0][0], [0, 1, 2, 3], "time_series_split_indices(12, 2, gap=0) train 0"
    )


def test_time_series_split_indices_trains_only_on_the_past(impl):
    for n, k, gap in [(7, 6, 0), (50, 4, 3), (31, 5, 1)]:
        for train, val in impl.time_series_split_indices(n, k, gap):
            assert train.size > 0, f"time_series_split_indices({n}, {k}, {gap}): empty train"
            assert train.max() + gap < val.min(), (
                f"time_series_split_indices({n}, {k}, gap={gap}): train ends at {train.max()}, "
                f"validation starts at {val.min()}"
            )


def test_time_series_split_indices_rejects_impossible_splits(impl):
    for n, k, gap in [(3, 3, 0), (10, 1, 0), (6, 2, 2), (10, 2, -1)]:
        with pytest.raises(ValueError):
            impl.time_series_split_indices(n, k, gap)


# --- cross_validate -------------------------------------------------------------


def _least_squares_fit(X, y):
    Xb = np.c_[X, np.ones(len(X))]
    return np.linalg.lstsq(Xb, y, rcond=None)[0]


def _mse_score(w, X, y):
    return float(np.mean((np.c_[X, np.ones(len(X))] @ w - y) ** 2))


def _regression_data(seed=0, n=23, d=3):
    data = np.random.default_rng(seed)
    X = data.standard_normal((n, d))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.4 * data.standard_normal(n)
    return X, y


def _hand_cv(X, y, order, k):
    n = len(X)
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    scores, start = [], 0
    for size in sizes:
        val = np.sort(order[start : start + size])
        train = np.setdiff1d(np.arange(n), val)
        scores.append(_mse_score(_least_squares_fit(X[train], y[train]), X[val], y[val]))
        start += size
    return float(np.mean(scores)), float(np.std(scores))


def test_cross_validate_least_squares_matches_hand_loop(impl):
    X, y = _regression_data()
    got = impl.cross_validate(_least_squares_fit, _mse_score, X, y, 5, None)
    want = _hand_cv(X, y, np.arange(len(X)), 5)
    assert len(got) == 2, f"cross_validate returned {got!r}, expected (mean, std)"
    assert np.allclose(got, want, rtol=1e-12, atol=0), (
        f"cross_validate(least squares, N=23, k=5, rng=None) = {got}, expected (mean, std "
        f"ddof 0) = {want}"
    )


def test_cross_validate_with_rng_uses_the_shuffled_folds(impl):
    X, y = _regression_data(seed=1, n=20)
    got = impl.cross_validate(_least_squares_fit, _mse_score, X, y, 4, np.random.default_rng(8))
    want = _hand_cv(X, y, np.random.default_rng(8).permutation(20), 4)
    assert np.allclose(got, want, rtol=1e-12, atol=0), (
        f"cross_validate(..., k=4, rng=default_rng(8)) = {got}, expected {want} "
        "(folds from k_fold_indices(N, k, shuffle=True, rng=rng))"
    )


def test_cross_validate_fits_on_the_training_fold_only(impl):
    X, y = _regression_data(seed=2, n=12)
    calls = []

    def fit(X_train, y_train):
        calls.append(len(X_train))
        return _least_squares_fit(X_train, y_train)

    impl.cross_validate(fit, _mse_score, X, y, 3, None)
    assert calls == [8, 8, 8], (
        f"fit_fn was called with training sets of sizes {calls}, expected [8, 8, 8]"
    )


def test_cross_validate_rejects_more_targets_than_rows(impl):
    # y one row longer than X: folds cut from X's rows would silently drop y[-1].
    def fit(X, y):
        return float(np.mean(y))

    def score(model, X, y):
        return float(np.mean((y - model) ** 2))

    X = np.arange(8.0)[:, None]
    with pytest.raises(ValueError):
        impl.cross_validate(fit, score, X, np.arange(9.0), 2, None)


def test_cross_validate_leaves_inputs_untouched(impl, call_untouched):
    X, y = _regression_data(seed=3, n=10)
    call_untouched(
        impl.cross_validate, _least_squares_fit, _mse_score, X, y, 2, None, what="cross_validate"
    )


# --- plot_roc_pr --------------------------------------------------------------


def test_plot_roc_pr_draws_both_curves_and_baselines(impl, tmp_path, assert_close):
    from matplotlib.figure import Figure

    y = np.array([0, 1, 1, 0, 1, 0, 0, 0, 1, 0])
    s = np.array([0.1, 0.9, 0.6, 0.6, 0.3, 0.2, 0.7, 0.05, 0.8, 0.4])
    path = tmp_path / "roc_pr.png"
    fig = impl.plot_roc_pr(y, s, path)
    assert isinstance(fig, Figure), f"plot_roc_pr returned {type(fig).__name__}, expected a Figure"
    assert path.exists(), f"plot_roc_pr did not save {path}"
    assert len(fig.axes) == 2, f"plot_roc_pr made {len(fig.axes)} Axes, expected 2 (ROC, PR)"
    roc_ax, pr_ax = fig.axes
    fpr, tpr, _ = _loop_roc(y, s, True)
    line = roc_ax.get_lines()[0]
    assert_close(line.get_xdata(), fpr, tol=1e-15, what="plot_roc_pr: ROC line x (fpr)")
    assert_close(line.get_ydata(), tpr, tol=1e-15, what="plot_roc_pr: ROC line y (tpr)")
    prec, rec, _ = _loop_pr(y, s)
    line = pr_ax.get_lines()[0]
    assert_close(line.get_xdata(), rec, tol=1e-15, what="plot_roc_pr: PR line x (recall)")
    assert_close(line.get_ydata(), prec, tol=1e-15, what="plot_roc_pr: PR line y (precision)")
    assert line.get_drawstyle() == "steps-post", (
        f"plot_roc_pr: PR line drawstyle {line.get_drawstyle()!r}, expected 'steps-post'"
    )
    baselines = [np.asarray(ln.get_ydata(), dtype=float) for ln in pr_ax.get_lines()[1:]]
    assert any(b.size >= 2 and np.all(b == 0.4) for b in baselines), (
        "plot_roc_pr: the PR Axes needs a horizontal chance line at the prevalence 0.4, found "
        f"{[b.tolist() for b in baselines]}"
    )
    diagonals = [
        (np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata())) for ln in roc_ax.get_lines()[1:]
    ]
    assert any(np.array_equal(x, [0, 1]) and np.array_equal(yy, [0, 1]) for x, yy in diagonals), (
        "plot_roc_pr: the ROC Axes needs the chance diagonal from (0, 0) to (1, 1)"
    )


def test_plot_roc_pr_leaves_inputs_untouched(impl, tmp_path, call_untouched):
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.2, 0.7, 0.4, 0.5, 0.9])
    call_untouched(impl.plot_roc_pr, y, s, tmp_path / "p.png", what="plot_roc_pr")


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
