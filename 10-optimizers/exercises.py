"""Topic 10: optimizers.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file (they are torch.optim's):

* a step function has the signature ``(param, grad, state, **hyper) ->
  (new_param, new_state)``. ``param`` and ``grad`` are float64 arrays of one
  shape (any shape: a bias (M,), a weight (D, M), a single number (1,));
  different shapes raise ``ValueError`` naming both;
* ``state`` is a dict, EMPTY on the first call; afterwards the caller passes
  back whatever the previous call returned. Its keys are torch's per-parameter
  state names (``momentum_buffer``, ``sum``, ``square_avg``, ``exp_avg``,
  ``exp_avg_sq``) plus an integer ``step`` (updates taken so far, 1 after the
  first) wherever torch keeps one, so ``optimizer.state[p]`` in PyTorch reads
  like your dicts;
* nothing is modified in place: the caller's param, grad, state dict and the
  arrays inside it come back bit for bit as they were. Return a NEW dict
  holding NEW arrays that share no memory with the inputs (PyTorch updates in
  place; a pure function must not);
* the arithmetic is torch's, operation for operation, so that trajectories
  agree with torch.optim to about 1e-12 relative error; every hyperparameter
  is used exactly as given (lr = 0 or weight_decay = 0 are valid values, not
  "use the default").
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises: step functions
# ---------------------------------------------------------------------------


def sgd_step(param: np.ndarray, grad: np.ndarray, state: dict, lr: float = 1e-3):
    """Plain (stochastic) gradient descent, torch.optim.SGD with momentum=0.

        new_param = param - lr * grad

    Args:
        param: (any shape) current parameter values.
        grad: same shape as param, the gradient at param.
        state: dict; SGD keeps no state, so it is {} and stays {}.
        lr: learning rate >= 0 (torch's default 1e-3).

    Returns:
        (new_param, new_state): new_param a new array of param's shape,
        new_state a new empty dict.

    Raises:
        ValueError: if grad.shape != param.shape (naming both), or lr < 0.

    Hint: ``param -= lr * grad`` writes into the caller's array.
    """
    raise NotImplementedError


def momentum_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    momentum: float = 0.9,
    nesterov: bool = False,
):
    """SGD with momentum in torch.optim.SGD's form (dampening 0).

    With mu = momentum and the buffer v (state["momentum_buffer"]):

        first call:  v = grad                  (a copy; equals mu * 0 + grad)
        later:       v = mu * v + grad
        heavy ball:  new_param = param - lr * v
        Nesterov:    new_param = param - lr * (grad + mu * v)     (v the NEW buffer)

    This is the "velocity accumulates raw gradients" form: v is not an average
    (no factor 1 - mu), so the long-run step along a constant gradient is
    lr / (1 - mu) times the gradient, 10 lr for mu = 0.9.

    Args:
        param: (any shape).
        grad: same shape as param.
        state: {} on the first call, then {"momentum_buffer": v}.
        lr: learning rate >= 0.
        momentum: mu >= 0. The default 0.9 is this curriculum's (torch's
            SGD defaults to 0, i.e. no momentum). mu = 0 gives plain SGD
            values; the buffer (then equal to grad) is still returned.
        nesterov: torch's Nesterov form (the look-ahead folded into the update).

    Returns:
        (new_param, {"momentum_buffer": v}), v a new array (not grad itself).

    Raises:
        ValueError: if the shapes differ, lr < 0 or momentum < 0, or if
            nesterov is True with momentum == 0 (torch raises too).

    Hint: the classic mistakes are v = (1 - mu) grad on the first step (an
    EMA; the first step comes out 10x too small) and ``v *= mu`` on the
    array inside the caller's state.
    """
    raise NotImplementedError


def adagrad_step(
    param: np.ndarray, grad: np.ndarray, state: dict, lr: float = 1e-2, eps: float = 1e-10
):
    """AdaGrad, torch.optim.Adagrad with lr_decay=0, weight_decay=0, initial_accumulator_value=0.

        sum  = sum + grad^2                      (sum starts at 0)
        new_param = param - lr * grad / (sqrt(sum) + eps)

    Args:
        param: (any shape).
        grad: same shape as param.
        state: {} on the first call, then {"step": int, "sum": array}.
        lr: learning rate >= 0 (torch's default 1e-2).
        eps: >= 0, added AFTER the square root (torch's default 1e-10).

    Returns:
        (new_param, {"step": t, "sum": new_sum}), t = 1 after the first call.

    Raises:
        ValueError: if the shapes differ, or lr < 0 or eps < 0.

    Hint: a coordinate whose gradient has always been 0 has sum = 0 and
    update 0 / (0 + eps) = 0: no nan, no warning.
    """
    raise NotImplementedError


def rmsprop_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
):
    """RMSprop, torch.optim.RMSprop with momentum=0, centered=False, weight_decay=0.

        square_avg = alpha * square_avg + (1 - alpha) * grad^2     (starts at 0)
        new_param  = param - lr * grad / (sqrt(square_avg) + eps)

    There is NO bias correction: the first step is lr / sqrt(1 - alpha) per
    coordinate, 10 lr for alpha = 0.99.

    Args:
        param: (any shape).
        grad: same shape as param.
        state: {} on the first call, then {"step": int, "square_avg": array}.
        lr: learning rate >= 0 (torch's default 1e-2).
        alpha: smoothing constant in [0, 1) (torch's default 0.99).
        eps: >= 0, added after the square root (torch's default 1e-8).

    Returns:
        (new_param, {"step": t, "square_avg": new_square_avg}).

    Raises:
        ValueError: if the shapes differ, or lr, alpha or eps is negative.

    Hint: alpha weighs the OLD average; 1 - alpha the new squared gradient.
    """
    raise NotImplementedError


def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
):
    """Adam with bias correction, torch.optim.Adam (amsgrad=False).

    With t = state["step"] + 1 (t = 1 on the first call), beta1, beta2 = betas:

        g      = grad + weight_decay * param           (L2: through the gradient)
        m      = beta1 * m + (1 - beta1) * g           (exp_avg, starts at 0)
        v      = beta2 * v + (1 - beta2) * g^2         (exp_avg_sq, starts at 0)
        m_hat  = m / (1 - beta1^t)
        v_hat  = v / (1 - beta2^t)
        new_param = param - lr * m_hat / (sqrt(v_hat) + eps)

    eps is added AFTER the square root of the bias-corrected v, as torch does.
    On the first step m_hat = g and v_hat = g^2, so every coordinate moves by
    lr * g / (|g| + eps), about lr in the direction of -sign(g).

    Args:
        param: (any shape).
        grad: same shape as param.
        state: {} on the first call, then {"step", "exp_avg", "exp_avg_sq"}.
        lr: learning rate >= 0 (torch's default 1e-3).
        betas: (beta1, beta2), each in [0, 1).
        eps: >= 0.
        weight_decay: >= 0, the L2 coefficient added to the gradient.

    Returns:
        (new_param, {"step": t, "exp_avg": m, "exp_avg_sq": v}); exp_avg and
        exp_avg_sq are the UNcorrected moments (what torch stores).

    Raises:
        ValueError: if the shapes differ, lr, eps or weight_decay < 0, or a
            beta is outside [0, 1).

    Hint: read t from the state, not from a global counter (a run resumed
    from a checkpoint must continue at the right t). The 1 - beta^t uses the
    step count AFTER this update: t = 0 divides by zero.
    """
    raise NotImplementedError


def adamw_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
):
    """AdamW: Adam with DECOUPLED weight decay, torch.optim.AdamW.

        param' = param * (1 - lr * weight_decay)       (decay first, by lr, not lr / bc1)
        then the Adam update of adam_step with weight_decay = 0, applied to param':
        new_param = param' - lr * m_hat / (sqrt(v_hat) + eps)

    The gradient that enters m and v is the raw grad: the decay never goes
    through 1 / sqrt(v_hat), so every weight shrinks by the same factor.

    Args:
        param: (any shape).
        grad: same shape as param.
        state: {} on the first call, then {"step", "exp_avg", "exp_avg_sq"}.
        lr: learning rate >= 0.
        betas: (beta1, beta2), each in [0, 1).
        eps: >= 0.
        weight_decay: >= 0; torch's AdamW default is 0.01 (Adam's is 0).

    Returns:
        (new_param, {"step": t, "exp_avg": m, "exp_avg_sq": v}).

    Raises:
        ValueError: as adam_step.

    Hint: with grad = 0 on the first step, m = v = 0 and the Adam part is
    exactly 0, so new_param = param * (1 - lr * weight_decay).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: learning-rate schedules
# ---------------------------------------------------------------------------


def step_lr(lr0: float, epoch: int, step_size: int, gamma: float = 0.1) -> float:
    """torch.optim.lr_scheduler.StepLR in closed form.

        lr = lr0 * gamma ** (epoch // step_size)

    Args:
        lr0: the initial rate.
        epoch: int >= 0 (0 is the first epoch, which runs at lr0).
        step_size: int >= 1, epochs between drops.
        gamma: the factor of each drop (torch's default 0.1).

    Returns:
        float.

    Raises:
        ValueError: if step_size < 1 or epoch < 0.

    Hint: integer division. epoch / step_size decays smoothly instead.
    """
    raise NotImplementedError


def exponential_lr(lr0: float, epoch: int, gamma: float) -> float:
    """torch.optim.lr_scheduler.ExponentialLR in closed form: lr0 * gamma ** epoch.

    Args:
        lr0: the initial rate.
        epoch: int >= 0.
        gamma: the factor per epoch.

    Returns:
        float.

    Raises:
        ValueError: if epoch < 0.
    """
    raise NotImplementedError


def cosine_lr(lr0: float, t: int, T: int, eta_min: float = 0.0) -> float:
    """torch.optim.lr_scheduler.CosineAnnealingLR in closed form.

        lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T)) / 2

    lr0 at t = 0, eta_min at t = T. For t > T the formula (and torch) keep
    going: the rate climbs back to lr0 at t = 2T. No clamping here.

    Args:
        lr0: the initial (maximum) rate.
        t: int >= 0, the step or epoch.
        T: int > 0, torch's T_max (half a period).
        eta_min: the minimum rate.

    Returns:
        float.

    Raises:
        ValueError: if T <= 0 or t < 0.
    """
    raise NotImplementedError


def warmup_cosine_lr(lr0: float, t: int, warmup: int, T: int, eta_min: float = 0.0) -> float:
    """Linear warmup, then cosine decay: the transformer schedule.

        t < warmup:          lr0 * t / warmup                   (0 at t = 0)
        warmup <= t < T:     eta_min + (lr0 - eta_min) * (1 + cos(pi * p)) / 2,
                             p = (t - warmup) / (T - warmup)
        t >= T:              eta_min                            (held, no rise)

    Continuous: lr0 at t = warmup, eta_min at t = T. warmup = 0 means no
    warmup (the cosine from t = 0); warmup = T means no decay phase.

    Args:
        lr0: the peak rate.
        t: int >= 0, the optimizer step.
        warmup: int, 0 <= warmup <= T, number of warmup steps.
        T: int > 0, the step at which the cosine reaches eta_min.
        eta_min: the final rate.

    Returns:
        float.

    Raises:
        ValueError: unless 0 <= warmup <= T, T > 0 and t >= 0.

    Hint: the cosine's progress runs from 0 at t = warmup to 1 at t = T;
    t / T is the common mistake.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: driver, test function, plot, and one extra
# ---------------------------------------------------------------------------


def minimize(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    step_fn: Callable,
    n_steps: int,
    **hyper,
) -> np.ndarray:
    """Run an optimizer: n_steps calls of step_fn from x0.

        state = {}
        repeat n_steps times:  x, state = step_fn(x, grad_fn(x), state, **hyper)

    Args:
        grad_fn: x (d,) -> gradient (d,).
        x0: (d,) starting point (not modified).
        step_fn: a step function of this topic, e.g. adam_step.
        n_steps: int >= 0.
        **hyper: passed to every step_fn call unchanged (lr=..., betas=...).

    Returns:
        trajectory (n_steps + 1, d): row 0 is x0, row t the point after t steps.

    Raises:
        ValueError: if x0 is not 1-D or n_steps < 0.

    Hint: the state must be threaded through, each call receiving what the
    previous call returned; a fresh {} per step makes every step a first step.
    """
    raise NotImplementedError


def rosenbrock(x: np.ndarray) -> float:
    """The Rosenbrock function in n >= 2 dimensions (scipy.optimize.rosen).

        f(x) = sum_{i=0}^{n-2} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2

    For n = 2: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, a curved, narrow valley
    with the minimum f = 0 at (1, 1). f(-1.2, 1) = 24.2.

    Args:
        x: (n,) with n >= 2.

    Returns:
        float.

    Raises:
        ValueError: if x is not 1-D with at least 2 entries.
    """
    raise NotImplementedError


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    """Gradient of rosenbrock at x (scipy.optimize.rosen_der), shape (n,).

    Term i touches x[i] and x[i+1]:

        d/dx[i]   += -400 x[i] (x[i+1] - x[i]^2) - 2 (1 - x[i])
        d/dx[i+1] +=  200 (x[i+1] - x[i]^2)

    A middle coordinate gets a contribution from two terms.

    Args:
        x: (n,) with n >= 2.

    Returns:
        (n,) array; at (-1.2, 1) it is (-215.6, -88).

    Raises:
        ValueError: if x is not 1-D with at least 2 entries.
    """
    raise NotImplementedError


def plot_optimizer_paths(path):
    """Draw six optimizers' trajectories on the 2-D Rosenbrock surface.

    One Axes: contours of the Rosenbrock function (log(1 + f) levels read
    best) on [-2, 2] x [-1, 3], and one line per optimizer, each the full
    trajectory (401 points) of ``minimize(rosenbrock_grad, [-1.2, 1.0],
    step_fn, 400, **hyper)``, labelled exactly:

        "SGD"       sgd_step       lr=1e-3
        "momentum"  momentum_step  lr=1e-3, momentum=0.9
        "Nesterov"  momentum_step  lr=1e-3, momentum=0.9, nesterov=True
        "AdaGrad"   adagrad_step   lr=0.5
        "RMSprop"   rmsprop_step   lr=3e-2
        "Adam"      adam_step      lr=0.1

    Mark the minimum (1, 1), add a legend, save a PNG to ``path``.

    Args:
        path: file name (str or pathlib.Path) of the PNG.

    Returns:
        the matplotlib Figure.

    Hint: import matplotlib.pyplot inside the function; plt.subplots,
    ax.contour, ax.plot(traj[:, 0], traj[:, 1], label=...), fig.savefig.
    """
    raise NotImplementedError


def quadratic_contraction(eigenvalues: np.ndarray, lr: float) -> float:
    """Worst-case per-step contraction of gradient descent on a quadratic.

    For f(x) = 0.5 x^T A x - b^T x with A symmetric positive definite, the
    error e_t = x_t - x* of gradient descent with step lr obeys
    e_{t+1} = (I - lr A) e_t, and along the eigenvector of eigenvalue
    lambda_i it is multiplied by 1 - lr * lambda_i. The rate is

        rho(lr) = max_i |1 - lr * lambda_i|

    (< 1: converges; > 1: diverges). At lr = 2 / (L + mu), with L and mu the
    largest and smallest eigenvalue, rho = (kappa - 1) / (kappa + 1),
    kappa = L / mu.

    Args:
        eigenvalues: (n,) eigenvalues of A, in any order.
        lr: the step size >= 0.

    Returns:
        float.

    Raises:
        ValueError: if eigenvalues is not a non-empty 1-D array.

    Hint: the absolute value matters once lr * lambda > 1.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

_STATE_KEYS = {
    "sgd_step": set(),
    "momentum_step": {"momentum_buffer"},
    "adagrad_step": {"step", "sum"},
    "rmsprop_step": {"step", "square_avg"},
    "adam_step": {"step", "exp_avg", "exp_avg_sq"},
    "adamw_step": {"step", "exp_avg", "exp_avg_sq"},
}


def _flat(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def _loop_optimizer(kind, p0, grads, **hyper):
    """torch.optim's update rules in plain Python, coordinate by coordinate.

    Written from PyTorch's documented algorithms, independent of the code under
    test. Returns a list, one entry per step, of (param, state) with the state
    laid out as in torch (arrays reshaped to p0's shape).
    """
    shape = np.shape(p0)
    p = _flat(p0)
    n = len(p)
    lr = hyper.get("lr", {"adagrad": 1e-2, "rmsprop": 1e-2}.get(kind, 1e-3))
    mu = hyper.get("momentum", 0.9)
    nesterov = hyper.get("nesterov", False)
    alpha = hyper.get("alpha", 0.99)
    eps = hyper.get("eps", 1e-10 if kind == "adagrad" else 1e-8)
    beta1, beta2 = hyper.get("betas", (0.9, 0.999))
    wd = hyper.get("weight_decay", 0.01 if kind == "adamw" else 0.0)
    buf, acc, m, v = None, [0.0] * n, [0.0] * n, [0.0] * n
    out = []
    for t, grad in enumerate(grads, start=1):
        g = _flat(grad)
        if kind == "sgd":
            p = [p[i] - lr * g[i] for i in range(n)]
            state = {}
        elif kind == "momentum":
            buf = list(g) if buf is None else [mu * buf[i] + g[i] for i in range(n)]
            d = [g[i] + mu * buf[i] for i in range(n)] if nesterov else buf
            p = [p[i] - lr * d[i] for i in range(n)]
            state = {"momentum_buffer": buf}
        elif kind == "adagrad":
            acc = [acc[i] + g[i] * g[i] for i in range(n)]
            p = [p[i] - lr * g[i] / (math.sqrt(acc[i]) + eps) for i in range(n)]
            state = {"step": t, "sum": acc}
        elif kind == "rmsprop":
            acc = [alpha * acc[i] + (1 - alpha) * g[i] * g[i] for i in range(n)]
            p = [p[i] - lr * g[i] / (math.sqrt(acc[i]) + eps) for i in range(n)]
            state = {"step": t, "square_avg": acc}
        elif kind in ("adam", "adamw"):
            if kind == "adamw":
                p = [p[i] * (1 - lr * wd) for i in range(n)]
            else:
                g = [g[i] + wd * p[i] for i in range(n)]
            m = [beta1 * m[i] + (1 - beta1) * g[i] for i in range(n)]
            v = [beta2 * v[i] + (1 - beta2) * g[i] * g[i] for i in range(n)]
            bc1, bc2 = 1 - beta1**t, 1 - beta2**t
            p = [p[i] - lr * (m[i] / bc1) / (math.sqrt(v[i] / bc2) + eps) for i in range(n)]
            state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
        else:
            raise AssertionError(kind)
        state = {
            k: (val if k == "step" else np.reshape(np.array(val, dtype=np.float64), shape))
            for k, val in state.items()
        }
        out.append((np.reshape(np.array(p, dtype=np.float64), shape), state))
    return out


def _random_problem(rng, shape, n_steps):
    """A start point and gradients whose scales span 1e-5 .. 1e3 per coordinate."""
    p0 = rng.standard_normal(shape)
    grads = [
        rng.standard_normal(shape) * 10.0 ** rng.uniform(-5.0, 3.0, size=shape)
        for _ in range(n_steps)
    ]
    return p0, grads


def _check_trajectory(fn, name, kind, shape, hyper, rng, assert_close, call_untouched, steps=8):
    """Run fn for several steps (each call checked for in-place writes) against the loop."""
    p0, grads = _random_problem(rng, shape, steps)
    expected = _loop_optimizer(kind, p0, grads, **hyper)
    param, state = p0, {}
    args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
    for t, (g, (p_exp, s_exp)) in enumerate(zip(grads, expected, strict=True), start=1):
        what = f"{name}(param {shape}, grad, state, {args}) at step {t}"
        param, state = call_untouched(fn, param, g, state, what=what, **hyper)
        assert_close(param, p_exp, tol=1e-12, what=what + " new_param (vs a loop of torch's rule)")
        _check_state(state, s_exp, name, what)


def _check_state(state, expected, name, what):
    assert isinstance(state, dict), f"{what} returned state of type {type(state).__name__}"
    assert set(state) == _STATE_KEYS[name], (
        f"{what} returned state keys {sorted(state)}, expected {sorted(_STATE_KEYS[name])} "
        "(torch.optim's per-parameter state names)"
    )
    for key, value in expected.items():
        got = state[key]
        if key == "step":
            is_int = isinstance(got, (int, np.integer)) and not isinstance(got, bool)
            assert is_int, (
                f"{what}: state['step'] is {got!r} of type {type(got).__name__}, expected an int"
            )
            assert got == value, f"{what}: state['step'] is {got}, expected {value}"
        else:
            got = np.asarray(got)
            assert got.shape == value.shape, (
                f"{what}: state[{key!r}] has shape {got.shape}, expected {value.shape}"
            )
            rel = np.max(np.abs(got - value) / np.maximum(1e-8, np.abs(got) + np.abs(value)))
            assert rel <= 1e-12, (
                f"{what}: state[{key!r}] is off by relative error {rel:.2e} (tol 1e-12)\n"
                f"  got:      {got!r}\n  expected: {value!r}"
            )


def _assert_fresh(fn, name, hyper, rng):
    """Two steps; the returned arrays must share no memory with any input."""
    param = rng.standard_normal((2, 3))
    state = {}
    for t in (1, 2):
        grad = rng.standard_normal((2, 3))
        new_param, new_state = fn(param, grad, state, **hyper)
        arrays = {"new_param": new_param} | {
            f"new_state[{k!r}]": v for k, v in new_state.items() if isinstance(v, np.ndarray)
        }
        inputs = {"param": param, "grad": grad} | {
            f"state[{k!r}]": v for k, v in state.items() if isinstance(v, np.ndarray)
        }
        for out_name, out in arrays.items():
            for in_name, arr in inputs.items():
                assert not np.shares_memory(out, arr), (
                    f"{name} at step {t}: {out_name} shares memory with the input {in_name}; "
                    "return new arrays (the caller may reuse or overwrite its inputs)"
                )
        assert new_state is not state, f"{name} at step {t} returned the caller's state dict"
        param, state = new_param, new_state


def _assert_rejects_shapes(fn, name):
    with pytest.raises(ValueError) as info:
        fn(np.zeros((1, 3)), np.zeros(3), {})
    message = str(info.value)
    for shape in [(1, 3), (3,)]:
        assert str(shape) in message, (
            f"{name}(param (1, 3), grad (3,), {{}}) raised ValueError({message!r}); "
            f"the message should name both shapes (1, 3) and (3,)"
        )


def _assert_zero_grad_stays(fn, name, call_quietly, assert_close, **hyper):
    # A coordinate with gradient exactly 0 on the first step: 0 / (0 + eps) = 0.
    # Without eps (or with eps inside the wrong place) this is 0 / 0 = nan.
    param = np.array([[0.5, -1.0], [2.0, 3.0]])
    grad = np.array([[0.0, 1.0], [-2.0, 0.0]])
    what = f"{name}(param, grad with zero entries, {{}})"
    new_param, _ = call_quietly(fn, param, grad, {}, what=what, **hyper)
    assert np.all(np.isfinite(new_param)), f"{what} returned non-finite values {new_param!r}"
    assert_close(new_param[[0, 1], [0, 1]], [0.5, 3.0], tol=1e-15, what=what + " zero-grad entries")


def _assert_defaults(fn, name, kind, rng, assert_close):
    """Three steps with every hyperparameter left at its default, against the loop.

    The loop's defaults are torch's: lr 1e-2 for Adagrad and RMSprop, 1e-3
    for the others; the loop never consults the code under test.
    """
    p0, grads = _random_problem(rng, (2, 2), 3)
    expected = _loop_optimizer(kind, p0, grads)
    param, state = p0, {}
    for t, (g, (p_exp, _)) in enumerate(zip(grads, expected, strict=True), start=1):
        param, state = fn(param, g, state)
        what = f"{name}(param, grad, state) with default hyperparameters, step {t}"
        assert_close(param, p_exp, tol=1e-12, what=what)


def _assert_value_error(call, what):
    """call() must raise ValueError; the failure message names the call."""
    try:
        call()
    except ValueError:
        return
    pytest.fail(f"{what} returned instead of raising ValueError", pytrace=False)


def _assert_rejects_hyper(fn, name, hyper):
    args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
    _assert_value_error(
        lambda: fn(np.ones(2), np.ones(2), {}, **hyper), f"{name}(ones(2), ones(2), {{}}, {args})"
    )


# --- sgd_step ---------------------------------------------------------------


def test_sgd_step_hand_computed(impl, assert_close):
    # [1, -2] - 0.1 * [0.5, 4] = [0.95, -2.4]
    new_param, new_state = impl.sgd_step(np.array([1.0, -2.0]), np.array([0.5, 4.0]), {}, lr=0.1)
    assert_close(new_param, [0.95, -2.4], tol=1e-15, what="sgd_step([1, -2], [0.5, 4], {}, lr=0.1)")
    assert new_state == {}, f"sgd_step returned state {new_state!r}; SGD keeps none: {{}}"


@pytest.mark.parametrize("shape", [(1,), (3, 4)])
def test_sgd_step_trajectory_matches_torch_rule(impl, rng, assert_close, call_untouched, shape):
    _check_trajectory(
        impl.sgd_step, "sgd_step", "sgd", shape, {"lr": 0.05}, rng, assert_close, call_untouched
    )


def test_sgd_step_lr_zero_leaves_param(impl, rng, assert_close):
    param = rng.standard_normal((2, 3))
    new_param, _ = impl.sgd_step(param, rng.standard_normal((2, 3)), {}, lr=0.0)
    assert_close(new_param, param, tol=0.0, what="sgd_step(param, grad, {}, lr=0)")


def test_sgd_step_default_lr_is_torch_1e_3(impl, assert_close):
    new_param, _ = impl.sgd_step(np.array([1.0]), np.array([2.0]), {})
    assert_close(new_param, [1.0 - 2e-3], tol=1e-15, what="sgd_step([1], [2], {}) with default lr")


def test_sgd_step_returns_new_arrays(impl, rng):
    _assert_fresh(impl.sgd_step, "sgd_step", {"lr": 0.1}, rng)


def test_sgd_step_rejects_mismatched_shapes(impl):
    _assert_rejects_shapes(impl.sgd_step, "sgd_step")


def test_sgd_step_rejects_negative_lr(impl):
    with pytest.raises(ValueError):
        impl.sgd_step(np.ones(2), np.ones(2), {}, lr=-0.1)


# --- momentum_step ----------------------------------------------------------


def test_momentum_step_two_steps_hand_computed(impl, assert_close):
    # lr 0.1, mu 0.9. Step 1: v = g1 = [0.5, 1] (torch copies the gradient),
    # p = [1, -2] - 0.1 v = [0.95, -2.1]. Step 2: v = 0.9 [0.5, 1] + [1, -1]
    # = [1.45, -0.1], p = [0.95 - 0.145, -2.1 + 0.01] = [0.805, -2.09].
    # The EMA form v = (1 - mu) g would give [0.995, -2.01] after step 1.
    p1, s1 = impl.momentum_step(np.array([1.0, -2.0]), np.array([0.5, 1.0]), {}, lr=0.1)
    what = "momentum_step([1, -2], [0.5, 1], {}, lr=0.1, momentum=0.9)"
    assert_close(p1, [0.95, -2.1], tol=1e-14, what=what + " new_param")
    assert_close(s1["momentum_buffer"], [0.5, 1.0], tol=1e-15, what=what + " momentum_buffer")
    p2, s2 = impl.momentum_step(p1, np.array([1.0, -1.0]), s1, lr=0.1)
    what = "momentum_step(step 2, grad [1, -1])"
    assert_close(p2, [0.805, -2.09], tol=1e-14, what=what + " new_param")
    assert_close(s2["momentum_buffer"], [1.45, -0.1], tol=1e-14, what=what + " momentum_buffer")


def test_momentum_step_nesterov_two_steps_hand_computed(impl, assert_close):
    # Step 1: v = g1, direction g1 + 0.9 v = 1.9 [0.5, 1] = [0.95, 1.9],
    # p = [0.905, -2.19]. Step 2: v = [1.45, -0.1], direction [1, -1] +
    # 0.9 v = [2.305, -1.09], p = [0.905 - 0.2305, -2.19 + 0.109] = [0.6745, -2.081].
    what = "momentum_step([1, -2], [0.5, 1], {}, lr=0.1, momentum=0.9, nesterov=True)"
    p1, s1 = impl.momentum_step(
        np.array([1.0, -2.0]), np.array([0.5, 1.0]), {}, lr=0.1, nesterov=True
    )
    assert_close(p1, [0.905, -2.19], tol=1e-14, what=what + " new_param")
    p2, s2 = impl.momentum_step(p1, np.array([1.0, -1.0]), s1, lr=0.1, nesterov=True)
    what = "momentum_step(step 2, grad [1, -1], nesterov=True)"
    assert_close(p2, [0.6745, -2.081], tol=1e-14, what=what + " new_param")
    assert_close(s2["momentum_buffer"], [1.45, -0.1], tol=1e-14, what=what + " momentum_buffer")


@pytest.mark.parametrize("shape", [(1,), (3, 4)])
@pytest.mark.parametrize(
    "hyper",
    [{"lr": 0.05}, {"lr": 0.02, "momentum": 0.5}, {"lr": 0.05, "momentum": 0.9, "nesterov": True}],
)
def test_momentum_step_trajectory_matches_torch_rule(
    impl, rng, assert_close, call_untouched, shape, hyper
):
    _check_trajectory(
        impl.momentum_step,
        "momentum_step",
        "momentum",
        shape,
        hyper,
        rng,
        assert_close,
        call_untouched,
    )


def test_momentum_step_with_momentum_zero_is_sgd(impl, rng, assert_close):
    p0, grads = _random_problem(rng, (2, 3), 4)
    expected = _loop_optimizer("sgd", p0, grads, lr=0.1)
    param, state = p0, {}
    for t, (g, (p_exp, _)) in enumerate(zip(grads, expected, strict=True), start=1):
        param, state = impl.momentum_step(param, g, state, lr=0.1, momentum=0.0)
        what = f"momentum_step(..., lr=0.1, momentum=0) at step {t}"
        assert_close(param, p_exp, tol=1e-12, what=what + " (expected plain SGD)")
        # The documented choice: the buffer is still kept (it equals grad).
        assert_close(state["momentum_buffer"], g, tol=0.0, what=what + " momentum_buffer")


def test_momentum_step_lr_zero_still_updates_buffer(impl, rng, assert_close):
    # lr = 0 freezes the parameter, but the buffer still accumulates:
    # v1 = g1, v2 = 0.9 g1 + g2. A shortcut "if not lr: return" loses it.
    param = rng.standard_normal(3)
    g1, g2 = rng.standard_normal(3), rng.standard_normal(3)
    p1, s1 = impl.momentum_step(param, g1, {}, lr=0.0)
    p2, s2 = impl.momentum_step(p1, g2, s1, lr=0.0)
    assert_close(p2, param, tol=0.0, what="momentum_step(..., lr=0) twice: new_param")
    assert_close(s2["momentum_buffer"], 0.9 * g1 + g2, tol=1e-15, what="momentum_step lr=0: buffer")


def test_momentum_step_default_momentum_is_0_9(impl, assert_close):
    # Two steps with g = [1]: v = 1, then 0.9 + 1 = 1.9; p = 1 - 0.1 - 0.19 = 0.71.
    p1, s1 = impl.momentum_step(np.array([1.0]), np.array([1.0]), {}, lr=0.1)
    p2, _ = impl.momentum_step(p1, np.array([1.0]), s1, lr=0.1)
    assert_close(p2, [0.71], tol=1e-14, what="momentum_step default momentum, 2 steps of g=[1]")


def test_momentum_step_nesterov_needs_momentum(impl):
    with pytest.raises(ValueError):
        impl.momentum_step(np.ones(2), np.ones(2), {}, lr=0.1, momentum=0.0, nesterov=True)


def test_momentum_step_returns_new_arrays(impl, rng):
    _assert_fresh(impl.momentum_step, "momentum_step", {"lr": 0.1}, rng)


def test_momentum_step_rejects_mismatched_shapes(impl):
    _assert_rejects_shapes(impl.momentum_step, "momentum_step")


def test_momentum_step_defaults_are_lr_1e_3_and_momentum_0_9(impl, rng, assert_close):
    _assert_defaults(impl.momentum_step, "momentum_step", "momentum", rng, assert_close)


@pytest.mark.parametrize("hyper", [{"lr": -0.1}, {"lr": 0.1, "momentum": -0.5}])
def test_momentum_step_rejects_invalid_hyperparameters(impl, hyper):
    _assert_rejects_hyper(impl.momentum_step, "momentum_step", hyper)


# --- adagrad_step -----------------------------------------------------------


def test_adagrad_step_first_step_hand_computed(impl, assert_close):
    # sum = g^2, so the first update is lr g / (|g| + eps): lr per coordinate,
    # whatever the gradient's scale (eps = 1e-10 is negligible here).
    param = np.array([0.5, -1.0, 2.0])
    grad = np.array([4.0, -0.01, 1e-3])
    what = "adagrad_step([0.5, -1, 2], [4, -0.01, 1e-3], {}, lr=0.1)"
    new_param, state = impl.adagrad_step(param, grad, {}, lr=0.1)
    expected = [
        0.5 - 0.1 * 4.0 / (4.0 + 1e-10),
        -1.0 + 0.1 * 0.01 / (0.01 + 1e-10),
        2.0 - 0.1 * 1e-3 / (1e-3 + 1e-10),
    ]
    assert_close(new_param, expected, tol=1e-14, what=what + " new_param")
    _check_state(state, {"step": 1, "sum": grad**2}, "adagrad_step", what)


def test_adagrad_step_eps_is_added_after_the_square_root(impl, assert_close):
    # eps = 0.5, g = 1: update lr * 1 / (sqrt(1) + 0.5) = 0.2 for lr = 0.3.
    # sqrt(1 + 0.5) would give 0.245.
    new_param, _ = impl.adagrad_step(np.array([0.0]), np.array([1.0]), {}, lr=0.3, eps=0.5)
    assert_close(new_param, [-0.2], tol=1e-14, what="adagrad_step([0], [1], {}, lr=0.3, eps=0.5)")


def test_adagrad_step_sums_rather_than_averages(impl, assert_close):
    # g = 3 twice: sum = 9 then 18, step 2 moves lr * 3 / sqrt(18) = lr / sqrt(2).
    p1, s1 = impl.adagrad_step(np.array([0.0]), np.array([3.0]), {}, lr=1.0, eps=0.0)
    p2, s2 = impl.adagrad_step(p1, np.array([3.0]), s1, lr=1.0, eps=0.0)
    what = "adagrad_step, two steps of g=[3], lr=1, eps=0"
    assert_close(p2, [-1.0 - 1.0 / math.sqrt(2.0)], tol=1e-14, what=what + " new_param")
    _check_state(s2, {"step": 2, "sum": np.array([18.0])}, "adagrad_step", what)


@pytest.mark.parametrize("shape", [(1,), (3, 4)])
@pytest.mark.parametrize("hyper", [{"lr": 0.1}, {"lr": 0.05, "eps": 1e-3}])
def test_adagrad_step_trajectory_matches_torch_rule(
    impl, rng, assert_close, call_untouched, shape, hyper
):
    _check_trajectory(
        impl.adagrad_step,
        "adagrad_step",
        "adagrad",
        shape,
        hyper,
        rng,
        assert_close,
        call_untouched,
    )


def test_adagrad_step_zero_gradient_coordinate_stays_put(impl, call_quietly, assert_close):
    _assert_zero_grad_stays(impl.adagrad_step, "adagrad_step", call_quietly, assert_close, lr=0.1)


def test_adagrad_step_returns_new_arrays(impl, rng):
    _assert_fresh(impl.adagrad_step, "adagrad_step", {"lr": 0.1}, rng)


def test_adagrad_step_rejects_mismatched_shapes(impl):
    _assert_rejects_shapes(impl.adagrad_step, "adagrad_step")


def test_adagrad_step_defaults_are_torch_defaults(impl, rng, assert_close):
    # torch.optim.Adagrad: lr 1e-2 (not Adam's 1e-3), eps 1e-10.
    _assert_defaults(impl.adagrad_step, "adagrad_step", "adagrad", rng, assert_close)


@pytest.mark.parametrize("hyper", [{"lr": -0.1}, {"lr": 0.1, "eps": -1e-10}])
def test_adagrad_step_rejects_invalid_hyperparameters(impl, hyper):
    _assert_rejects_hyper(impl.adagrad_step, "adagrad_step", hyper)


# --- rmsprop_step -----------------------------------------------------------


def test_rmsprop_step_first_step_has_no_bias_correction(impl, assert_close):
    # square_avg = 0.01 g^2, sqrt = 0.1 |g|: the first update is
    # lr g / (0.1 |g| + eps), about 10 lr per coordinate (torch has no bias
    # correction in RMSprop; with one, the update would be lr).
    param = np.array([1.0, -1.0])
    grad = np.array([2.0, -0.01])
    what = "rmsprop_step([1, -1], [2, -0.01], {}, lr=0.01)"
    new_param, state = impl.rmsprop_step(param, grad, {}, lr=0.01)
    expected = param - 0.01 * grad / (0.1 * np.abs(grad) + 1e-8)
    assert_close(new_param, expected, tol=1e-14, what=what + " new_param")
    _check_state(state, {"step": 1, "square_avg": 0.01 * grad**2}, "rmsprop_step", what)


@pytest.mark.parametrize("shape", [(1,), (3, 4)])
@pytest.mark.parametrize("hyper", [{"lr": 0.01}, {"lr": 0.003, "alpha": 0.9, "eps": 1e-3}])
def test_rmsprop_step_trajectory_matches_torch_rule(
    impl, rng, assert_close, call_untouched, shape, hyper
):
    _check_trajectory(
        impl.rmsprop_step,
        "rmsprop_step",
        "rmsprop",
        shape,
        hyper,
        rng,
        assert_close,
        call_untouched,
    )


def test_rmsprop_step_eps_is_added_after_the_square_root(impl, assert_close):
    # alpha = 0: square_avg = g^2 = 1; update lr / (1 + eps) = 0.5 / 1.25 = 0.4.
    new_param, _ = impl.rmsprop_step(
        np.array([0.0]), np.array([1.0]), {}, lr=0.5, alpha=0.0, eps=0.25
    )
    assert_close(
        new_param, [-0.4], tol=1e-14, what="rmsprop_step([0], [1], {}, lr=0.5, alpha=0, eps=0.25)"
    )


def test_rmsprop_step_zero_gradient_coordinate_stays_put(impl, call_quietly, assert_close):
    _assert_zero_grad_stays(impl.rmsprop_step, "rmsprop_step", call_quietly, assert_close)


def test_rmsprop_step_returns_new_arrays(impl, rng):
    _assert_fresh(impl.rmsprop_step, "rmsprop_step", {"lr": 0.01}, rng)


def test_rmsprop_step_rejects_mismatched_shapes(impl):
    _assert_rejects_shapes(impl.rmsprop_step, "rmsprop_step")


def test_rmsprop_step_defaults_are_torch_defaults(impl, rng, assert_close):
    # torch.optim.RMSprop: lr 1e-2 (not Adam's 1e-3), alpha 0.99, eps 1e-8.
    _assert_defaults(impl.rmsprop_step, "rmsprop_step", "rmsprop", rng, assert_close)


@pytest.mark.parametrize(
    "hyper", [{"lr": -0.1}, {"lr": 0.1, "alpha": -0.5}, {"lr": 0.1, "eps": -1e-8}]
)
def test_rmsprop_step_rejects_invalid_hyperparameters(impl, hyper):
    _assert_rejects_hyper(impl.rmsprop_step, "rmsprop_step", hyper)


# --- adam_step --------------------------------------------------------------


def test_adam_step_first_step_moves_lr_per_coordinate(impl, assert_close):
    # Bias correction makes m_hat = g and v_hat = g^2 on step 1, so each
    # coordinate moves lr g / (|g| + eps), i.e. lr whatever the gradient's
    # scale. Without the correction the step is 0.1 g / sqrt(0.001 g^2) =
    # 3.16 lr.
    param = np.array([0.5, -1.5, 2.0])
    grad = np.array([1e-3, 10.0, -3.0])
    what = "adam_step([0.5, -1.5, 2], [1e-3, 10, -3], {}, lr=0.1)"
    new_param, state = impl.adam_step(param, grad, {}, lr=0.1)
    expected = param - 0.1 * grad / (np.abs(grad) + 1e-8)
    assert_close(new_param, expected, tol=1e-14, what=what + " new_param")
    _check_state(
        state,
        {"step": 1, "exp_avg": 0.1 * grad, "exp_avg_sq": 0.001 * grad**2},
        "adam_step",
        what + " (the stored moments are NOT bias-corrected)",
    )


def test_adam_step_eps_is_added_after_sqrt_of_corrected_v(impl, assert_close):
    # eps = 0.5, g = 1, lr = 1: m_hat = 1, v_hat = 1, update 1 / (1 + 0.5) = 2/3.
    # sqrt(v_hat + eps) gives 0.816; eps added before the bias correction,
    # (sqrt(v) + eps) / sqrt(1 - beta2), gives 0.059.
    new_param, _ = impl.adam_step(np.array([0.0]), np.array([1.0]), {}, lr=1.0, eps=0.5)
    assert_close(new_param, [-2.0 / 3.0], tol=1e-14, what="adam_step([0], [1], {}, lr=1, eps=0.5)")


@pytest.mark.parametrize("shape", [(1,), (3, 4)])
@pytest.mark.parametrize(
    "hyper",
    [
        {"lr": 0.01},
        {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-3, "weight_decay": 0.3},
        {"lr": 0.02, "betas": (0.0, 0.99)},
    ],
)
def test_adam_step_trajectory_matches_torch_rule(
    impl, rng, assert_close, call_untouched, shape, hyper
):
    _check_trajectory(
        impl.adam_step, "adam_step", "adam", shape, hyper, rng, assert_close, call_untouched
    )


def test_adam_step_defaults_are_torch_defaults(impl, rng, assert_close):
    p0, grads = _random_problem(rng, (2, 2), 3)
    expected = _loop_optimizer("adam", p0, grads)  # lr 1e-3, betas (0.9, 0.999), eps 1e-8, wd 0
    param, state = p0, {}
    for t, (g, (p_exp, _)) in enumerate(zip(grads, expected, strict=True), start=1):
        param, state = impl.adam_step(param, g, state)
        assert_close(param, p_exp, tol=1e-12, what=f"adam_step(param, grad, state) step {t}")


def test_adam_step_weight_decay_goes_through_the_normalisation(impl, assert_close):
    # grad = 0, weight_decay = 0.5: g = 0.5 param = [1, -1.5], and the first
    # Adam step normalises it to lr sign(param): [2, -3] -> [1.9, -2.9]
    # (up to eps). This is why L2 in Adam is not weight decay: the pull
    # towards 0 is the same 0.1 for both weights, not proportional to them.
    param = np.array([2.0, -3.0])
    new_param, _ = impl.adam_step(param, np.zeros(2), {}, lr=0.1, weight_decay=0.5)
    g = 0.5 * param
    assert_close(
        new_param,
        param - 0.1 * g / (np.abs(g) + 1e-8),
        tol=1e-14,
        what="adam_step([2, -3], grad 0, {}, lr=0.1, weight_decay=0.5)",
    )


def test_adam_step_reads_step_count_from_state(impl, rng, assert_close):
    # Resume at step 9 (as after loading a checkpoint): this update is t = 10,
    # with bias corrections 1 - 0.9^10 and 1 - 0.999^10.
    param = rng.standard_normal(4)
    grad = rng.standard_normal(4)
    m0 = 0.1 * rng.standard_normal(4)
    v0 = 0.01 * rng.uniform(0.5, 1.5, size=4)
    state = {"step": 9, "exp_avg": m0, "exp_avg_sq": v0}
    what = "adam_step(param (4,), grad, state with step=9, lr=0.01)"
    new_param, new_state = impl.adam_step(param, grad, state, lr=0.01)
    m = 0.9 * m0 + 0.1 * grad
    v = 0.999 * v0 + 0.001 * grad**2
    expected = param - 0.01 * (m / (1 - 0.9**10)) / (np.sqrt(v / (1 - 0.999**10)) + 1e-8)
    assert_close(new_param, expected, tol=1e-13, what=what + " new_param")
    _check_state(new_state, {"step": 10, "exp_avg": m, "exp_avg_sq": v}, "adam_step", what)


def test_adam_step_lr_zero_still_updates_moments(impl, rng, assert_close):
    param = rng.standard_normal(3)
    grad = rng.standard_normal(3)
    what = "adam_step(param, grad, {}, lr=0, weight_decay=0.1)"
    new_param, state = impl.adam_step(param, grad, {}, lr=0.0, weight_decay=0.1)
    assert_close(new_param, param, tol=0.0, what=what + " new_param")
    g = grad + 0.1 * param
    _check_state(
        state, {"step": 1, "exp_avg": 0.1 * g, "exp_avg_sq": 0.001 * g**2}, "adam_step", what
    )


def test_adam_step_zero_gradient_coordinate_stays_put(impl, call_quietly, assert_close):
    _assert_zero_grad_stays(impl.adam_step, "adam_step", call_quietly, assert_close, lr=0.1)


def test_adam_step_returns_new_arrays(impl, rng):
    _assert_fresh(impl.adam_step, "adam_step", {"lr": 0.01}, rng)


def test_adam_step_rejects_mismatched_shapes(impl):
    _assert_rejects_shapes(impl.adam_step, "adam_step")


def test_adam_step_eps_0_is_used_as_given(impl, assert_close):
    # eps = 0 is valid (falsy, not "use the default"): the first step is then
    # exactly lr * sign(g). With eps 1e-8 it would be 0.5 * 2 / (2 + 1e-8).
    what = "adam_step([0, 1], [2, -0.5], {}, lr=0.5, eps=0.0)"
    new_param, _ = impl.adam_step(np.array([0.0, 1.0]), np.array([2.0, -0.5]), {}, lr=0.5, eps=0.0)
    assert_close(new_param, [-0.5, 1.5], tol=1e-15, what=what)


@pytest.mark.parametrize(
    "hyper",
    [
        {"lr": -0.1},
        {"lr": 0.1, "eps": -1e-8},
        {"lr": 0.1, "weight_decay": -0.01},
        # beta = 1 never forgets the zero start and makes 1 - beta^t = 0.
        {"lr": 0.1, "betas": (1.0, 0.999)},
        {"lr": 0.1, "betas": (0.9, 1.0)},
        {"lr": 0.1, "betas": (-0.1, 0.999)},
    ],
)
def test_adam_step_rejects_invalid_hyperparameters(impl, hyper):
    _assert_rejects_hyper(impl.adam_step, "adam_step", hyper)


# --- adamw_step -------------------------------------------------------------


def test_adamw_step_decay_is_decoupled(impl, assert_close):
    # grad = 0: m = v = 0 and the Adam part is 0 / (0 + eps) = 0, so the
    # only change is the decay param * (1 - lr wd) = [2, -3] * 0.95.
    # Adam with L2 (previous test) moves [2, -3] to [1.9, -2.9] instead;
    # scaling the decay by lr / (1 - beta1) would give [1.0, -1.5].
    param = np.array([2.0, -3.0])
    what = "adamw_step([2, -3], grad 0, {}, lr=0.1, weight_decay=0.5)"
    new_param, state = impl.adamw_step(param, np.zeros(2), {}, lr=0.1, weight_decay=0.5)
    assert_close(new_param, [1.9, -2.85], tol=1e-15, what=what + " new_param")
    _check_state(
        state, {"step": 1, "exp_avg": np.zeros(2), "exp_avg_sq": np.zeros(2)}, "adamw_step", what
    )


@pytest.mark.parametrize("shape", [(1,), (3, 4)])
@pytest.mark.parametrize(
    "hyper",
    [
        {"lr": 0.01},
        {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-3, "weight_decay": 0.5},
        {"lr": 0.02, "weight_decay": 0.0},
    ],
)
def test_adamw_step_trajectory_matches_torch_rule(
    impl, rng, assert_close, call_untouched, shape, hyper
):
    _check_trajectory(
        impl.adamw_step, "adamw_step", "adamw", shape, hyper, rng, assert_close, call_untouched
    )


def test_adamw_step_default_weight_decay_is_0_01(impl, assert_close):
    # grad = 0, lr = 0.1, default wd 0.01: param * (1 - 0.001).
    new_param, _ = impl.adamw_step(np.array([3.0]), np.zeros(1), {}, lr=0.1)
    assert_close(new_param, [3.0 * 0.999], tol=1e-15, what="adamw_step([3], [0], {}, lr=0.1)")


def test_adamw_step_zero_gradient_coordinate_stays_put(impl, call_quietly, assert_close):
    _assert_zero_grad_stays(
        impl.adamw_step, "adamw_step", call_quietly, assert_close, lr=0.1, weight_decay=0.0
    )


def test_adamw_step_returns_new_arrays(impl, rng):
    _assert_fresh(impl.adamw_step, "adamw_step", {"lr": 0.01}, rng)


def test_adamw_step_rejects_mismatched_shapes(impl):
    _assert_rejects_shapes(impl.adamw_step, "adamw_step")


def test_adamw_step_defaults_are_torch_defaults(impl, rng, assert_close):
    # torch.optim.AdamW: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2.
    _assert_defaults(impl.adamw_step, "adamw_step", "adamw", rng, assert_close)


@pytest.mark.parametrize(
    "hyper",
    [
        {"lr": -0.1},
        {"lr": 0.1, "eps": -1e-8},
        {"lr": 0.1, "weight_decay": -0.01},
        # beta = 1 never forgets the zero start and makes 1 - beta^t = 0.
        {"lr": 0.1, "betas": (1.0, 0.999)},
        {"lr": 0.1, "betas": (0.9, 1.0)},
        {"lr": 0.1, "betas": (-0.1, 0.999)},
    ],
)
def test_adamw_step_rejects_invalid_hyperparameters(impl, hyper):
    _assert_rejects_hyper(impl.adamw_step, "adamw_step", hyper)


# --- schedules --------------------------------------------------------------


def _assert_float(value, what):
    assert isinstance(value, float), f"{what} returned {type(value).__name__}, expected a float"


def test_step_lr_drops_every_step_size_epochs(impl, assert_close):
    # lr0 0.1, step_size 3, gamma 0.1: epochs 0-2 at 0.1, 3-5 at 0.01, 6-7 at 0.001.
    expected = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001]
    got = [impl.step_lr(0.1, e, 3, 0.1) for e in range(8)]
    for g in got:
        _assert_float(g, "step_lr(0.1, epoch, 3, 0.1)")
    assert_close(got, expected, tol=1e-14, what="[step_lr(0.1, e, 3, 0.1) for e in 0..7]")


def test_step_lr_default_gamma_is_0_1(impl, assert_close):
    assert_close(impl.step_lr(0.5, 4, 2), 0.005, tol=1e-14, what="step_lr(0.5, 4, 2)")


@pytest.mark.parametrize(("epoch", "step_size"), [(-1, 3), (4, 0)])
def test_step_lr_rejects_invalid_arguments(impl, epoch, step_size):
    _assert_value_error(
        lambda: impl.step_lr(0.1, epoch, step_size), f"step_lr(0.1, {epoch}, {step_size})"
    )


def test_exponential_lr_hand_computed(impl, assert_close):
    got = [impl.exponential_lr(0.2, e, 0.5) for e in range(4)]
    _assert_float(got[0], "exponential_lr(0.2, 0, 0.5)")
    assert_close(got, [0.2, 0.1, 0.05, 0.025], tol=1e-15, what="exponential_lr(0.2, e, 0.5)")


def test_exponential_lr_rejects_negative_epoch(impl):
    # 0.2 * 0.5 ** -1 = 0.4 would silently exceed the initial rate.
    _assert_value_error(lambda: impl.exponential_lr(0.2, -1, 0.5), "exponential_lr(0.2, -1, 0.5)")


def test_cosine_lr_matches_torch_values(impl, assert_close):
    # torch.optim.lr_scheduler.CosineAnnealingLR(T_max=4, eta_min=0.01) on
    # lr 0.1, read off t = 0..8: down to 0.01 at t = 4 and back up to 0.1 at
    # t = 8 (torch does not clamp after T_max).
    c = (1.0 + math.cos(math.pi / 4.0)) / 2.0  # 0.853553...
    torch_lrs = [0.1, 0.01 + 0.09 * c, 0.055, 0.01 + 0.09 * (1 - c), 0.01]
    torch_lrs += torch_lrs[-2::-1]
    got = [impl.cosine_lr(0.1, t, 4, eta_min=0.01) for t in range(9)]
    _assert_float(got[0], "cosine_lr(0.1, 0, 4, 0.01)")
    assert_close(got, torch_lrs, tol=1e-14, what="[cosine_lr(0.1, t, 4, eta_min=0.01), t=0..8]")


def test_cosine_lr_default_eta_min_is_zero(impl, assert_close):
    assert_close(impl.cosine_lr(0.3, 10, 10), 0.0, tol=1e-15, what="cosine_lr(0.3, 10, 10)")
    assert_close(impl.cosine_lr(0.3, 5, 10), 0.15, tol=1e-14, what="cosine_lr(0.3, 5, 10)")


@pytest.mark.parametrize(("t", "T"), [(-1, 4), (2, 0)])
def test_cosine_lr_rejects_invalid_arguments(impl, t, T):
    _assert_value_error(lambda: impl.cosine_lr(0.1, t, T), f"cosine_lr(0.1, {t}, {T})")


def test_warmup_cosine_lr_pinned_values(impl, assert_close):
    # lr0 0.3, warmup 5, T 20: t / 5 * 0.3 during warmup (0 at t = 0), 0.3 at
    # t = 5, progress (10 - 5) / 15 = 1/3 at t = 10: 0.3 (1 + cos(pi/3)) / 2
    # = 0.225; 0 at t = 20 and after. Progress t / T would give 0.15 at t = 10.
    cases = {0: 0.0, 1: 0.06, 4: 0.24, 5: 0.3, 10: 0.225, 20: 0.0, 25: 0.0, 40: 0.0}
    for t, expected in cases.items():
        got = impl.warmup_cosine_lr(0.3, t, 5, 20)
        _assert_float(got, f"warmup_cosine_lr(0.3, {t}, 5, 20)")
        assert_close(got, expected, tol=1e-14, what=f"warmup_cosine_lr(0.3, {t}, 5, 20)")


def test_warmup_cosine_lr_holds_eta_min_after_T(impl, assert_close):
    for t in (10, 11, 15, 20):
        got = impl.warmup_cosine_lr(0.3, t, 3, 10, eta_min=0.01)
        assert_close(got, 0.01, tol=1e-14, what=f"warmup_cosine_lr(0.3, {t}, 3, 10, eta_min=0.01)")


def test_warmup_cosine_lr_without_warmup_is_the_cosine(impl, assert_close):
    for t in range(0, 11):
        expected = 0.01 + 0.29 * (1.0 + math.cos(math.pi * t / 10)) / 2.0
        got = impl.warmup_cosine_lr(0.3, t, 0, 10, eta_min=0.01)
        assert_close(got, expected, tol=1e-14, what=f"warmup_cosine_lr(0.3, {t}, 0, 10, 0.01)")


def test_warmup_cosine_lr_rejects_warmup_beyond_T(impl):
    with pytest.raises(ValueError):
        impl.warmup_cosine_lr(0.3, 1, 12, 10)


def test_warmup_cosine_lr_warmup_equal_to_T_is_valid(impl, assert_close):
    # warmup = T is allowed (0 <= warmup <= T): a pure linear warmup to lr0,
    # then eta_min from t = T on. A check `warmup < T` would reject it.
    cases = {0: 0.0, 5: 0.15, 9: 0.27, 10: 0.01, 15: 0.01}
    for t, expected in cases.items():
        got = impl.warmup_cosine_lr(0.3, t, 10, 10, eta_min=0.01)
        assert_close(got, expected, tol=1e-14, what=f"warmup_cosine_lr(0.3, {t}, 10, 10, 0.01)")


# --- minimize ---------------------------------------------------------------


def _gd(x, g, state, lr):
    """Plain gradient descent written here, so minimize is tested on its own."""
    return x - lr * g, {"calls": state.get("calls", 0) + 1}


def test_minimize_gd_on_a_quadratic_matches_closed_form(impl, rng, assert_close):
    # f = 0.5 x^T A x: gradient A x, and x_t = (I - lr A)^t x0 exactly.
    B = rng.standard_normal((3, 3))
    A = B @ B.T + 0.5 * np.eye(3)
    x0 = rng.standard_normal(3)
    lr = 0.5 / np.linalg.eigvalsh(A).max()
    traj = impl.minimize(lambda x: A @ x, x0, _gd, 12, lr=lr)
    assert np.shape(traj) == (13, 3), (
        f"minimize(..., n_steps=12) returned shape {np.shape(traj)}, expected (13, 3)"
    )
    M = np.eye(3) - lr * A
    expected = np.array([np.linalg.matrix_power(M, t) @ x0 for t in range(13)])
    assert_close(traj, expected, tol=1e-12, what="minimize(A x, x0 (3,), gd, 12) trajectory")


def test_minimize_threads_the_state_and_passes_hyper(impl):
    calls = []

    def step_fn(x, g, state, **hyper):
        calls.append((x.copy(), g.copy(), dict(state), hyper))
        return x - 0.5 * g, {"calls": state.get("calls", 0) + 1}

    x0 = np.array([4.0, -2.0])
    traj = impl.minimize(lambda x: 2.0 * x, x0, step_fn, 3, lr=0.7, flag="yes")
    assert len(calls) == 3, f"minimize(..., n_steps=3) called step_fn {len(calls)} times, not 3"
    states = [c[2] for c in calls]
    assert states == [{}, {"calls": 1}, {"calls": 2}], (
        f"step_fn received states {states}; expected {{}} first, then each call's returned state"
    )
    for i, (x, g, _, hyper) in enumerate(calls):
        assert hyper == {"lr": 0.7, "flag": "yes"}, f"call {i} got hyper {hyper}"
        assert np.array_equal(g, 2.0 * x), f"call {i}: grad {g} is not grad_fn(x) at x = {x}"
    # x - 0.5 * 2x = 0: the second row is the origin.
    expected = np.array([[4.0, -2.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    assert np.array_equal(np.asarray(traj), expected), f"trajectory {traj!r}, expected {expected!r}"


def test_minimize_zero_steps_returns_x0(impl, assert_close):
    traj = impl.minimize(lambda x: x, np.array([1.0, 2.0, 3.0]), _gd, 0, lr=0.1)
    assert np.shape(traj) == (1, 3), f"minimize(..., n_steps=0) returned shape {np.shape(traj)}"
    assert_close(traj, [[1.0, 2.0, 3.0]], tol=0.0, what="minimize(..., n_steps=0)")


def test_minimize_rejects_x0_that_is_not_a_point(impl):
    with pytest.raises(ValueError):
        impl.minimize(lambda x: x, np.zeros((2, 2)), _gd, 3, lr=0.1)


def test_minimize_leaves_x0_untouched(impl, call_untouched):
    x0 = np.array([0.3, -0.7])
    call_untouched(impl.minimize, lambda x: 2.0 * x, x0, _gd, 5, lr=0.1, what="minimize(...)")


def test_minimize_rows_are_independent_copies(impl, call_untouched):
    # A step function that updates x in place (legal for a step_fn written for
    # speed) must neither rewrite rows already stored in the trajectory nor
    # reach the caller's x0 (minimize works on its own copy).
    def inplace(x, g, state, lr):
        x -= lr * g
        return x, state

    x0 = np.array([1.0])
    what = "minimize(ones, x0=[1.0], step_fn updating x in place, 3, lr=0.25)"
    traj = call_untouched(
        impl.minimize, lambda x: np.ones_like(x), x0, inplace, 3, lr=0.25, what=what
    )
    expected = np.array([[1.0], [0.75], [0.5], [0.25]])
    assert np.array_equal(np.asarray(traj), expected), (
        f"minimize with an in-place step_fn returned {np.asarray(traj).ravel()}, expected "
        f"{expected.ravel()}: copy each iterate into the trajectory (and x0 before the loop)"
    )


def test_minimize_integer_x0_gives_a_float_trajectory(impl, assert_close):
    # x0 = [1, 2] as ints: x <- x - 0.25 x = 0.75 x. A trajectory allocated
    # with x0's integer dtype would truncate [0.75, 1.5] to [0, 1].
    what = "minimize(x -> x, x0=int array [1, 2], gd, 2, lr=0.25)"
    traj = impl.minimize(lambda x: x, np.array([1, 2]), _gd, 2, lr=0.25)
    expected = [[1.0, 2.0], [0.75, 1.5], [0.5625, 1.125]]
    assert_close(traj, expected, tol=1e-15, what=what)


def test_minimize_rejects_negative_n_steps(impl):
    _assert_value_error(
        lambda: impl.minimize(lambda x: x, np.zeros(2), _gd, -1, lr=0.1),
        "minimize(..., n_steps=-1)",
    )


# --- rosenbrock -------------------------------------------------------------


def _loop_rosenbrock(x):
    x = _flat(x)
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2 for i in range(len(x) - 1))


def test_rosenbrock_hand_values(impl, assert_close):
    # f(-1.2, 1) = 2.2^2 + 100 (1 - 1.44)^2 = 4.84 + 19.36 = 24.2.
    for x, expected in [([1.0, 1.0], 0.0), ([0.0, 0.0], 1.0), ([-1.2, 1.0], 24.2)]:
        got = impl.rosenbrock(np.array(x))
        _assert_float(got, f"rosenbrock({x})")
        assert_close(got, expected, tol=1e-14, what=f"rosenbrock({x})")


@pytest.mark.parametrize("n", [2, 3, 6])
def test_rosenbrock_n_dimensional_matches_loop(impl, rng, assert_close, n):
    x = rng.uniform(-2.0, 2.0, size=n)
    assert_close(impl.rosenbrock(x), _loop_rosenbrock(x), tol=1e-13, what=f"rosenbrock(x ({n},))")


def test_rosenbrock_rejects_fewer_than_two_coordinates(impl):
    with pytest.raises(ValueError):
        impl.rosenbrock(np.array([1.0]))


def test_rosenbrock_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.rosenbrock, rng.standard_normal(4))


def test_rosenbrock_grad_rejects_fewer_than_two_coordinates(impl):
    _assert_value_error(lambda: impl.rosenbrock_grad(np.array([1.0])), "rosenbrock_grad([1.0])")


def test_rosenbrock_grad_hand_values(impl, assert_close):
    # d/dx = -2 (1 - x) - 400 x (y - x^2) = -4.4 - 211.2; d/dy = 200 (y - x^2) = -88.
    got = impl.rosenbrock_grad(np.array([-1.2, 1.0]))
    assert_close(got, [-215.6, -88.0], tol=1e-13, what="rosenbrock_grad([-1.2, 1])")
    assert_close(
        impl.rosenbrock_grad(np.ones(4)), np.zeros(4), tol=0.0, what="rosenbrock_grad(ones(4))"
    )


@pytest.mark.parametrize("n", [2, 5])
def test_rosenbrock_grad_matches_numerical_gradient(impl, rng, num_grad, assert_close, n):
    # n = 5: the middle coordinates collect terms i - 1 and i.
    x = rng.uniform(-1.5, 1.5, size=n)
    expected = num_grad(_loop_rosenbrock, x)
    got = impl.rosenbrock_grad(x)
    assert_close(got, expected, tol=1e-7, what=f"rosenbrock_grad(x ({n},)) vs central differences")


def test_rosenbrock_grad_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.rosenbrock_grad, rng.standard_normal(5))


# --- plot_optimizer_paths ---------------------------------------------------


def _loop_rosenbrock_grad_2d(x, y):
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)


_PLOT_LABELS = ["SGD", "momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]


def test_plot_optimizer_paths_draws_one_line_per_optimizer(impl, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "paths.png"
    fig = impl.plot_optimizer_paths(path)
    assert isinstance(fig, Figure), f"plot_optimizer_paths returned {type(fig).__name__}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    assert len(fig.axes) >= 1, "the figure has no Axes"
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    missing = [label for label in _PLOT_LABELS if label not in lines]
    assert not missing, f"no line labelled {missing}; labels found: {sorted(lines)}"
    assert ax.collections, "no contour drawn on the first Axes (ax.contour adds collections)"
    for label in _PLOT_LABELS:
        xy = np.column_stack([lines[label].get_xdata(), lines[label].get_ydata()])
        assert xy.shape == (401, 2), f"line {label!r} has {len(xy)} points, expected 401"
        assert np.array_equal(xy[0], [-1.2, 1.0]), f"line {label!r} starts at {xy[0]}"


def _loop_paths():
    """All six documented runs, recomputed here step by step in plain floats."""
    runs = {}
    for label in _PLOT_LABELS:
        x, y = -1.2, 1.0
        path = [(x, y)]
        bx = by = sx = sy = mx = my = 0.0
        for t in range(1, 401):
            gx, gy = _loop_rosenbrock_grad_2d(x, y)
            if label == "SGD":
                dx, dy = 1e-3 * gx, 1e-3 * gy
            elif label in ("momentum", "Nesterov"):
                bx, by = (gx, gy) if t == 1 else (0.9 * bx + gx, 0.9 * by + gy)
                if label == "Nesterov":
                    dx, dy = 1e-3 * (gx + 0.9 * bx), 1e-3 * (gy + 0.9 * by)
                else:
                    dx, dy = 1e-3 * bx, 1e-3 * by
            elif label == "AdaGrad":
                sx, sy = sx + gx * gx, sy + gy * gy
                dx = 0.5 * gx / (math.sqrt(sx) + 1e-10)
                dy = 0.5 * gy / (math.sqrt(sy) + 1e-10)
            elif label == "RMSprop":
                a = 1 - 0.99  # as torch computes it
                sx, sy = 0.99 * sx + a * gx * gx, 0.99 * sy + a * gy * gy
                dx = 3e-2 * gx / (math.sqrt(sx) + 1e-8)
                dy = 3e-2 * gy / (math.sqrt(sy) + 1e-8)
            else:  # Adam
                b1, b2 = 1 - 0.9, 1 - 0.999
                mx, my = 0.9 * mx + b1 * gx, 0.9 * my + b1 * gy
                sx, sy = 0.999 * sx + b2 * gx * gx, 0.999 * sy + b2 * gy * gy
                bc1, bc2 = 1 - 0.9**t, 1 - 0.999**t
                dx = 0.1 * (mx / bc1) / (math.sqrt(sx / bc2) + 1e-8)
                dy = 0.1 * (my / bc1) / (math.sqrt(sy / bc2) + 1e-8)
            x, y = x - dx, y - dy
            path.append((x, y))
        runs[label] = np.array(path)
    return runs


def test_plot_optimizer_paths_every_line_is_its_run(impl, tmp_path, assert_close):
    # Each of the six lines, with the rate and options of the table in the
    # docstring (a Nesterov line drawn without nesterov=True, or RMSprop at
    # another rate, would be a different path). The RMSprop run turns chaotic
    # late on: a one-ulp change (lr * (g / d) instead of lr * g / d) grows to
    # ~1e-13 by step 300 and to 10% by step 400, so only its first 200 steps
    # are compared (one-ulp changes stay below 1e-14 there). The other runs
    # stay within 2e-11 of a one-ulp change of x0 over all 400 steps.
    fig = impl.plot_optimizer_paths(tmp_path / "paths.png")
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for label, expected in _loop_paths().items():
        got = np.column_stack([lines[label].get_xdata(), lines[label].get_ydata()])
        n = 201 if label == "RMSprop" else 401
        what = f"plot_optimizer_paths: line {label!r}, points 0..{n - 1}"
        assert_close(got[:n], expected[:n], tol=1e-9, what=what)


# --- quadratic_contraction --------------------------------------------------


def test_quadratic_contraction_optimal_step_gives_kappa_rate(impl, assert_close):
    # L = 10, mu = 1, kappa = 10: lr = 2 / 11 gives (10 - 1) / (10 + 1) = 9/11,
    # and lr = 1 / L gives 1 - 1 / kappa = 0.9.
    lam = np.array([4.0, 10.0, 1.0])
    got = impl.quadratic_contraction(lam, 2.0 / 11.0)
    _assert_float(got, "quadratic_contraction([4, 10, 1], 2/11)")
    assert_close(got, 9.0 / 11.0, tol=1e-14, what="quadratic_contraction([4, 10, 1], 2/11)")
    assert_close(
        impl.quadratic_contraction(lam, 0.1),
        0.9,
        tol=1e-14,
        what="quadratic_contraction([4, 10, 1], 1/10)",
    )


def test_quadratic_contraction_exceeds_one_above_2_over_L(impl, assert_close):
    # lr = 0.25 > 2 / 10: the top direction is multiplied by 1 - 2.5 = -1.5.
    got = impl.quadratic_contraction(np.array([1.0, 4.0, 10.0]), 0.25)
    assert_close(got, 1.5, tol=1e-14, what="quadratic_contraction([1, 4, 10], 0.25)")


def test_quadratic_contraction_eigenvalues_in_any_order(impl, assert_close):
    # lr = 0.25: factors |1 - 0.75|, |1 - 2.5|, |1 - 0.25|, |1 - 1.25| = 0.25,
    # 1.5, 0.75, 0.25. The largest eigenvalue sits in the middle: reading
    # L and mu from the first and last entries gives 0.25.
    got = impl.quadratic_contraction(np.array([3.0, 10.0, 1.0, 5.0]), 0.25)
    assert_close(got, 1.5, tol=1e-14, what="quadratic_contraction([3, 10, 1, 5], 0.25)")


@pytest.mark.parametrize("eigenvalues", [np.array([]), np.array([[2.0, 0.5], [0.5, 1.0]])])
def test_quadratic_contraction_rejects_non_1d_or_empty_input(impl, eigenvalues):
    # A matrix (A itself instead of its eigenvalues) or nothing at all.
    _assert_value_error(
        lambda: impl.quadratic_contraction(eigenvalues, 0.1),
        f"quadratic_contraction(shape {eigenvalues.shape}, 0.1)",
    )


def test_quadratic_contraction_leaves_input_untouched(impl, call_untouched):
    call_untouched(impl.quadratic_contraction, np.array([3.0, 1.0, 2.0]), 0.1)


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
