"""Topic 20: debugging and tuning.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

These are the tools of the debugging checklist in topic.md: a gradient check
for any layer, the tiny-batch overfit, per-layer health statistics (dead
ReLUs, gradient norms, update-to-weight ratios, the first non-finite tensor),
the learning-rate range test, three hyperparameter searches and a reader of
learning curves. Conventions for the whole file:

* nothing modifies the caller's arrays (work on copies);
* a diagnostic never hides a nan: a norm or an error of something that holds
  a nan is nan, so the problem stays visible;
* dicts keep their insertion order (a network's layers, first to last), and
  every function that walks a dict walks it in that order, never sorted;
* randomness only through the ``rng`` argument.

Suggested order: relative_error, check_layer_gradients, dead_relu_fraction,
layer_gradient_norms, update_to_weight_ratio, find_first_nonfinite,
overfit_tiny_batch, lr_range_test, suggest_lr, sample_log_uniform,
grid_search, random_search, diagnose_learning_curves, plot_learning_curves.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises: gradient checking
# ---------------------------------------------------------------------------


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The CS231n relative error between two arrays of the same shape.

        rel = max over entries i of  |a_i - b_i| / max(1e-8, |a_i| + |b_i|)

    The ratio is taken entry by entry, THEN the max: a norm ratio
    ||a - b|| / ||a + b|| lets the large entries hide a wrong small one. The
    floor 1e-8 makes two zeros agree (error 0) instead of 0 / 0 = nan.
    Rule of thumb in float64: < 1e-7 correct, 1e-7..1e-4 look closer (kinks?),
    > 1e-4 a bug (topic.md, "Gradient checking").

    Args:
        a, b: arrays (or nested lists) of the SAME shape, any shape.

    Returns:
        float; 0.0 for empty arrays; nan if any entry of a or b is nan (a nan
        gradient must never pass a check).

    Raises:
        ValueError: naming both shapes, if the shapes differ (no broadcasting:
            (3, 1) against (3,) would compare 9 pairs instead of 3).

    Hint: np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), then np.max
    (not np.nanmax).
    """
    raise NotImplementedError


def check_layer_gradients(forward, backward, inputs: dict, rng: np.random.Generator, h=1e-6):
    """Gradient-check a layer's backward pass against central differences, per input.

    ``forward(**inputs) -> (out, cache)`` and ``backward(dout, cache) ->
    grads``, where grads holds one gradient per input, IN THE DICT'S ORDER
    (inputs = {"x": x, "W": W, "b": b} means backward returns (dx, dW, db)).

    1. Call forward on float64 copies of the inputs; draw a RANDOM upstream
       gradient dout = rng.standard_normal(out.shape); grads = backward(dout, cache).
    2. For each input name, the numerical vector-Jacobian product is the
       gradient of the scalar  f = sum(forward(**inputs)[0] * dout)  with
       respect to that input, entry by entry:

           num[idx] = (f(x + h e_idx) - f(x - h e_idx)) / (2 h)

    3. Return {name: relative_error(grads[k], num)} in the dict's order.

    Why a random dout: with dout = ones, f = sum(out) and only the column sums
    of the Jacobian are compared. Softmax rows sum to 1 whatever the input, so
    the true gradient of sum(softmax) is exactly 0 and a backward that returns
    zeros (or ignores dout) would pass.

    Args:
        forward: callable taking the inputs as keyword arguments.
        backward: callable (dout, cache) -> tuple or list of arrays, one per
            input (a bare array is accepted when there is exactly one input).
        inputs: dict name -> array (float64 copies are used; the caller's
            arrays are never modified).
        rng: the only source of randomness (dout).
        h: the finite-difference step, used as given.

    Returns:
        dict name -> float relative error, keys in the order of ``inputs``.
        In float64 a correct backward gives about 1e-9 (up to ~1e-8 where
        some gradient entries are tiny, as in softmax); a bug gives > 1e-4.

    Raises:
        ValueError: if backward returns a different number of gradients than
            there are inputs, or a gradient whose shape differs from its input's
            (relative_error raises it).

    Hint: compute the analytic gradients first. Then perturb one entry of a
    COPY at a time: save the entry, set it to original + h, evaluate, set it to
    original - h, evaluate, and restore it from the saved value (original + h
    - h is not always original in floating point). The one-sided difference
    (f(x + h) - f(x)) / h has error O(h) ~ 1e-6 and fails a correct layer.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: sanity checks on a running network
# ---------------------------------------------------------------------------


def overfit_tiny_batch(X, y, hidden, n_steps, lr, rng):
    """Train a two-layer ReLU classifier on a tiny batch until it memorises it.

    The network (topic 07), with C = y.max() + 1 classes:

        scores = relu(X @ W1 + b1) @ W2 + b2,   mean softmax cross-entropy

    Initialisation, drawn from rng in this order:

        W1 = rng.standard_normal((D, hidden)) * sqrt(2 / D)     (He, topic 11)
        W2 = rng.standard_normal((hidden, C)) * 0.01            (small last layer)
        b1 = zeros(hidden), b2 = zeros(C)

    The small last layer puts every logit near 0, so the first loss is close
    to log C (the first item on the debugging checklist). Then n_steps of
    FULL-BATCH gradient descent, p <- p - lr * dL/dp for all four parameters,
    with no regularisation and no dropout.

    history[t] is the loss of the parameters step t starts from (computed by
    the forward pass whose gradient step t uses), so history[0] is the loss at
    initialisation and there is exactly one loss per step.

    Args:
        X: (N, D) a handful of examples (N may be 1).
        y: (N,) integer labels in [0, C).
        hidden: number of hidden units H.
        n_steps: number of gradient steps (0 gives an empty history).
        lr: the learning rate, used as given (lr = 0 is valid: nothing moves).
        rng: np.random.Generator for the initialisation.

    Returns:
        history: (n_steps,) float64 array of losses. With a correct backward,
        5 examples, H = 16 and lr = 1 it falls below 1e-2 within 150 steps.

    Hint: the backward pass is dscores = (softmax - onehot) / N, dW2 = a.T @
    dscores, db2 = dscores.sum(0), da = dscores @ W2.T, dpre = da * (pre > 0),
    dW1 = X.T @ dpre, db1 = dpre.sum(0). Record the loss BEFORE the update.
    """
    raise NotImplementedError


def dead_relu_fraction(pre_activations) -> float:
    """Fraction of ReLU units that are dead on this batch.

    A unit (column h) is dead when its pre-activation is <= 0 for EVERY
    example of the batch: relu outputs 0 and, with relu'(0) = 0 (PyTorch),
    passes no gradient back, so its incoming weights never change again.
    A column that is exactly 0 everywhere counts as dead.

    Args:
        pre_activations: (N, H) the inputs of the ReLU (z = x @ W + b), one row
            per example, one column per unit. N = 1 is valid (then a unit is
            dead when its single value is <= 0).

    Returns:
        float in [0, 1]: (number of dead columns) / H.

    Raises:
        ValueError: naming the shape, if pre_activations is not 2-D (a 1-D
            vector is ambiguous: one example of H units, or H examples of one).

    Hint: np.all(z <= 0, axis=0), then np.mean. Not < 0, not np.any, not a
    fraction of entries, and the batch is axis 0.
    """
    raise NotImplementedError


def layer_gradient_norms(grads: dict) -> dict:
    """The L2 norm of each layer's gradient, over ALL its entries.

        norm(g) = sqrt(sum_i g_i^2)        (the Frobenius norm for a matrix)

    Computed without overflow or underflow of the squares: gradients of 1e200
    (an exploding run, before it reaches inf) and of 1e-200 (a vanishing one)
    must give 5e200 for [3e200, 4e200] and 5e-200 for [3e-200, 4e-200], not inf
    or 0. float16 inputs are converted to float64 first (300^2 overflows fp16).

    Args:
        grads: dict name -> array of any shape (any float dtype).

    Returns:
        dict name -> float, keys in the order of ``grads``. 0.0 for an all-zero
        (or empty) gradient, nan if the gradient holds a nan, inf if it holds
        +-inf (and no nan).

    Hint: np.linalg.norm(W, 2) of a matrix is its largest singular value, not
    this. Scale first: m = max |g|, norm = m * sqrt(sum((g / m)^2)), with the
    cases m = 0 (0 / 0) and non-finite g handled before the division.
    """
    raise NotImplementedError


def update_to_weight_ratio(param, update) -> float:
    """How large one optimiser step is relative to the weights it changes.

        ratio = ||update|| / ||param||      (L2 norms over all entries)

    ``update`` is the change the step applies (for SGD, -lr * grad), ``param``
    the weights before the step. Healthy training shows about 1e-3 per step
    (Karpathy's rule of thumb): 1e-1 means the rate is far too high, 1e-6 that
    the layer hardly learns. Use the same overflow-safe norm as
    layer_gradient_norms.

    Args:
        param: array of any shape, the weights before the step.
        update: array of the same shape.

    Returns:
        float.

    Raises:
        ValueError: if the shapes differ (naming both), or if ||param|| = 0
            (a zero-initialised bias at step 0): the ratio is undefined there,
            and returning inf or nan would look like a divergence. Monitor the
            update norm of such tensors instead.

    Hint: the norms of the whole arrays, then one division. The mean of the
    element-wise ratios |u_i| / |p_i| is a different quantity (and infinite
    as soon as one weight is 0).
    """
    raise NotImplementedError


def find_first_nonfinite(tensors: dict):
    """The name of the first tensor (in the dict's order) holding a nan or +-inf.

    Fill the dict in the order the forward pass computes things (input,
    layer 1 pre-activation, layer 1 output, ..., loss, then the gradients), and
    this names the place where non-finite values FIRST appear: everything after
    it is contaminated, so that is where to look.

    Args:
        tensors: dict name -> array (any dtype: float, float16, integer, bool;
            0-d arrays and Python numbers too).

    Returns:
        the first key whose value has any nan, +inf or -inf entry, or None when
        every value is finite (or the dict is empty).

    Hint: np.isfinite (np.isnan misses inf; x != x misses inf too). It works on
    integer arrays, which are always finite. Do not sort the keys.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: the learning-rate range test
# ---------------------------------------------------------------------------


def lr_range_test(loss_fn, grad_fn, x0, lr_min, lr_max, n_steps):
    """The learning-rate range test ("LR finder", Smith 2017) on a parameter vector.

    The rates grow geometrically, lrs[k] = lr_min * (lr_max / lr_min)^(k / (n_steps - 1)),
    k = 0..n_steps-1, so lrs[0] == lr_min and lrs[-1] == lr_max exactly. One
    short run whose rate grows every step: starting from x = x0,

        for k: x <- x - lrs[k] * grad_fn(x);  losses[k] = loss_fn(x)

    Each rate takes ONE SGD step from the running x (not from x0), and the loss
    is recorded AFTER that step. No early stop: once the run has diverged the
    losses are recorded as they come (possibly inf or nan).

    Args:
        loss_fn: callable x -> float.
        grad_fn: callable x -> array of x's shape.
        x0: starting point (any shape); never modified.
        lr_min, lr_max: 0 < lr_min < lr_max.
        n_steps: number of rates (and steps), >= 2.

    Returns:
        (lrs, losses): two (n_steps,) float64 arrays.

    Raises:
        ValueError: if not 0 < lr_min < lr_max, or n_steps < 2.

    Hint: np.geomspace(lr_min, lr_max, n_steps) sets both ends exactly.
    x = x - lr * g creates a new array; x -= lr * g on x = x0 changes the
    caller's x0.
    """
    raise NotImplementedError


def suggest_lr(lrs, losses) -> float:
    """A learning rate read off a range test: a tenth of the rate at the lowest loss.

        i = index of the smallest FINITE loss (the first one on ties)
        suggestion = max(lrs[0], lrs[i] / 10)

    The division by 10 steps back from the edge of instability; the clamp
    keeps the suggestion inside the tested range (never below the first rate).
    nan and +-inf losses (a diverged run) are ignored.

    Args:
        lrs: (n,) increasing rates, as from lr_range_test.
        losses: (n,) the losses recorded at those rates.

    Returns:
        float.

    Raises:
        ValueError: if the shapes differ or are not 1-D, or if no loss is finite.

    Hint: np.argmin returns the first minimum on ties, but it also returns
    the position of a nan, because nan compares as "smallest" there. Replace
    non-finite losses by np.inf first.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: hyperparameter search
# ---------------------------------------------------------------------------


def sample_log_uniform(low, high, n, rng):
    """n draws, log-uniform on [low, high]: uniform in log, so every decade is equally likely.

        s = exp(u),   u = rng.uniform(log(low), log(high), size=n)

    exactly these draws (one call to rng.uniform), clipped to [low, high] (the
    exp can round one ulp past high). For learning rates and weight decays,
    whose effect is multiplicative: U(1e-5, 1e-1) puts 90% of its draws in
    [1e-2, 1e-1]; the log-uniform puts 25% in each of the four decades.

    Args:
        low, high: 0 < low < high.
        n: number of draws (0 gives an empty array).
        rng: np.random.Generator.

    Returns:
        (n,) float64 array, every entry in [low, high].

    Raises:
        ValueError: if not 0 < low < high.
    """
    raise NotImplementedError


def grid_search(objective, grid: dict):
    """Try every combination of the grid's values; lower objective is better.

    The configs are enumerated in itertools.product order over the grid's
    values, names in the dict's order: for grid = {"lr": [a, b], "wd": [c, d]}
    the order is (a, c), (a, d), (b, c), (b, d). Each config is a dict
    {name: value} passed as objective(**config).

    The best config has the lowest score; on ties the FIRST one (in that
    order) wins; a nan score never wins (a diverged run is not a winner).

    Args:
        objective: callable(**config) -> float, a loss to minimise.
        grid: dict name -> list (or 1-D array) of values.

    Returns:
        (best_config, results): best_config a dict, results a list of
        (config, score) tuples, one per combination in product order, score a
        float.

    Raises:
        ValueError: if there is no combination (an empty value list) or every
            score is nan.

    Hint: itertools.product(*grid.values()), dict(zip(grid, values)). Keep the
    best with a strict <, so a later equal score does not replace it.
    """
    raise NotImplementedError


def random_search(objective, space: dict, n_trials, rng):
    """n_trials random configs; same return as grid_search.

    For each trial, each name in the dict's order draws its value with
    space[name](rng): trial by trial, so the same seed gives the same configs.
    Every trial draws afresh. Best = lowest score, the first on ties, nan
    never wins (as in grid_search).

    Args:
        objective: callable(**config) -> float.
        space: dict name -> callable(rng) returning one value, e.g.
            lambda r: float(sample_log_uniform(1e-5, 1e-1, 1, r)[0]).
        n_trials: >= 1.
        rng: np.random.Generator, passed to every sampler.

    Returns:
        (best_config, results), results a list of n_trials (config, score).

    Raises:
        ValueError: if n_trials < 1 or every score is nan.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: reading learning curves
# ---------------------------------------------------------------------------


def diagnose_learning_curves(
    train_losses,
    val_losses,
    *,
    min_drop=0.1,
    overfit_tol=0.05,
    plateau_tol=0.01,
    high=0.5,
) -> str:
    """Name what a pair of loss curves (one value per epoch) shows.

    With train = t[0..n-1] and val = v[0..n-1], the rules are applied IN THIS
    ORDER and the first that holds gives the answer:

    1. "diverging": some t or v is nan or +-inf, or t[-1] > t[0] (the
       training loss ended above where it started).
    2. "learning rate too low": the training loss fell by less than min_drop
       of its first value: (t[0] - t[-1]) / t[0] < min_drop.
    3. "overfitting": with j = argmin(v) (the first minimum), the validation
       loss ended more than overfit_tol above its best, v[-1] > v[j] (1 +
       overfit_tol), while the training loss kept falling, t[-1] < t[j]. (A
       validation loss that rises while the training loss stands still is
       not this: the fit did not change, so look for a shift between the
       sets or a bug in the evaluation.)
    4. "underfitting": the training loss has flattened, (t[-k-1] - t[-1]) /
       t[-k-1] < plateau_tol over the last k = max(1, n // 4) epochs, while it
       is still high, t[-1] > high * t[0].
    5. "healthy" otherwise.

    All comparisons are strict, so a value exactly at a threshold does not
    trigger the rule. These are deliberately simple rules of thumb; topic.md
    discusses what each curve shape can also mean.

    Args:
        train_losses, val_losses: 1-D sequences of equal length n >= 2,
            t[0] > 0 (losses such as cross-entropy or MSE).
        min_drop, overfit_tol, plateau_tol, high: the thresholds above.

    Returns:
        one of "diverging", "learning rate too low", "overfitting",
        "underfitting", "healthy".

    Raises:
        ValueError: if the curves are not 1-D of the same length >= 2, or if
            t[0] <= 0 (checked after rule 1).
    """
    raise NotImplementedError


def plot_learning_curves(train, val, path):
    """Plot the training and validation losses and save the figure as a PNG.

    One Axes: a line labelled "train" (x = 0, 1, ..., len(train) - 1, y =
    train) and a line labelled "val" (x = 0, ..., len(val) - 1, y = val), a
    LOGARITHMIC y axis (so 0.05 -> 0.04 late in training is as visible as
    2 -> 1.6 early), axis labels and a legend.

    Args:
        train, val: 1-D sequences of positive losses.
        path: where to save the PNG (a str or pathlib.Path).

    Returns:
        the matplotlib Figure.

    Hint: import matplotlib.pyplot inside the function; fig, ax =
    plt.subplots(figsize=(5, 3.2)); ax.set_yscale("log"); fig.savefig(path).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _assert_float(value, what):
    assert isinstance(value, float), f"{what} returned {type(value).__name__}, expected a float"


def _assert_names_shapes(error, shapes, call):
    message = str(error)
    for shape in shapes:
        assert str(shape) in message, (
            f"{call} raised ValueError({message!r}); the message should name the shapes "
            + " and ".join(str(s) for s in shapes)
        )


# --- relative_error ---------------------------------------------------------


def test_relative_error_hand_values(impl, assert_close):
    # Entry by entry: |1 - 3| / (1 + 3) = 0.5, 0 / max(1e-8, 0) = 0, 0 / 4 = 0;
    # the max is 0.5. A max(|a|, |b|) denominator gives 2/3; no floor gives nan.
    got = impl.relative_error(np.array([1.0, 0.0, 2.0]), np.array([3.0, 0.0, 2.0]))
    _assert_float(got, "relative_error([1, 0, 2], [3, 0, 2])")
    assert_close(got, 0.5, tol=1e-15, what="relative_error([1, 0, 2], [3, 0, 2])")


def test_relative_error_is_the_max_of_entrywise_ratios(impl, assert_close):
    # The small entries disagree by a factor 2: ratio 1e-3 / 3e-3 = 1/3. A norm
    # ratio ||a - b|| / (||a|| + ||b||) is about 5e-6 and would hide the bug.
    a = np.array([[1e-3, 100.0], [50.0, -7.0]])
    b = np.array([[2e-3, 100.0], [50.0, -7.0]])
    got = impl.relative_error(a, b)
    assert_close(got, 1.0 / 3.0, tol=1e-12, what="relative_error(a (2, 2), b) with one entry off")


@pytest.mark.parametrize(
    ("a", "expected"), [([0.0, 0.0], 0.0), ([0.0, 1e-9], 0.1), ([1e-6, 0.0], 1.0)]
)
def test_relative_error_floors_the_denominator_at_1e_8(impl, assert_close, a, expected):
    # Against b = 0: |a| / max(1e-8, |a|). 0 against 0 is 0, not 0 / 0 = nan.
    got = impl.relative_error(np.array(a), np.zeros(2))
    assert_close(got, expected, tol=1e-12, what=f"relative_error({a}, [0, 0])")


def test_relative_error_of_a_nan_gradient_is_nan(impl):
    got = impl.relative_error(np.array([1.0, np.nan, 2.0]), np.array([1.0, 1.0, 2.0]))
    _assert_float(got, "relative_error([1, nan, 2], [1, 1, 2])")
    assert math.isnan(got), (
        f"relative_error([1, nan, 2], [1, 1, 2]) = {got!r}, expected nan: a nan gradient "
        "must not pass a check (np.max, not np.nanmax)"
    )


def test_relative_error_rejects_broadcastable_shapes(impl):
    with pytest.raises(ValueError) as info:
        impl.relative_error(np.ones((3, 1)), np.ones(3))
    _assert_names_shapes(info.value, [(3, 1), (3,)], "relative_error(shape (3, 1), shape (3,))")


def test_relative_error_leaves_inputs_untouched(impl, rng, call_untouched):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    call_untouched(impl.relative_error, a, b, what="relative_error(a, b)")


# --- check_layer_gradients --------------------------------------------------
# Small layers written here, each with a correct or a deliberately wrong backward.


def _affine_forward(x, W, b):
    return x @ W + b, (x, W)


def _affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def _affine_backward_mean_db(dout, cache):
    dx, dW, _ = _affine_backward(dout, cache)
    return dx, dW, dout.mean(axis=0)  # wrong: the bias gradient is a sum


def _affine_backward_ignores_dout(dout, cache):
    # Wrong: the gradients for dout = ones, whatever dout is.
    return _affine_backward(np.ones_like(dout), cache)


def _softmax_forward(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return p, p


def _softmax_backward(dout, p):
    return p * (dout - np.sum(dout * p, axis=1, keepdims=True))


def _softmax_backward_zeros(dout, p):
    # Wrong, yet exact for dout = ones: softmax rows sum to 1, so d sum(p)/dx = 0.
    return np.zeros_like(p)


def _affine_case(rng, N=4):
    return {
        "x": rng.standard_normal((N, 3)),
        "W": rng.standard_normal((3, 5)),
        "b": rng.standard_normal(5),
    }


@pytest.mark.parametrize("N", [4, 1])
def test_check_layer_gradients_passes_a_correct_affine_layer(impl, rng, N):
    inputs = _affine_case(rng, N)
    errors = impl.check_layer_gradients(_affine_forward, _affine_backward, inputs, rng)
    assert isinstance(errors, dict), f"returned {type(errors).__name__}, expected a dict"
    assert list(errors) == ["x", "W", "b"], (
        f"check_layer_gradients(affine, inputs x, W, b) returned keys {list(errors)}, "
        "expected ['x', 'W', 'b'] (the inputs' order)"
    )
    for name, err in errors.items():
        _assert_float(err, f"errors[{name!r}]")
        assert err < 1e-8, (
            f"check_layer_gradients on a CORRECT affine layer (batch {N}): errors[{name!r}] = "
            f"{err:.1e}, expected < 1e-8 (central differences in float64 give ~1e-10)"
        )


def test_check_layer_gradients_central_difference_passes_softmax(impl, rng):
    # Softmax is curved: a one-sided difference (f(x + h) - f(x)) / h has error
    # O(h) and reports ~1e-5 on the small entries; the central difference, ~1e-8.
    inputs = {"x": rng.standard_normal((3, 4))}
    errors = impl.check_layer_gradients(_softmax_forward, _softmax_backward, inputs, rng)
    assert errors["x"] < 1e-6, (
        f"check_layer_gradients on a CORRECT softmax layer: errors['x'] = {errors['x']:.1e}, "
        "expected < 1e-6 (about 1e-8: rounding eps |f| / h on gradient entries of ~1e-2): "
        "use the central difference (f(x+h) - f(x-h)) / 2h"
    )


@pytest.mark.parametrize(
    ("layer", "forward", "backward", "bad"),
    [
        ("softmax backward returning zeros", _softmax_forward, _softmax_backward_zeros, "x"),
        ("affine backward ignoring dout", _affine_forward, _affine_backward_ignores_dout, "x"),
    ],
)
def test_check_layer_gradients_uses_a_random_dout(impl, rng, layer, forward, backward, bad):
    # Both backwards are exact for dout = ones and wrong for any other dout.
    inputs = {"x": rng.standard_normal((3, 4))}
    if forward is _affine_forward:
        inputs = _affine_case(rng)
    errors = impl.check_layer_gradients(forward, backward, inputs, rng)
    assert errors[bad] > 1e-2, (
        f"check_layer_gradients on a WRONG layer ({layer}) reported errors[{bad!r}] = "
        f"{errors[bad]:.1e}, expected > 1e-2: dout must be rng.standard_normal(out.shape), "
        "not ones (with ones this wrong backward looks exact)"
    )


def test_check_layer_gradients_names_the_wrong_input(impl, rng):
    # Only db is wrong (a mean instead of a sum over the batch of 4): the error
    # must land on "b" and nowhere else.
    inputs = _affine_case(rng)
    errors = impl.check_layer_gradients(_affine_forward, _affine_backward_mean_db, inputs, rng)
    ok = (errors["b"] > 0.1, errors["x"] < 1e-8, errors["W"] < 1e-8)
    assert ok == (True, True, True), (
        f"check_layer_gradients(affine with db = mean) = {errors}, expected a large error "
        "for 'b' only (~0.6) and < 1e-8 for 'x' and 'W'"
    )


def test_check_layer_gradients_follows_the_dict_order(impl, rng):
    # The same layer with its inputs listed W, x, b (not sorted, not x-first):
    # backward returns (dW, dx, db) in that order, and only db is wrong.
    def forward(W, x, b):
        return _affine_forward(x, W, b)

    def backward(dout, cache):
        dx, dW, db = _affine_backward_mean_db(dout, cache)
        return dW, dx, db

    base = _affine_case(rng)
    inputs = {"W": base["W"], "x": base["x"], "b": base["b"]}
    errors = impl.check_layer_gradients(forward, backward, inputs, rng)
    assert list(errors) == ["W", "x", "b"], f"keys {list(errors)}, expected ['W', 'x', 'b']"
    ok = (errors["b"] > 0.1, errors["x"] < 1e-8, errors["W"] < 1e-8)
    assert ok == (True, True, True), (
        f"check_layer_gradients(inputs W, x, b) = {errors}: backward's k-th gradient belongs "
        "to the k-th key of inputs"
    )


def test_check_layer_gradients_uses_the_given_step(impl, rng):
    # f = sum(x^3 * dout): the central difference of x^3 is 3x^2 + h^2, so with
    # h = 1e-2 and |x| ~ 1 the error of the exact gradient is about h^2 / 6 ~ 1e-5.
    def forward(x):
        return x**3, x

    def backward(dout, x):
        return (3 * x**2 * dout,)

    inputs = {"x": np.array([[1.0, -1.0, 1.5]])}
    err = impl.check_layer_gradients(forward, backward, inputs, rng, h=1e-2)["x"]
    assert 1e-6 < err < 1e-4, (
        f"check_layer_gradients(x^3, h=1e-2) = {err:.1e}, expected about 1e-5 "
        "(the h^2 error of the central difference with the given h)"
    )


def test_check_layer_gradients_accepts_one_bare_gradient(impl, rng):
    def backward(dout, p):
        return _softmax_backward(dout, p)  # an array, not a 1-tuple

    errors = impl.check_layer_gradients(
        _softmax_forward, backward, {"x": rng.standard_normal((2, 3))}, rng
    )
    assert errors["x"] < 1e-8, f"bare-array backward: errors = {errors}, expected < 1e-8"


def test_check_layer_gradients_rejects_a_wrong_number_of_gradients(impl, rng):
    def backward(dout, cache):
        return _affine_backward(dout, cache)[:2]  # dx, dW: db forgotten

    with pytest.raises(ValueError):
        impl.check_layer_gradients(_affine_forward, backward, _affine_case(rng), rng)


def test_check_layer_gradients_draws_dout_from_rng(impl, rng):
    before = rng.bit_generator.state
    impl.check_layer_gradients(_affine_forward, _affine_backward, _affine_case(rng), rng)
    after_first = rng.bit_generator.state
    assert after_first != before, (
        "check_layer_gradients did not draw from rng: dout must come from "
        "rng.standard_normal(out.shape), the only source of randomness"
    )
    # Same seed, same inputs, same errors: reproducible.
    inputs = _affine_case(np.random.default_rng(0))
    e1 = impl.check_layer_gradients(
        _affine_forward, _affine_backward_mean_db, inputs, np.random.default_rng(5)
    )
    e2 = impl.check_layer_gradients(
        _affine_forward, _affine_backward_mean_db, inputs, np.random.default_rng(5)
    )
    assert e1 == e2, f"two calls with the same seed gave {e1} and {e2}"


def test_check_layer_gradients_converts_integer_inputs_to_float(impl, rng):
    # Integer inputs (a batch of token ids or pixel values, say): probing an int
    # array stores int(x + h) = x, so every numerical derivative is 0 and a
    # correct layer "fails". The probes must run on float64 copies.
    inputs = {
        "x": rng.integers(-3, 4, size=(4, 3)),
        "W": rng.integers(-3, 4, size=(3, 5)),
        "b": rng.integers(-3, 4, size=5),
    }
    errors = impl.check_layer_gradients(_affine_forward, _affine_backward, inputs, rng)
    for name, err in errors.items():
        assert err < 1e-8, (
            f"check_layer_gradients(affine, integer x, W, b): errors[{name!r}] = {err:.1e} for a "
            "CORRECT layer, expected < 1e-8 (probe float64 copies of the inputs)"
        )


def test_check_layer_gradients_leaves_inputs_untouched(impl, rng, call_untouched):
    # The layer caches x by reference, as real layers do. For these entries
    # (x - h) + h != x in floating point: restoring by adding h back leaves them changed.
    inputs = {"x": np.array([[0.1, 1.234e-7, 2e-8], [0.3, -2.9, 1e-9]])}
    inputs["W"] = rng.standard_normal((3, 2))
    inputs["b"] = rng.standard_normal(2)
    call_untouched(
        impl.check_layer_gradients,
        _affine_forward,
        _affine_backward,
        inputs,
        rng,
        what="check_layer_gradients(affine, inputs, rng)",
    )


# --- overfit_tiny_batch -----------------------------------------------------


def _tiny_batch(seed=0, N=5, D=4, C=3):
    r = np.random.default_rng(seed)
    X = r.standard_normal((N, D))
    y = np.arange(N) % C  # every class present
    return X, y


def _net_loss(theta, X, y, D, H, C):
    """The two-layer net's mean softmax cross-entropy, from a flat parameter vector."""
    W1 = theta[: D * H].reshape(D, H)
    b1 = theta[D * H : D * H + H]
    W2 = theta[D * H + H : D * H + H + H * C].reshape(H, C)
    b2 = theta[D * H + H + H * C :]
    scores = np.maximum(0.0, X @ W1 + b1) @ W2 + b2
    total = 0.0
    for row, label in zip(scores.tolist(), y.tolist(), strict=True):
        top = max(row)
        total += top + math.log(sum(math.exp(s - top) for s in row)) - row[label]
    return total / len(y)


def test_overfit_tiny_batch_drives_the_loss_below_1e_2(impl):
    X, y = _tiny_batch()
    history = impl.overfit_tiny_batch(X, y, 16, 150, 1.0, np.random.default_rng(1))
    assert np.shape(history) == (150,), (
        f"overfit_tiny_batch(X (5, 4), y, hidden=16, n_steps=150, lr=1) returned shape "
        f"{np.shape(history)}, expected (150,): one loss per step"
    )
    assert history[-1] < 1e-2, (
        f"overfit_tiny_batch(5 examples, hidden=16, 150 steps, lr=1): final loss "
        f"{history[-1]:.3g}, expected < 1e-2 (the reference reaches ~3e-3). Losses at "
        f"steps 0, 10, 50, 149: {np.round(history[[0, 10, 50, 149]], 4)}: check the backward"
    )


def test_overfit_tiny_batch_first_loss_is_log_C(impl):
    # The small last layer makes every logit ~0, the softmax ~uniform over C = 3
    # classes, and the first loss log 3 = 1.0986 up to ~1e-2.
    X, y = _tiny_batch()
    history = impl.overfit_tiny_batch(X, y, 16, 3, 1.0, np.random.default_rng(1))
    assert abs(history[0] - math.log(3)) < 0.02, (
        f"overfit_tiny_batch: first loss {history[0]:.4f}, expected log 3 = 1.0986 within "
        "0.02: history[0] is the loss BEFORE the first update, with W2 scaled by 0.01"
    )


def test_overfit_tiny_batch_is_gradient_descent_from_the_pinned_init(impl, num_grad, assert_close):
    # The reference trajectory: the docstring's initialisation, drawn from an
    # identically seeded generator, then gradient descent with a NUMERICAL
    # gradient of the loss written above (no backward pass shared with the code).
    X, y = _tiny_batch(seed=3, N=4, D=3, C=2)
    D, H, C, lr, n_steps = 3, 5, 2, 0.5, 12
    r = np.random.default_rng(7)
    W1 = r.standard_normal((D, H)) * math.sqrt(2.0 / D)
    W2 = r.standard_normal((H, C)) * 0.01
    theta = np.concatenate([W1.ravel(), np.zeros(H), W2.ravel(), np.zeros(C)])
    expected = []
    for _ in range(n_steps):
        expected.append(_net_loss(theta, X, y, D, H, C))
        theta = theta - lr * num_grad(lambda t: _net_loss(t, X, y, D, H, C), theta)
    got = impl.overfit_tiny_batch(X, y, H, n_steps, lr, np.random.default_rng(7))
    assert_close(
        got,
        np.array(expected),
        tol=1e-7,
        what=f"overfit_tiny_batch(X (4, 3), y, hidden=5, n_steps={n_steps}, lr=0.5) history "
        "(reference: pinned init, numerical gradients; off by one step = loss recorded "
        "after the update; a wrong dW or db = a wrong backward)",
    )


def test_overfit_tiny_batch_with_lr_0_never_moves(impl, assert_close):
    X, y = _tiny_batch()
    history = impl.overfit_tiny_batch(X, y, 8, 5, 0.0, np.random.default_rng(1))
    assert np.shape(history) == (5,), f"shape {np.shape(history)}, expected (5,)"
    assert_close(
        history,
        np.full(5, history[0]),
        tol=1e-15,
        what="overfit_tiny_batch(..., n_steps=5, lr=0) (lr = 0 is valid: the loss stays put)",
    )


def test_overfit_tiny_batch_with_0_steps_is_empty(impl):
    X, y = _tiny_batch()
    history = impl.overfit_tiny_batch(X, y, 8, 0, 1.0, np.random.default_rng(1))
    assert np.shape(history) == (0,), f"n_steps=0 gave shape {np.shape(history)}, expected (0,)"


def test_overfit_tiny_batch_memorises_a_batch_of_one(impl):
    # One example of class 2 (so C = 3): the batch axis must stay.
    X = np.array([[0.5, -1.0, 2.0, 0.3]])
    history = impl.overfit_tiny_batch(X, np.array([2]), 8, 100, 1.0, np.random.default_rng(2))
    assert np.shape(history) == (100,), f"batch of one: shape {np.shape(history)}, expected (100,)"
    assert (abs(history[0] - math.log(3)) < 0.02, history[-1] < 1e-2) == (True, True), (
        f"batch of one (label 2 of C = 3): losses {history[0]:.4f} -> {history[-1]:.3g}, "
        "expected log 3 -> below 1e-2"
    )


def test_overfit_tiny_batch_is_reproducible_and_uses_rng(impl):
    X, y = _tiny_batch()
    a = impl.overfit_tiny_batch(X, y, 8, 10, 0.5, np.random.default_rng(4))
    b = impl.overfit_tiny_batch(X, y, 8, 10, 0.5, np.random.default_rng(4))
    c = impl.overfit_tiny_batch(X, y, 8, 10, 0.5, np.random.default_rng(5))
    assert np.array_equal(a, b), "the same seed gave two different histories"
    assert not np.array_equal(a, c), (
        "seeds 4 and 5 gave the same history: initialise from the rng argument"
    )


def test_overfit_tiny_batch_leaves_inputs_untouched(impl, call_untouched):
    X, y = _tiny_batch()
    call_untouched(
        impl.overfit_tiny_batch,
        X,
        y,
        8,
        5,
        1.0,
        np.random.default_rng(0),
        what="overfit_tiny_batch(X, y, 8, 5, 1.0, rng)",
    )


# --- dead_relu_fraction -----------------------------------------------------


def test_dead_relu_fraction_hand_example(impl, assert_close):
    # Columns (units): 0 fires on example 0; 1 never (all < 0); 2 is exactly 0
    # everywhere (dead: relu'(0) = 0); 3 fires on example 1; 4 fires on example 0.
    # Dead: 2 of 5. With < 0 instead of <= 0: 1/5; np.any: 5/5; per row: 1/3;
    # a fraction of entries: 9/15.
    z = np.array(
        [
            [1.0, -1.0, 0.0, -2.0, 0.5],
            [-1.0, -1.0, 0.0, 3.0, -0.1],
            [-2.0, -3.0, 0.0, -1.0, -0.2],
        ]
    )
    got = impl.dead_relu_fraction(z)
    _assert_float(got, "dead_relu_fraction(z (3, 5))")
    assert_close(got, 0.4, tol=1e-15, what="dead_relu_fraction(z (3, 5)) (dead columns 1 and 2)")


def test_dead_relu_fraction_batch_of_one(impl, assert_close):
    # One example: 0 and -1 are dead, 2 and 1e-300 (positive, however tiny) alive.
    got = impl.dead_relu_fraction(np.array([[0.0, -1.0, 2.0, 1e-300]]))
    assert_close(got, 0.5, tol=1e-15, what="dead_relu_fraction([[0, -1, 2, 1e-300]])")


def test_dead_relu_fraction_rejects_a_vector(impl):
    with pytest.raises(ValueError) as info:
        impl.dead_relu_fraction(np.array([1.0, -1.0, 0.0]))
    _assert_names_shapes(info.value, [(3,)], "dead_relu_fraction(shape (3,))")


def test_dead_relu_fraction_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.dead_relu_fraction, rng.standard_normal((4, 6)), what="dead_relu_fraction")


# --- layer_gradient_norms ---------------------------------------------------


def test_layer_gradient_norms_are_frobenius_in_dict_order(impl, assert_close):
    # W: sqrt(9 + 16) = 5 (its spectral norm, np.linalg.norm(W, 2), is 4);
    # b: sqrt(1 + 4 + 4) = 3. Keys stay in insertion order (not sorted).
    grads = {
        "layer2.W": np.array([[3.0, 0.0], [0.0, -4.0]]),
        "layer1.b": np.array([1.0, 2.0, -2.0]),
    }
    got = impl.layer_gradient_norms(grads)
    assert list(got) == ["layer2.W", "layer1.b"], f"keys {list(got)}, expected the dict's order"
    for name, expected in (("layer2.W", 5.0), ("layer1.b", 3.0)):
        _assert_float(got[name], f"layer_gradient_norms(...)[{name!r}]")
        assert_close(got[name], expected, tol=1e-15, what=f"layer_gradient_norms(...)[{name!r}]")


def test_layer_gradient_norms_over_the_whole_float_range(impl, assert_close, call_quietly):
    # sqrt(sum(g**2)) overflows to inf at 1e200 (a run that is exploding but
    # still finite) and underflows to 0 at 1e-200 (a vanishing one): both
    # would be misread. float16 [300, 400, 1]: the squares overflow in fp16, and
    # fp16 arithmetic rounds sqrt(250001) = 500.001 to 500: convert to float64.
    grads = {
        "huge": np.array([3e200, -4e200]),
        "tiny": np.array([[3e-200], [4e-200]]),
        "zero": np.zeros((2, 3)),
        "fp16": np.array([300.0, 400.0, 1.0], dtype=np.float16),
        "mixed": np.array([1e300, 1e-300, 0.0]),
    }
    got = call_quietly(impl.layer_gradient_norms, grads, what="layer_gradient_norms(extremes)")
    expected = {
        "huge": 5e200,
        "tiny": 5e-200,
        "zero": 0.0,
        "fp16": math.sqrt(250001.0),
        "mixed": 1e300,
    }
    for name, value in expected.items():
        assert_close(got[name], value, tol=1e-14, what=f"layer_gradient_norms(...)[{name!r}]")


@pytest.mark.parametrize(("bad", "expected"), [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "inf")])
def test_layer_gradient_norms_keep_non_finite_visible(impl, bad, expected, call_quietly):
    g = np.array([1.0, bad, 2.0])
    got = call_quietly(
        impl.layer_gradient_norms, {"g": g}, what=f"layer_gradient_norms({{'g': [1, {bad}, 2]}})"
    )["g"]
    ok = math.isnan(got) if expected == "nan" else got == math.inf
    assert ok, f"layer_gradient_norms({{'g': [1, {bad}, 2]}}) = {got!r}, expected {expected}"


def test_layer_gradient_norms_leaves_inputs_untouched(impl, rng, call_untouched):
    grads = {"W": 1e200 * rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    call_untouched(impl.layer_gradient_norms, grads, what="layer_gradient_norms(grads)")


# --- update_to_weight_ratio -------------------------------------------------


def test_update_to_weight_ratio_is_a_ratio_of_norms(impl, assert_close):
    # ||[0.1, 0.1]|| / ||[1, 100]|| = sqrt(0.02) / sqrt(10001) = 1.414e-3. The
    # mean of element-wise ratios gives 0.0505; swapped arguments 707; the
    # norm of param + update in the denominator is off by 1e-3 (relative).
    param, update = np.array([1.0, 100.0]), np.array([0.1, 0.1])
    got = impl.update_to_weight_ratio(param, update)
    _assert_float(got, "update_to_weight_ratio([1, 100], [0.1, 0.1])")
    expected = math.sqrt(0.1**2 + 0.1**2) / math.sqrt(1.0 + 100.0**2)
    assert_close(got, expected, tol=1e-14, what="update_to_weight_ratio([1, 100], [0.1, 0.1])")


def test_update_to_weight_ratio_of_a_matrix_uses_all_entries(impl, assert_close):
    # Frobenius ||param|| = 5 (spectral 4), ||update|| = 0.01: ratio 2e-3.
    param = np.array([[3.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    update = np.array([[0.0, -0.006, 0.0], [0.008, 0.0, 0.0]])
    got = impl.update_to_weight_ratio(param, update)
    assert_close(got, 2e-3, tol=1e-14, what="update_to_weight_ratio(param (2, 3), update)")


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_update_to_weight_ratio_over_the_whole_float_range(impl, assert_close, scale, call_quietly):
    param = scale * np.array([3.0, 4.0])
    update = 1e-3 * param
    what = f"update_to_weight_ratio({scale:g} * [3, 4], 1e-3 times that)"
    got = call_quietly(impl.update_to_weight_ratio, param, update, what=what)
    assert_close(got, 1e-3, tol=1e-14, what=what)


@pytest.mark.parametrize("update", [[0.0, 0.0], [0.1, 0.0]])
def test_update_to_weight_ratio_rejects_a_zero_param(impl, update):
    # A zero-initialised bias: the relative step is undefined (documented choice).
    with pytest.raises(ValueError):
        impl.update_to_weight_ratio(np.zeros(2), np.array(update))


def test_update_to_weight_ratio_rejects_mismatched_shapes(impl):
    with pytest.raises(ValueError) as info:
        impl.update_to_weight_ratio(np.ones((2, 3)), np.ones(3))
    _assert_names_shapes(info.value, [(2, 3), (3,)], "update_to_weight_ratio((2, 3), (3,))")


def test_update_to_weight_ratio_leaves_inputs_untouched(impl, rng, call_untouched):
    param, update = rng.standard_normal((3, 2)), 1e-3 * rng.standard_normal((3, 2))
    call_untouched(impl.update_to_weight_ratio, param, update, what="update_to_weight_ratio")


# --- find_first_nonfinite ---------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_find_first_nonfinite_detects_nan_and_both_infinities(impl, bad):
    tensors = {
        "input": np.ones((2, 3)),
        "layer1.pre": np.array([[0.5, 1.0, 2.0], [3.0, 4.0, bad]]),  # the last entry
        "loss": np.array(1.0),
    }
    got = impl.find_first_nonfinite(tensors)
    assert got == "layer1.pre", (
        f"find_first_nonfinite with {bad} in the last entry of 'layer1.pre' returned {got!r}, "
        "expected 'layer1.pre' (np.isfinite catches nan, inf and -inf; np.isnan misses inf)"
    )


def test_find_first_nonfinite_walks_the_dict_order(impl):
    # Inserted in forward order: "layer2" comes first here although it sorts
    # after "layer1"; the sorted answer would be wrong.
    tensors = {"layer2": np.array([np.inf]), "layer1": np.array([np.nan]), "loss": np.nan}
    got = impl.find_first_nonfinite(tensors)
    assert got == "layer2", f"find_first_nonfinite(layer2 inf, layer1 nan, ...) = {got!r}"


def test_find_first_nonfinite_is_none_when_all_finite(impl):
    tensors = {
        "ids": np.array([3, 1, 4]),  # integers: always finite
        "mask": np.array([True, False]),
        "fp16_max": np.array([65504.0], dtype=np.float16),  # large but finite
        "tiny": np.array([5e-324]),
        "scalar": 2.5,
    }
    got = impl.find_first_nonfinite(tensors)
    assert got is None, f"find_first_nonfinite(all finite) returned {got!r}, expected None"
    assert impl.find_first_nonfinite({}) is None, "find_first_nonfinite({}) should be None"


def test_find_first_nonfinite_after_integer_arrays(impl):
    tensors = {"ids": np.array([1, 2, 3]), "logits": np.array([[1.0, np.nan]]), "y": np.array([0])}
    got = impl.find_first_nonfinite(tensors)
    assert got == "logits", f"find_first_nonfinite(ids int, logits with nan) = {got!r}"


def test_find_first_nonfinite_leaves_inputs_untouched(impl, call_untouched):
    tensors = {"a": np.array([1.0, np.nan]), "b": np.array([np.inf, 2.0])}
    call_untouched(impl.find_first_nonfinite, tensors, what="find_first_nonfinite(tensors)")


# --- lr_range_test and suggest_lr -------------------------------------------

_A = np.array([1.0, 10.0])  # the curvatures of the test quadratic


def _quad_loss(x):
    return 0.5 * float(np.sum(_A * x * x))


def _quad_grad(x):
    return _A * x


@pytest.mark.parametrize(
    ("lr_min", "lr_max", "n_steps"), [(1e-4, 0.3, 9), (1e-5, 1.0, 11), (1e-6, 10.0, 9)]
)
def test_lr_range_test_rates_are_geometric_and_exact_at_both_ends(
    impl, assert_close, lr_min, lr_max, n_steps
):
    # lr_min * (lr_max / lr_min) ** (k / (n - 1)) misses 1.0 by an ulp for
    # (1e-5, 1.0); exp(linspace(log)) misses lr_min (and 10.0): the ends are the
    # two rates a reader reports, so they are exact (np.geomspace sets them).
    call = f"lr_range_test(quadratic, x0, {lr_min:g}, {lr_max:g}, {n_steps})"
    x0 = np.array([1e-3, -2e-3])  # tiny steps: nothing diverges at lr 10
    lrs, losses = impl.lr_range_test(_quad_loss, _quad_grad, x0, lr_min, lr_max, n_steps)
    for name, value in (("lrs", lrs), ("losses", losses)):
        assert np.shape(value) == (n_steps,), (
            f"{call} returned {name} of shape {np.shape(value)}, expected ({n_steps},)"
        )
    assert_close(lrs, np.geomspace(lr_min, lr_max, n_steps), tol=1e-14, what=f"{call} lrs")
    assert (lrs[0], lrs[-1]) == (lr_min, lr_max), (
        f"{call}: lrs run from {lrs[0]!r} to {lrs[-1]!r}, expected exactly {lr_min!r} and "
        f"{lr_max!r} (np.geomspace sets both ends exactly)"
    )


def test_lr_range_test_steps_from_the_running_x(impl, assert_close):
    # One SGD step per rate from the running x, loss after the step. On the
    # quadratic each coordinate is multiplied by (1 - lr a_i). Rates up to 0.3
    # make the a = 10 coordinate overshoot (|1 - 3| = 2): the losses rise at the end.
    x = [1.0, -2.0]
    expected = []
    for lr in np.geomspace(1e-3, 0.3, 12).tolist():
        x = [x[0] - lr * 1.0 * x[0], x[1] - lr * 10.0 * x[1]]
        expected.append(0.5 * (1.0 * x[0] ** 2 + 10.0 * x[1] ** 2))
    _, losses = impl.lr_range_test(_quad_loss, _quad_grad, np.array([1.0, -2.0]), 1e-3, 0.3, 12)
    assert_close(
        losses,
        np.array(expected),
        tol=1e-12,
        what="lr_range_test(quadratic, x0=[1, -2], 1e-3, 0.3, 12) losses (restarting from x0 "
        "for each rate, or recording the loss before the step, gives other values)",
    )


@pytest.mark.parametrize(
    ("lr_min", "lr_max", "n_steps"), [(0.0, 1.0, 5), (0.1, 0.1, 5), (1e-3, 1.0, 1)]
)
def test_lr_range_test_rejects_bad_ranges(impl, lr_min, lr_max, n_steps):
    with pytest.raises(ValueError):
        impl.lr_range_test(_quad_loss, _quad_grad, np.ones(2), lr_min, lr_max, n_steps)


def test_lr_range_test_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(
        impl.lr_range_test,
        _quad_loss,
        _quad_grad,
        np.array([1.0, -2.0]),
        1e-3,
        0.1,
        5,
        what="lr_range_test(loss, grad, x0, 1e-3, 0.1, 5)",
    )


_LRS = np.geomspace(1e-6, 1.0, 7)  # 1e-6, 1e-5, ..., 1


def test_suggest_lr_is_a_tenth_of_the_best_rate(impl, assert_close):
    losses = np.array([3.0, 2.5, 1.8, 0.9, 0.7, 2.0, 9.0])  # lowest at 1e-2
    got = impl.suggest_lr(_LRS, losses)
    _assert_float(got, "suggest_lr")
    assert_close(got, 1e-3, tol=1e-12, what="suggest_lr(1e-6..1, lowest loss at 1e-2)")


def test_suggest_lr_is_never_below_the_first_rate(impl, assert_close):
    # Lowest loss at the first rate 1e-6: a tenth would be 1e-7, outside the tested range.
    losses = np.array([0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    got = impl.suggest_lr(_LRS, losses)
    assert_close(got, 1e-6, tol=1e-12, what="suggest_lr(lowest loss at lrs[0] = 1e-6)")


def test_suggest_lr_takes_the_first_minimum_on_ties(impl, assert_close):
    losses = np.array([3.0, 2.0, 0.5, 1.0, 0.5, 4.0, 8.0])  # 0.5 at 1e-4 and at 1e-2
    got = impl.suggest_lr(_LRS, losses)
    assert_close(got, 1e-5, tol=1e-12, what="suggest_lr(tied minima at 1e-4 and 1e-2)")


def test_suggest_lr_ignores_non_finite_losses(impl, assert_close):
    # np.argmin would return the nan's position (1); -inf and inf are diverged steps too.
    losses = np.array([3.0, np.nan, 2.0, 1.0, -np.inf, np.inf, np.nan])
    got = impl.suggest_lr(_LRS, losses)
    assert_close(got, 1e-4, tol=1e-12, what="suggest_lr(losses [3, nan, 2, 1, -inf, inf, nan])")


def test_suggest_lr_rejects_all_non_finite(impl):
    with pytest.raises(ValueError):
        impl.suggest_lr(_LRS[:3], np.array([np.nan, np.inf, np.nan]))


def test_suggest_lr_leaves_inputs_untouched(impl, call_untouched):
    losses = np.array([3.0, np.nan, 2.0, 1.0, 4.0, np.inf, 9.0])
    call_untouched(impl.suggest_lr, _LRS.copy(), losses, what="suggest_lr(lrs, losses)")


# --- sample_log_uniform -----------------------------------------------------


def test_sample_log_uniform_is_exp_of_a_uniform_draw(impl, assert_close):
    got = impl.sample_log_uniform(1e-5, 1e-1, 6, np.random.default_rng(11))
    expected = np.exp(np.random.default_rng(11).uniform(math.log(1e-5), math.log(1e-1), size=6))
    assert_close(
        got,
        expected,
        tol=1e-13,
        what="sample_log_uniform(1e-5, 1e-1, 6, default_rng(11)) (exp of one "
        "rng.uniform(log low, log high, size=n) call)",
    )


def test_sample_log_uniform_puts_equal_mass_on_every_decade(impl):
    # log10 of the draws should be uniform on [-6, -2]: each of the 4 decades
    # holds a Binomial(n, 1/4) count, mean n/4, standard deviation
    # sqrt(n * 1/4 * 3/4) = 86.6 for n = 40000. Tolerance: 5 standard deviations.
    # A plain uniform on [1e-6, 1e-2] puts 90% of the draws in the top decade.
    n = 40000
    s = impl.sample_log_uniform(1e-6, 1e-2, n, np.random.default_rng(12))
    counts = np.histogram(np.log10(s), bins=[-6, -5, -4, -3, -2])[0]
    sd = math.sqrt(n * 0.25 * 0.75)
    assert np.all(np.abs(counts - n / 4) < 5 * sd), (
        f"sample_log_uniform(1e-6, 1e-2, {n}): counts per decade {counts.tolist()}, expected "
        f"{n // 4} each within {5 * sd:.0f} (5 standard deviations)"
    )
    # The mean of log(s) is the midpoint of [log low, log high], standard error
    # (b - a) / sqrt(12 n); and the empirical CDF of log(s) stays within the
    # Kolmogorov-Smirnov bound 1.95 / sqrt(n) (level 0.001) of the uniform CDF.
    a, b = math.log(1e-6), math.log(1e-2)
    logs = np.sort(np.log(s))
    se = (b - a) / math.sqrt(12 * n)
    assert abs(logs.mean() - (a + b) / 2) < 5 * se, (
        f"mean of log(draws) {logs.mean():.4f}, expected {(a + b) / 2:.4f} within {5 * se:.4f}"
    )
    cdf = (logs - a) / (b - a)
    ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    assert ks < 1.95 / math.sqrt(n), (
        f"Kolmogorov-Smirnov distance of log(draws) from uniform: {ks:.4f}, expected < "
        f"{1.95 / math.sqrt(n):.4f}"
    )


def test_sample_log_uniform_respects_the_bounds(impl):
    s = impl.sample_log_uniform(1e-3, 1e3, 20000, np.random.default_rng(13))
    assert np.shape(s) == (20000,), f"shape {np.shape(s)}, expected (20000,)"
    assert np.all((s >= 1e-3) & (s <= 1e3)), (
        f"sample_log_uniform(1e-3, 1e3, ...) drew values in [{s.min()!r}, {s.max()!r}], "
        "outside [1e-3, 1e3]"
    )


class _BoundsRng:
    """A stand-in generator whose uniform(a, b, size=2) returns exactly [a, b]."""

    def uniform(self, low, high, size=None):
        return np.array([low, high], dtype=np.float64)[:size]


def test_sample_log_uniform_clips_rounding_past_the_bounds(impl):
    # exp(log(1e-5)) is 3.4e-21 BELOW 1e-5 and exp(log(0.1)) 1.4e-17 ABOVE 0.1 in
    # float64: a draw at an end of the log range must be clipped back into [low, high].
    got = impl.sample_log_uniform(1e-5, 0.1, 2, _BoundsRng())
    assert np.array_equal(np.asarray(got), [1e-5, 0.1]), (
        f"sample_log_uniform(1e-5, 0.1, 2, rng whose uniform returns [log 1e-5, log 0.1]) = "
        f"{np.asarray(got).tolist()}, expected [1e-05, 0.1] exactly (np.clip to [low, high])"
    )


def test_sample_log_uniform_with_n_0_is_empty(impl):
    s = impl.sample_log_uniform(1e-3, 1.0, 0, np.random.default_rng(0))
    assert np.shape(s) == (0,), f"n=0 gave shape {np.shape(s)}, expected (0,)"


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (-1.0, 1.0), (1.0, 1.0), (2.0, 1.0)])
def test_sample_log_uniform_rejects_bad_bounds(impl, low, high):
    with pytest.raises(ValueError):
        impl.sample_log_uniform(low, high, 3, np.random.default_rng(0))


# --- grid_search and random_search ------------------------------------------


def test_grid_search_enumerates_in_product_order(impl):
    grid = {"wd": [0.0, 1e-4, 1e-3], "lr": [0.1, 0.01]}  # names in this order, not sorted
    calls = []

    def objective(**config):
        calls.append(config)
        return (math.log10(config["lr"]) + 2) ** 2 + 1000 * config["wd"]

    best, results = impl.grid_search(objective, grid)
    expected = [{"wd": wd, "lr": lr} for wd in grid["wd"] for lr in grid["lr"]]
    got = [config for config, _ in results]
    assert [list(c) for c in got] == [["wd", "lr"]] * 6, "configs should keep the grid's key order"
    assert got == expected, f"grid_search configs {got}\n expected (product order) {expected}"
    assert calls == expected, f"objective was called with {calls}, expected {expected}"
    for config, score in results:
        _assert_float(score, f"the score of {config}")
        assert score == objective(**config), f"score of {config} is {score}"
    assert best == {"lr": 0.01, "wd": 0.0}, f"best config {best}, expected lr 0.01, wd 0"


def test_grid_search_first_best_wins_ties(impl):
    # Product order (1, 2), (1, 1), (2, 2), (2, 1): scores 1, 0, 0, 1.
    best, _ = impl.grid_search(lambda a, b: float(a != b), {"a": [1, 2], "b": [2, 1]})
    assert best == {"a": 1, "b": 1}, f"tied best configs (1, 1) and (2, 2): got {best}"


def test_grid_search_nan_never_wins(impl):
    # The first config diverged (nan): it must not stay the best.
    scores = {0.3: math.nan, 0.1: 2.0, 0.03: 1.0, 0.01: 1.5}
    best, results = impl.grid_search(lambda lr: scores[lr], {"lr": list(scores)})
    assert best == {"lr": 0.03}, f"grid_search with a nan first score: best {best}, expected 0.03"
    assert len(results) == 4, f"grid_search over 4 rates gave {len(results)} results"
    assert math.isnan(results[0][1]), "the nan result must be kept in results, as nan"
    with pytest.raises(ValueError):
        impl.grid_search(lambda lr: math.nan, {"lr": [1.0, 2.0]})


def test_grid_search_all_infinite_scores_return_the_first_config(impl):
    # inf is a score (every run overflowed), not nan: the lowest score is inf and
    # the first config wins the tie. Starting from best = inf with a strict <
    # never records a best at all.
    best, results = impl.grid_search(lambda lr: math.inf, {"lr": [1.0, 2.0, 3.0]})
    assert best == {"lr": 1.0}, (
        f"grid_search with every score inf: best {best}, expected the first config {{'lr': 1.0}}"
    )
    assert [score for _, score in results] == [math.inf] * 3, f"results {results}"


def test_grid_search_leaves_inputs_untouched(impl, call_untouched):
    grid = {"lr": [0.1, 0.01], "dims": np.array([8, 16])}
    call_untouched(impl.grid_search, lambda lr, dims: lr * dims, grid, what="grid_search")


def _space():
    return {
        "lr": lambda r: float(np.exp(r.uniform(math.log(1e-4), math.log(1e-1)))),
        "layers": lambda r: int(r.integers(1, 4)),
    }


def _objective(lr, layers):
    return (math.log10(lr) + 2.5) ** 2 + 0.1 * layers


def test_random_search_draws_each_trial_from_rng_in_order(impl):
    r = np.random.default_rng(21)
    space = _space()
    expected = []
    for _ in range(6):
        config = {"lr": space["lr"](r), "layers": space["layers"](r)}
        expected.append((config, _objective(**config)))
    best, results = impl.random_search(_objective, space, 6, np.random.default_rng(21))
    assert len(results) == 6, f"random_search(..., n_trials=6) gave {len(results)} results"
    assert [c for c, _ in results] == [c for c, _ in expected], (
        f"random_search configs {[c for c, _ in results]}\n expected "
        f"{[c for c, _ in expected]}\n (trial by trial, names in the dict's order, each "
        "sampler called with the rng argument)"
    )
    scores = [s for _, s in expected]
    assert [s for _, s in results] == scores, "scores differ from objective(**config)"
    assert best == expected[scores.index(min(scores))][0], f"best {best} is not the lowest"


def test_random_search_draws_afresh_every_trial(impl):
    # Nine trials give nine distinct values of the one hyperparameter that
    # matters; a 3 x 3 grid would try only three.
    _, results = impl.random_search(
        lambda x, y: (x - 0.3) ** 2,
        {"x": lambda r: r.uniform(), "y": lambda r: r.uniform()},
        9,
        np.random.default_rng(22),
    )
    distinct = len({config["x"] for config, _ in results})
    assert distinct == 9, f"9 trials tried {distinct} distinct values of x, expected 9"


def test_random_search_first_best_wins_ties(impl):
    # k in {0, 1, 2} decides the score, so several trials tie at 0; "tag" does
    # not matter and tells the trials apart. The first trial that drew 0 wins.
    space = {"k": lambda g: int(g.integers(0, 3)), "tag": lambda g: float(g.uniform())}
    r = np.random.default_rng(23)
    trials = [{"k": space["k"](r), "tag": space["tag"](r)} for _ in range(10)]
    zeros = [t for t in trials if t["k"] == 0]
    assert len(zeros) >= 2, "test setup: expected several ties"
    best, _ = impl.random_search(lambda k, tag: float(k), space, 10, np.random.default_rng(23))
    assert best == zeros[0], (
        f"random_search with tied best scores returned {best}, expected the first of them "
        f"{zeros[0]} (keep the best with a strict <)"
    )


def test_random_search_rejects_zero_trials(impl):
    with pytest.raises(ValueError):
        impl.random_search(_objective, _space(), 0, np.random.default_rng(0))


def test_random_search_nan_never_wins(impl):
    space = {"x": lambda r: float(r.uniform())}
    best, results = impl.random_search(
        lambda x: math.nan if x > 0.5 else x, space, 8, np.random.default_rng(24)
    )
    finite = [c for c, s in results if not math.isnan(s)]
    assert finite, "test setup: expected some finite scores"
    assert best == min(finite, key=lambda c: c["x"]), (
        f"random_search with some nan scores: best {best}, expected the lowest finite score"
    )


# --- diagnose_learning_curves -----------------------------------------------

_T = np.arange(30.0)
_HEALTHY_TRAIN = 2.3 * np.exp(-_T / 5) + 0.05
_HEALTHY_VAL = _HEALTHY_TRAIN + 0.1


def _diagnose(impl, train, val):
    return impl.diagnose_learning_curves(np.asarray(train), np.asarray(val))


def test_diagnose_learning_curves_healthy(impl):
    got = _diagnose(impl, _HEALTHY_TRAIN, _HEALTHY_VAL)
    assert got == "healthy", f"exponential decay 2.35 -> 0.05, val 0.1 above: got {got!r}"


@pytest.mark.parametrize(
    ("case", "train", "val"),
    [
        ("train rising", 1.0 + 0.1 * _T, 1.1 + 0.1 * _T),
        ("nan in train", np.where(_T == 12, np.nan, _HEALTHY_TRAIN), _HEALTHY_VAL),
        ("inf in val only", _HEALTHY_TRAIN, np.where(_T == 29, np.inf, _HEALTHY_VAL)),
        (
            "train ends just above its start",
            np.r_[2.0, _HEALTHY_TRAIN[1:-1], 2.0 + 1e-9],
            _HEALTHY_VAL,
        ),
        (
            "train and val rising (not overfitting)",
            np.r_[_HEALTHY_TRAIN[:20], 3.0 + _T[20:]],
            1.0 + _T,
        ),
    ],
)
def test_diagnose_learning_curves_diverging(impl, case, train, val):
    got = _diagnose(impl, train, val)
    assert got == "diverging", f"diagnose_learning_curves({case}) = {got!r}, expected 'diverging'"


def test_diagnose_learning_curves_flat_at_its_start_is_not_diverging(impl):
    # t[-1] == t[0] is not > t[0]: no divergence; it fell by 0 < 10%: rate too low.
    train = np.r_[2.0, np.full(10, 1.99), 2.0]
    got = _diagnose(impl, train, train + 0.1)
    assert got == "learning rate too low", f"train back at exactly its start: got {got!r}"


def test_diagnose_learning_curves_learning_rate_too_low(impl):
    # A slow straight-line decline: 2.3 -> 2.271 (1.3% in 30 epochs).
    train = 2.3 - 0.001 * _T
    got = _diagnose(impl, train, train + 0.05)
    assert got == "learning rate too low", f"loss 2.3 -> 2.271 linearly: got {got!r}"


@pytest.mark.parametrize(
    ("end", "expected"), [(9.0 + 1e-9, "learning rate too low"), (9.0 - 1e-9, "healthy")]
)
def test_diagnose_learning_curves_min_drop_boundary(impl, end, expected):
    # From 10 to 9: a drop of exactly 10% is the boundary (strict <).
    train = np.linspace(10.0, end, 20)
    got = _diagnose(impl, train, train + 0.5)
    assert got == expected, (
        f"train 10 -> {end!r} (drop just around 10%): got {got!r}, expected {expected!r}"
    )


def test_diagnose_learning_curves_overfitting(impl):
    # Train keeps falling; val bottoms out at epoch 10 and climbs back 72% above it.
    val = 1.0 + 0.002 * (_T - 10) ** 2
    got = _diagnose(impl, _HEALTHY_TRAIN, val)
    assert got == "overfitting", f"val U-shaped (min at epoch 10), train falling: got {got!r}"


@pytest.mark.parametrize(("rise", "expected"), [(0.04, "healthy"), (0.06, "overfitting")])
def test_diagnose_learning_curves_overfit_tolerance(impl, rise, expected):
    # val's best 1.0 at epoch 15, last value 1 + rise: overfitting only above 5%.
    val = np.r_[np.linspace(2.0, 1.0, 16), np.linspace(1.0, 1.0 + rise, 15)[1:]]
    got = _diagnose(impl, _HEALTHY_TRAIN, val)
    assert got == expected, (
        f"val ends {rise:.0%} above its best: got {got!r}, expected {expected!r}"
    )


def test_diagnose_learning_curves_val_rising_while_train_stands_still_is_not_overfitting(impl):
    # Train falls to 0.2 by epoch 10 and stays EXACTLY there; val rises 20% after
    # epoch 10. Rule 3 needs t[-1] < t[j]: the fit did not change, so this is not
    # overfitting; with t[-1] = 0.2 < 0.5 t[0] it is not underfitting either.
    train = np.r_[np.linspace(2.0, 0.2, 11), np.full(19, 0.2)]
    val = np.r_[np.linspace(2.1, 0.5, 11), np.linspace(0.5, 0.6, 20)[1:]]
    got = _diagnose(impl, train, val)
    assert got == "healthy", (
        f"val up 20% while train is constant: got {got!r}, expected 'healthy' (rule 3 asks "
        "that the training loss kept falling, t[-1] < t[argmin v])"
    )


def test_diagnose_learning_curves_val_best_at_the_end_is_not_overfitting(impl):
    got = _diagnose(impl, _HEALTHY_TRAIN, _HEALTHY_VAL)
    assert got == "healthy", f"val still falling at the end: got {got!r}"


def test_diagnose_learning_curves_underfitting(impl):
    # Both curves flatten early at a high level: 2.3 -> 1.5, val just above.
    train = 1.5 + 0.8 * np.exp(-_T / 2)
    got = _diagnose(impl, train, train + 0.05)
    assert got == "underfitting", f"train 2.3 -> plateau 1.5: got {got!r}, expected 'underfitting'"


@pytest.mark.parametrize(("plateau", "expected"), [(1.01, "underfitting"), (0.99, "healthy")])
def test_diagnose_learning_curves_high_boundary(impl, plateau, expected):
    # train[0] = 2 and a plateau just above / below half of it (high = 0.5).
    train = plateau + (2.0 - plateau) * np.exp(-_T)
    got = _diagnose(impl, train, train + 0.05)
    assert got == expected, (
        f"plateau at {plateau} (half the start is 1): got {got!r}, expected {expected!r}"
    )


def test_diagnose_learning_curves_still_falling_is_not_underfitting(impl):
    # 2.0 -> 1.6 in a straight line: 20% drop, still 1.4% per epoch at the end.
    train = np.linspace(2.0, 1.6, 20)
    got = _diagnose(impl, train, train + 0.05)
    assert got == "healthy", f"train falling steadily 2.0 -> 1.6: got {got!r}, expected 'healthy'"


def test_diagnose_learning_curves_two_epochs(impl):
    # n = 2: the last-quarter window is k = 1 epoch.
    assert _diagnose(impl, [2.0, 1.0], [2.1, 1.1]) == "healthy"
    assert _diagnose(impl, [2.0, 1.995], [2.1, 2.0]) == "learning rate too low"


def test_diagnose_learning_curves_overfitting_uses_the_first_minimum_of_val(impl):
    # val has its minimum 0.5 at epochs 1 AND 3. From the FIRST (j = 1): val ended 50%
    # above it and train fell from 0.5 to 0.25, so "overfitting". From the last (j = 3)
    # train did not fall (0.25 -> 0.25), and the answer would be "healthy".
    train = [1.0, 0.5, 0.375, 0.25, 0.25]
    val = [1.0, 0.5, 0.75, 0.5, 0.75]
    got = _diagnose(impl, train, val)
    assert got == "overfitting", (
        f"diagnose_learning_curves(train={train}, val={val}) = {got!r}, expected 'overfitting' "
        "(j = argmin(val) is the first minimum, epoch 1)"
    )


@pytest.mark.parametrize(
    ("rule", "train", "val", "kwargs"),
    [
        # t[-1] = 0.5 = high * t[0] exactly, on a plateau: not "still high".
        ("high", [1.0, 0.75, 0.5, 0.5], [1.0, 0.75, 0.5, 0.5], {}),
        # recent drop (1.5 - 1.125) / 1.5 = 0.25 = plateau_tol exactly: not flat.
        ("plateau_tol", [2.0, 1.75, 1.5, 1.125], [2.0, 1.75, 1.5, 1.125], {"plateau_tol": 0.25}),
        # v[-1] = 0.75 = v[j] (1 + overfit_tol) = 0.5 * 1.5 exactly: not overfitting.
        ("overfit_tol", [1.0, 0.75, 0.5, 0.25], [1.0, 0.5, 0.625, 0.75], {"overfit_tol": 0.5}),
    ],
)
def test_diagnose_learning_curves_value_exactly_at_a_threshold_does_not_trigger(
    impl, rule, train, val, kwargs
):
    got = impl.diagnose_learning_curves(np.array(train), np.array(val), **kwargs)
    assert got == "healthy", (
        f"diagnose_learning_curves(train={train}, val={val}, {kwargs}) = {got!r}, expected "
        f"'healthy': the value sits exactly at the {rule} threshold and comparisons are strict"
    )


def test_diagnose_learning_curves_overfit_tolerance_is_relative(impl):
    # val's best 0.1 at epoch 2, last 0.13: 30% above it (> 5%), train still falling.
    # An absolute tolerance v[-1] > v[j] + 0.05 would miss it at this scale.
    train = [1.0, 0.5, 0.1, 0.05]
    val = [1.0, 0.5, 0.1, 0.13]
    got = _diagnose(impl, train, val)
    assert got == "overfitting", (
        f"diagnose_learning_curves(train={train}, val={val}) = {got!r}, expected 'overfitting' "
        "(v[-1] > v[j] * (1 + overfit_tol), a relative rise)"
    )


@pytest.mark.parametrize(
    "train", [[1.0, 0.9, 0.8, 0.6], [1.0, 0.9, 0.6]], ids=["n=4 k=1", "n=3 k=max(1,0)"]
)
def test_diagnose_learning_curves_short_curves_use_a_one_epoch_window(impl, train):
    # k = max(1, n // 4) = 1: the recent drop is (t[-2] - t[-1]) / t[-2] = 25% or 33%,
    # far from flat, so not underfitting although t[-1] > 0.5 t[0]. A window of
    # (t[-k] - t[-1]) or k = n // 4 = 0 compares t[-1] with itself: always "flat".
    got = _diagnose(impl, train, train)
    assert got == "healthy", (
        f"diagnose_learning_curves(train={train}, val=train) = {got!r}, expected 'healthy' "
        "(last-quarter window k = max(1, n // 4) epochs before the end)"
    )


def test_diagnose_learning_curves_first_loss_zero_is_checked_after_rule_1(impl):
    # t[0] = 0 with t[-1] > t[0] is diverging (rule 1 first); t[0] = 0 otherwise
    # leaves the relative drop 0 / 0 undefined: a ValueError, not a warning.
    got = _diagnose(impl, [0.0, 1.0], [0.0, 1.0])
    assert got == "diverging", (
        f"diagnose_learning_curves([0, 1], [0, 1]) = {got!r}, expected 'diverging' (rule 1 "
        "comes before the t[0] > 0 check)"
    )
    with pytest.raises(ValueError):
        impl.diagnose_learning_curves(np.array([0.0, 0.0]), np.array([0.0, 0.0]))


@pytest.mark.parametrize(
    ("train", "val"), [([1.0, 0.5], [1.0]), ([1.0], [1.0]), ([[1.0, 0.5]], [[1.0, 0.5]])]
)
def test_diagnose_learning_curves_rejects_bad_shapes(impl, train, val):
    with pytest.raises(ValueError):
        impl.diagnose_learning_curves(np.array(train), np.array(val))


def test_diagnose_learning_curves_leaves_inputs_untouched(impl, call_untouched):
    train, val = _HEALTHY_TRAIN.copy(), np.where(_T == 5, np.nan, _HEALTHY_VAL)
    call_untouched(impl.diagnose_learning_curves, train, val, what="diagnose_learning_curves")


# --- plot_learning_curves ---------------------------------------------------


def test_plot_learning_curves_draws_train_and_val(impl, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "curves.png"
    train, val = _HEALTHY_TRAIN, 1.0 + 0.002 * (_T - 10) ** 2
    fig = impl.plot_learning_curves(train, val, path)
    assert isinstance(fig, Figure), f"plot_learning_curves returned {type(fig).__name__}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    assert len(fig.axes) == 1, f"the figure has {len(fig.axes)} Axes, expected 1"
    ax = fig.axes[0]
    assert ax.get_yscale() == "log", f"y scale {ax.get_yscale()!r}, expected 'log'"
    lines = {line.get_label(): line for line in ax.get_lines()}
    for label, y in (("train", train), ("val", val)):
        assert label in lines, f"no line labelled {label!r}; labels: {sorted(lines)}"
        xdata, ydata = np.asarray(lines[label].get_xdata()), np.asarray(lines[label].get_ydata())
        assert np.array_equal(xdata, np.arange(30)), f"line {label!r} x = {xdata}, expected 0..29"
        assert np.array_equal(ydata, y), f"line {label!r} y differs from the {label} losses"


def test_plot_learning_curves_leaves_inputs_untouched(impl, call_untouched, tmp_path):
    call_untouched(
        impl.plot_learning_curves,
        _HEALTHY_TRAIN.copy(),
        _HEALTHY_VAL.copy(),
        tmp_path / "c.png",
        what="plot_learning_curves(train, val, path)",
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
