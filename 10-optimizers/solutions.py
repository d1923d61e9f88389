"""Topic 10: optimizers, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Every step function is a pure function: ``(param, grad, state, **hyper) ->
(new_param, new_state)``. It reads ``state`` (a dict, empty on the first
call) and returns a NEW dict holding NEW arrays; the caller's param, grad,
state dict and state arrays come back bit-for-bit unchanged. The arithmetic is
torch.optim's, operation for operation, and the state keys are torch's
per-parameter state names, so ``optimizer.state[p]`` in PyTorch reads like the
dicts here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# ---------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------


def _as_pair(name: str, param, grad) -> tuple[np.ndarray, np.ndarray]:
    """param and grad as float64 arrays of one shape (no copy when already float64)."""
    param = np.asarray(param, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    # No broadcasting: a grad of shape (D,) against a param of shape (1, D)
    # would silently produce a new_param of a different shape.
    if param.shape != grad.shape:
        raise ValueError(f"{name}: param has shape {param.shape} but grad has shape {grad.shape}")
    return param, grad


def _check_nonnegative(name: str, **values: float) -> None:
    # torch.optim raises ValueError for a negative lr, eps, momentum, alpha or
    # weight decay; zero is valid everywhere (lr = 0 is a frozen step).
    for key, value in values.items():
        if not value >= 0.0:  # also rejects nan
            raise ValueError(f"{name}: {key} must be >= 0, got {value!r}")


def _check_beta(name: str, key: str, beta: float) -> None:
    # A decay rate of exactly 1 never forgets its zero initial value, and the
    # bias correction 1 - beta^t would divide by zero: torch requires [0, 1).
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"{name}: {key} must be in [0, 1), got {beta!r}")


# ---------------------------------------------------------------------------
# Step functions (torch.optim, one parameter tensor)
# ---------------------------------------------------------------------------


def sgd_step(param: np.ndarray, grad: np.ndarray, state: dict, lr: float = 1e-3):
    """Plain gradient descent: param - lr * grad. SGD keeps no state."""
    param, grad = _as_pair("sgd_step", param, grad)
    _check_nonnegative("sgd_step", lr=lr)
    # A new array. ``param -= lr * grad`` would write into the caller's array
    # (in PyTorch the in-place update is the point; here it is a bug).
    return param - lr * grad, {}


def momentum_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    momentum: float = 0.9,
    nesterov: bool = False,
):
    """SGD with heavy-ball or Nesterov momentum, torch.optim.SGD's form (dampening 0)."""
    param, grad = _as_pair("momentum_step", param, grad)
    _check_nonnegative("momentum_step", lr=lr, momentum=momentum)
    if nesterov and momentum == 0.0:
        raise ValueError("momentum_step: Nesterov momentum requires momentum > 0 (as in torch)")
    # torch initialises the buffer to a COPY of the first gradient. With
    # dampening 0 this equals momentum * 0 + grad, so both readings agree;
    # the classic mistakes are (1 - momentum) * grad (an EMA, which makes the
    # first step 10x too small) and aliasing grad itself. Later steps build
    # v <- mu v + g as a new array: ``buf *= momentum`` would modify the array
    # inside the caller's state dict.
    buf = state.get("momentum_buffer")
    buf = grad.copy() if buf is None else momentum * buf + grad
    # Nesterov in torch's form: step along g + mu v_new, the gradient plus
    # the look-ahead of one more momentum step (no extra gradient evaluation).
    direction = grad + momentum * buf if nesterov else buf
    return param - lr * direction, {"momentum_buffer": buf}


def adagrad_step(
    param: np.ndarray, grad: np.ndarray, state: dict, lr: float = 1e-2, eps: float = 1e-10
):
    """AdaGrad: accumulate squared gradients, divide by their root (torch.optim.Adagrad)."""
    param, grad = _as_pair("adagrad_step", param, grad)
    _check_nonnegative("adagrad_step", lr=lr, eps=eps)
    step = state.get("step", 0) + 1
    # The SUM of all squared gradients so far (not a mean, not an EMA): the
    # per-coordinate step lr / sqrt(sum) can only shrink, which is AdaGrad's
    # strength on sparse features and its weakness on long runs.
    grad_sq_sum = state.get("sum", 0.0) + grad * grad
    # eps is added AFTER the square root, as torch does: sqrt(sum) + eps.
    # sqrt(sum + eps) is a different number (for sum = 0 it is 1e-5, not 1e-10).
    new_param = param - lr * grad / (np.sqrt(grad_sq_sum) + eps)
    return new_param, {"step": step, "sum": grad_sq_sum}


def rmsprop_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
):
    """RMSprop: an EMA of squared gradients as the denominator (torch.optim.RMSprop)."""
    param, grad = _as_pair("rmsprop_step", param, grad)
    _check_nonnegative("rmsprop_step", lr=lr, eps=eps, alpha=alpha)
    step = state.get("step", 0) + 1
    # square_avg starts at 0 and there is NO bias correction in torch's
    # RMSprop: after one step square_avg = (1 - alpha) g^2, so the first
    # update is lr / sqrt(1 - alpha) = 10 lr per coordinate for alpha = 0.99.
    square_avg = alpha * state.get("square_avg", 0.0) + (1.0 - alpha) * grad * grad
    new_param = param - lr * grad / (np.sqrt(square_avg) + eps)
    return new_param, {"step": step, "square_avg": square_avg}


def _adam_core(name, param, grad, state, lr, betas, eps, weight_decay, decoupled):
    """One Adam update: L2 into the gradient, or (decoupled) a shrink of param first."""
    param, grad = _as_pair(name, param, grad)
    beta1, beta2 = betas
    _check_nonnegative(name, lr=lr, eps=eps, weight_decay=weight_decay)
    _check_beta(name, "beta1", beta1)
    _check_beta(name, "beta2", beta2)
    step = state.get("step", 0) + 1
    if decoupled:
        # AdamW: shrink the weights by (1 - lr * wd) directly, outside the
        # adaptive machinery, so every weight decays at the same rate.
        param = param * (1.0 - lr * weight_decay)
    elif weight_decay:
        # Adam(weight_decay=...): the L2 gradient wd * param is added to the
        # gradient and then goes through the moments and the 1/sqrt(v)
        # scaling, like any other gradient.
        grad = grad + weight_decay * param
    # First and second moments: EMAs that start at zero.
    exp_avg = beta1 * state.get("exp_avg", 0.0) + (1.0 - beta1) * grad
    exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad
    # Bias correction: E[exp_avg] = (1 - beta1^t) E[g] for a stationary g,
    # so dividing by 1 - beta^t undoes the pull towards the zero start. t is
    # the step count AFTER this update (1 on the first call): with t = 0 the
    # correction divides by zero.
    bias_correction1 = 1.0 - beta1**step
    bias_correction2 = 1.0 - beta2**step
    # torch's order of operations: eps is added after the square root of the
    # bias-corrected second moment, sqrt(v / bc2) + eps, never inside the root.
    denom = np.sqrt(exp_avg_sq) / math.sqrt(bias_correction2) + eps
    new_param = param - (lr / bias_correction1) * exp_avg / denom
    return new_param, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
):
    """Adam with bias correction; weight_decay is L2 added to the gradient (torch.optim.Adam)."""
    return _adam_core("adam_step", param, grad, state, lr, betas, eps, weight_decay, False)


def adamw_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
):
    """AdamW: Adam plus decoupled decay param * (1 - lr * wd) (torch.optim.AdamW)."""
    # Common mistakes: a default weight_decay of 0 (torch's AdamW uses 0.01),
    # decay scaled by lr / bias_correction1 instead of lr, or decay applied
    # through the gradient (which is Adam with L2, not AdamW).
    return _adam_core("adamw_step", param, grad, state, lr, betas, eps, weight_decay, True)


# ---------------------------------------------------------------------------
# Learning-rate schedules (closed forms of torch.optim.lr_scheduler)
# ---------------------------------------------------------------------------


def step_lr(lr0: float, epoch: int, step_size: int, gamma: float = 0.1) -> float:
    """StepLR: lr0 * gamma ** (epoch // step_size)."""
    if step_size < 1 or epoch < 0:
        raise ValueError(f"step_lr: need step_size >= 1 and epoch >= 0, got {step_size}, {epoch}")
    # Integer division: the rate is constant for step_size epochs, then drops.
    # epoch / step_size would decay smoothly (that is ExponentialLR).
    return float(lr0 * gamma ** (epoch // step_size))


def exponential_lr(lr0: float, epoch: int, gamma: float) -> float:
    """ExponentialLR: lr0 * gamma ** epoch."""
    if epoch < 0:
        raise ValueError(f"exponential_lr: epoch must be >= 0, got {epoch}")
    return float(lr0 * gamma**epoch)


def cosine_lr(lr0: float, t: int, T: int, eta_min: float = 0.0) -> float:
    """CosineAnnealingLR closed form: eta_min + (lr0 - eta_min) (1 + cos(pi t / T)) / 2."""
    if T <= 0 or t < 0:
        raise ValueError(f"cosine_lr: need T > 0 and t >= 0, got T={T}, t={t}")
    # No clamp at t = T: torch's CosineAnnealingLR keeps following the cosine,
    # which rises back to lr0 at t = 2T (a period of 2T). Clamping is the
    # warmup_cosine_lr convention, not torch's.
    return float(eta_min + (lr0 - eta_min) * (1.0 + math.cos(math.pi * t / T)) / 2.0)


def warmup_cosine_lr(lr0: float, t: int, warmup: int, T: int, eta_min: float = 0.0) -> float:
    """Linear warmup 0 -> lr0 over `warmup` steps, then cosine to eta_min at T, then eta_min."""
    if not 0 <= warmup <= T or T <= 0 or t < 0:
        raise ValueError(
            f"warmup_cosine_lr: need 0 <= warmup <= T, T > 0, t >= 0; got {warmup}, {T}, {t}"
        )
    if t < warmup:
        # t = 0 gives 0 exactly; the rate reaches lr0 at t = warmup, where the
        # cosine takes over, so the curve is continuous.
        return float(lr0 * t / warmup)
    if t >= T:
        # Hold the floor: running the cosine past T would climb back up.
        return float(eta_min)
    progress = (t - warmup) / (T - warmup)  # in [0, 1): never 0 / 0 here
    return float(eta_min + (lr0 - eta_min) * (1.0 + math.cos(math.pi * progress)) / 2.0)


# ---------------------------------------------------------------------------
# Driver, test function, plot
# ---------------------------------------------------------------------------


def minimize(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    step_fn: Callable,
    n_steps: int,
    **hyper,
) -> np.ndarray:
    """Run n_steps of step_fn from x0; return the (n_steps + 1, d) trajectory, x0 first."""
    x = np.array(x0, dtype=np.float64)  # a copy: the caller's x0 is never touched
    if x.ndim != 1:
        raise ValueError(f"minimize: x0 must be 1-D (a point of shape (d,)), got {x.shape}")
    if n_steps < 0:
        raise ValueError(f"minimize: n_steps must be >= 0, got {n_steps}")
    trajectory = np.empty((n_steps + 1, x.size))
    trajectory[0] = x
    # The state starts empty and is threaded through: each call gets what the
    # previous one returned. A fresh {} per step would reset Adam's moments
    # and its step count (every step would be a "first" step).
    state: dict = {}
    for t in range(1, n_steps + 1):
        x, state = step_fn(x, grad_fn(x), state, **hyper)
        trajectory[t] = x  # copied into the array: later steps cannot alias it
    return trajectory


def rosenbrock(x: np.ndarray) -> float:
    """sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 (scipy.optimize.rosen); min 0 at all-ones."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"rosenbrock: x must have shape (n,) with n >= 2, got {x.shape}")
    # Slices instead of a loop over i: x[1:] - x[:-1]**2 pairs each
    # coordinate with its predecessor.
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    """Gradient of rosenbrock at x, shape (n,) (scipy.optimize.rosen_der)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"rosenbrock_grad: x must have shape (n,) with n >= 2, got {x.shape}")
    # Term i, 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, touches two coordinates:
    #   d/dx[i]   = -400 x[i] (x[i+1] - x[i]^2) - 2 (1 - x[i])
    #   d/dx[i+1] =  200 (x[i+1] - x[i]^2)
    # A middle coordinate gets both contributions (it is the "i+1" of one
    # term and the "i" of the next); forgetting one is the common mistake
    # that the 2-D case (n = 2) cannot reveal.
    r = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * r - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * r
    return g


# The runs drawn by plot_optimizer_paths: label -> (step function, hyperparameters).
# Each rate is roughly the best of a coarse sweep for that method over 400 steps:
# SGD and momentum are capped near 2 / lambda_max (about 1.3e-3 at the start),
# while the adaptive methods take steps of a fixed size per coordinate.
_PATH_START = (-1.2, 1.0)
_PATH_STEPS = 400
_PATHS = {
    "SGD": (sgd_step, {"lr": 1e-3}),
    "momentum": (momentum_step, {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov": (momentum_step, {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "AdaGrad": (adagrad_step, {"lr": 0.5}),
    "RMSprop": (rmsprop_step, {"lr": 3e-2}),
    "Adam": (adam_step, {"lr": 0.1}),
}


def plot_optimizer_paths(path):
    """Six optimizers' paths on the Rosenbrock contours from (-1.2, 1); saved as PNG."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    # Contours of log(1 + f): the banana valley spans four orders of
    # magnitude, and evenly spaced levels of f would all crowd the walls.
    xs = np.linspace(-2.0, 2.0, 101)
    ys = np.linspace(-1.0, 3.0, 101)
    X, Y = np.meshgrid(xs, ys)
    F = 100.0 * (Y - X**2) ** 2 + (1.0 - X) ** 2
    ax.contour(X, Y, np.log1p(F), levels=20, colors="0.75", linewidths=0.6)
    for label, (step_fn, hyper) in _PATHS.items():
        traj = minimize(rosenbrock_grad, np.array(_PATH_START), step_fn, _PATH_STEPS, **hyper)
        ax.plot(traj[:, 0], traj[:, 1], lw=1.4, label=label)
    ax.plot([1.0], [1.0], "k*", ms=10, label="minimum (1, 1)")
    ax.set_xlim(-2.0, 2.0)
    ax.set_ylim(-1.0, 3.0)
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title(f"Rosenbrock: {_PATH_STEPS} steps from {_PATH_START}")
    ax.legend(loc="upper center", fontsize=8, ncol=3)
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.11, top=0.92)
    fig.savefig(path, dpi=72)
    return fig


# ---------------------------------------------------------------------------
# Extra exercise: the contraction factor of gradient descent on a quadratic
# ---------------------------------------------------------------------------


def quadratic_contraction(eigenvalues: np.ndarray, lr: float) -> float:
    """Worst per-step error contraction of GD on a quadratic: max_i |1 - lr * lambda_i|."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"quadratic_contraction: eigenvalues must be 1-D, got {lam.shape}")
    # The error e_t = x_t - x* obeys e_{t+1} = (I - lr A) e_t, and along the
    # eigenvector of lambda_i it is multiplied by 1 - lr lambda_i. The slowest
    # (largest |.|) direction sets the rate. The absolute value matters: with
    # lr lambda > 1 the factor is negative (the iterate overshoots and the
    # sign flips each step, the zigzag), and with lr lambda > 2 it diverges.
    return float(np.max(np.abs(1.0 - lr * lam)))


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
