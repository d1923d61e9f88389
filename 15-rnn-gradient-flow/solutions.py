"""Topic 15: recurrent networks and gradient flow, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Layout (batch first, ``out = x @ W + b`` as everywhere in this curriculum):
x (N, D) or (N, T, D), hidden states (N, H) or (N, T, H), Wx (D, G * H),
Wh (H, G * H), with G = 1 (RNN), 4 (LSTM, gates i, f, g, o) or 3 (GRU, gates
r, z, n). PyTorch stores weight_ih (G * H, D) and weight_hh (G * H, H) and
computes x @ weight_ih.T, so Wx = weight_ih.T and Wh = weight_hh.T. PyTorch
has two bias vectors; the RNN and the LSTM only ever use their sum, so
b = bias_ih + bias_hh. The GRU cannot merge them (r multiplies bias_hn alone),
so gru_step_forward keeps both, bx = bias_ih and bh = bias_hh.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------
# Given helper (identical in exercises.py)
# ---------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Given helper, not an exercise: the logistic sigmoid, stable for any finite x.

    exp only ever sees -|x|, so nothing overflows: for x >= 0 it is
    1 / (1 + e^-x), for x < 0 the equal e^x / (1 + e^x).
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# ---------------------------------------------------------------------------
# Shape checks shared by the cells
# ---------------------------------------------------------------------------


def _check_cell(name, x, h_prev, Wx, Wh, bias_shapes, gates):
    """Raise ValueError unless x (N, D), h_prev (N, H), Wx (D, G H), Wh (H, G H), biases (G H,)."""
    ok = x.ndim == 2 and h_prev.ndim == 2 and Wx.ndim == 2 and Wh.ndim == 2
    if ok:
        N, D = x.shape
        H = h_prev.shape[1]
        ok = (
            h_prev.shape[0] == N
            and Wx.shape == (D, gates * H)
            and Wh.shape == (H, gates * H)
            and all(s == (gates * H,) for s in bias_shapes)
        )
    if not ok:
        raise ValueError(
            f"{name}: x {x.shape}, h_prev {h_prev.shape}, Wx {Wx.shape}, Wh {Wh.shape}, "
            f"bias {', '.join(map(str, bias_shapes))} do not fit x (N, D), h_prev (N, H), "
            f"Wx (D, {gates}H), Wh (H, {gates}H), bias ({gates}H,)"
        )


def _check_sequence(name, x, h0):
    if x.ndim != 3 or h0.ndim != 2 or h0.shape[0] != x.shape[0]:
        raise ValueError(
            f"{name}: x {x.shape} and h0 {h0.shape} do not fit x (N, T, D) and h0 (N, H) "
            "(batch first: a (T, D) sequence needs a batch axis, x[None])"
        )


# ---------------------------------------------------------------------------
# Vanilla (Elman) RNN
# ---------------------------------------------------------------------------


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """h = tanh(x @ Wx + h_prev @ Wh + b); cache for the backward pass."""
    x, h_prev, Wx, Wh, b = (np.asarray(a, dtype=np.float64) for a in (x, h_prev, Wx, Wh, b))
    _check_cell("rnn_step_forward", x, h_prev, Wx, Wh, [b.shape], gates=1)
    h = np.tanh(x @ Wx + h_prev @ Wh + b)  # (N, H)
    # Cache the OUTPUT h: tanh'(a) = 1 - tanh(a)^2 = 1 - h^2, so the
    # pre-activation itself is not needed.
    return h, (x, h_prev, Wx, Wh, h)


def rnn_step_backward(dh, cache):
    """(dx, dh_prev, dWx, dWh, db) of one tanh RNN step."""
    x, h_prev, Wx, Wh, h = cache
    # Through the tanh: da = dh * (1 - h^2). The classic slip is 1 - a^2 (the
    # pre-activation squared) or forgetting the tanh altogether.
    da = dh * (1.0 - h * h)  # (N, H)
    # Then an affine layer with two inputs: shape matching as in topic 07.
    dx = da @ Wx.T  # (N, H) @ (H, D) -> (N, D)
    dh_prev = da @ Wh.T  # (N, H) @ (H, H) -> (N, H); Wh.T, not Wh (Wh is square: no shape error)
    dWx = x.T @ da  # (D, N) @ (N, H) -> (D, H)
    dWh = h_prev.T @ da  # (H, N) @ (N, H) -> (H, H)
    db = da.sum(axis=0)  # b is broadcast over the batch
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole sequence: h (N, T, H), cache."""
    x, h0 = np.asarray(x, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    _check_sequence("rnn_forward", x, h0)
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H))
    caches = []
    h_t = h0
    # The recurrence is sequential: step t needs h_{t-1}. This loop over time
    # is the part of an RNN that cannot be parallelised (unlike attention).
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, cache):
    """Backpropagation through time: (dx, dh0, dWx, dWh, db)."""
    caches = cache
    Wx, Wh = caches[0][2], caches[0][3]  # the step cache is (x, h_prev, Wx, Wh, h)
    N, T, H = dh.shape
    dx = np.empty((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    # dh_next is the gradient flowing into h_t from step t + 1 (zero after the
    # last step). Two mistakes live here: dropping it (each step then sees only
    # its own loss term: truncation to one step) and overwriting the weight
    # gradients instead of summing them (the weights are SHARED by all steps,
    # so each step adds its contribution).
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        # h_t feeds two consumers (the loss at step t and step t + 1): its
        # gradient is the sum of both.
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db  # what flowed out of step 0 is dh0


# ---------------------------------------------------------------------------
# LSTM (PyTorch's gate order i, f, g, o)
# ---------------------------------------------------------------------------


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step: (h, c, cache)."""
    x, h_prev, c_prev, Wx, Wh, b = (
        np.asarray(a, dtype=np.float64) for a in (x, h_prev, c_prev, Wx, Wh, b)
    )
    _check_cell("lstm_step_forward", x, h_prev, Wx, Wh, [b.shape], gates=4)
    if c_prev.shape != h_prev.shape:
        raise ValueError(
            f"lstm_step_forward: c_prev {c_prev.shape} must have h_prev's shape {h_prev.shape}"
        )
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H): all four gates in one matrix product
    # PyTorch's order: input, forget, cell candidate (g), output. CS231n's
    # assignment uses i, f, o, g: weights trained in one order and read in the
    # other give a working-looking but wrong model.
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])
    c = f * c_prev + i * g  # the additive path: dc_prev = f * dc, no matrix, no squashing
    tanh_c = np.tanh(c)  # of the NEW cell state
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)


def lstm_step_backward(dh, dc, cache):
    """(dx, dh_prev, dc_prev, dWx, dWh, db) of one LSTM step."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    # c reaches the loss two ways: directly (dc, from the next step) and
    # through h = o * tanh(c). Sum both. tanh'(c) uses the new c, the one
    # tanh was applied to, not c_prev.
    dc_total = dc + dh * o * (1.0 - tanh_c * tanh_c)
    do = dh * tanh_c
    di = dc_total * g
    df = dc_total * c_prev
    dg = dc_total * i
    dc_prev = dc_total * f  # the cell-state highway: an element-wise gate, nothing else
    # Back through the gate nonlinearities, written with the OUTPUTS
    # (sigmoid' = s (1 - s), tanh' = 1 - t^2), and stacked in the forward's order.
    da = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g * g), do * o * (1.0 - o)], axis=1
    )  # (N, 4H)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Run the LSTM over a sequence from c0 = 0: h (N, T, H), cache."""
    x, h0 = np.asarray(x, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    _check_sequence("lstm_forward", x, h0)
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    h_t, c_t = h0, np.zeros_like(h0)  # PyTorch's default when no c0 is passed
    caches = []
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, caches


def lstm_backward(dh, cache):
    """BPTT through the LSTM: (dx, dh0, dWx, dWh, db). No dc0: c0 = 0 is not an input."""
    caches = cache
    Wx, Wh = caches[0][3], caches[0][4]
    N, T, H = dh.shape
    dx = np.empty((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    # Two recurrent gradients now: into h_t and into c_t. The loss sees only
    # the h's, so dc starts at zero after the last step.
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dh_next, dc_next, caches[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db


# ---------------------------------------------------------------------------
# GRU (PyTorch's equations and gate order r, z, n)
# ---------------------------------------------------------------------------


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step as torch.nn.GRUCell computes it; returns h (N, H)."""
    x, h_prev, Wx, Wh, bx, bh = (
        np.asarray(a, dtype=np.float64) for a in (x, h_prev, Wx, Wh, bx, bh)
    )
    _check_cell("gru_step_forward", x, h_prev, Wx, Wh, [bx.shape, bh.shape], gates=3)
    H = h_prev.shape[1]
    ax = x @ Wx + bx  # (N, 3H) input side,  [r | z | n]
    ah = h_prev @ Wh + bh  # (N, 3H) hidden side, [r | z | n]
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    # The reset gate multiplies the whole hidden-side term, bias b_hn included:
    # that is why the two biases cannot be merged into one (for r and z they could).
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    # z = 1 keeps the old state, z = 0 takes the candidate (PyTorch; some papers
    # swap the roles of z and 1 - z).
    return (1.0 - z) * n + z * h_prev


# ---------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------


def clip_grad_norm(grads, max_norm):
    """torch.nn.utils.clip_grad_norm_ on a list of arrays: (new list, norm before clipping)."""
    grads = [np.asarray(g, dtype=np.float64) for g in grads]
    # ONE norm over all parameters together (the norm of the per-tensor
    # norms), not one per tensor: clipping each tensor on its own changes the
    # direction of the full gradient vector, which is what clipping by norm
    # is meant to preserve.
    norms = np.array([np.sqrt(np.sum(g * g)) for g in grads])
    total_norm = float(np.sqrt(np.sum(norms * norms)))
    # PyTorch's formula, epsilon included; the min with 1 means "only ever
    # scale down". Multiplying by exactly 1.0 leaves the values bit-for-bit.
    coef = min(1.0, max_norm / (total_norm + 1e-6))
    return [g * coef for g in grads], total_norm


def clip_grad_value(grads, clip_value):
    """torch.nn.utils.clip_grad_value_ on a list of arrays: each entry clamped to [-v, v]."""
    # Element-wise: each coordinate is clamped on its own, so the direction of
    # the gradient changes whenever any entry is clipped.
    return [np.clip(np.asarray(g, dtype=np.float64), -clip_value, clip_value) for g in grads]


# ---------------------------------------------------------------------------
# Vanishing and exploding gradients
# ---------------------------------------------------------------------------


def hidden_gradient_norms(Wh, hs, dh_last):
    """||dL/dh_t|| for t = 0..T-1 when only h_{T-1} receives dh_last: ndarray (T,)."""
    Wh, hs = np.asarray(Wh, dtype=np.float64), np.asarray(hs, dtype=np.float64)
    g = np.asarray(dh_last, dtype=np.float64)
    T = hs.shape[0]
    norms = np.empty(T)
    norms[T - 1] = np.linalg.norm(g)
    for t in range(T - 1, 0, -1):
        # h_t = tanh(a_t), a_t = ... + h_{t-1} @ Wh, so one step back is the
        # Jacobian transpose product g <- (g * (1 - h_t^2)) @ Wh.T. The tanh
        # derivative is the one of h_t, the state being differentiated THROUGH,
        # not of h_{t-1}. hs[0]'s own derivative is never used: nothing
        # earlier is differentiated.
        g = (g * (1.0 - hs[t] ** 2)) @ Wh.T
        norms[t - 1] = np.linalg.norm(g)
    return norms


# ---------------------------------------------------------------------------
# Variable-length sequences
# ---------------------------------------------------------------------------


def masked_rnn_forward(x, h0, Wx, Wh, b, lengths):
    """A tanh RNN over padded sequences, as PyTorch runs a packed batch: (h, h_last)."""
    x, h0 = np.asarray(x, dtype=np.float64), np.asarray(h0, dtype=np.float64)
    _check_sequence("masked_rnn_forward", x, h0)
    lengths = np.asarray(lengths)
    N, T, _ = x.shape
    if lengths.shape != (N,) or np.any(lengths < 1) or np.any(lengths > T):
        raise ValueError(
            f"masked_rnn_forward: lengths {lengths.tolist()} must be N values in [1, T]"
        )
    h = np.zeros((N, T, h0.shape[1]))
    h_t = h0
    for t in range(T):
        active = lengths > t  # (N,) which sequences still have a real token at step t
        # Compute the step on the active rows only, so padding is never read
        # (a padded x may hold anything, even nan; mask * h_new + (1 - mask) * h
        # lets nan * 0 = nan leak in). Finished rows keep their last state.
        h_t = h_t.copy()
        h_t[active], _ = rnn_step_forward(x[active, t], h_t[active], Wx, Wh, b)
        h[active, t] = h_t[active]  # padded outputs stay 0, as pad_packed_sequence returns
    return h, h_t  # h_t of each row froze at its last real step: PyTorch's h_n


# ---------------------------------------------------------------------------
# Initialisation of recurrent weights
# ---------------------------------------------------------------------------


def orthogonal_init(shape, rng, gain=1.0):
    """torch.nn.init.orthogonal_'s algorithm: a (semi-)orthogonal matrix of the given shape."""
    rows, cols = shape
    flat = rng.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T  # QR needs a tall matrix; transpose back at the end
    q, r = np.linalg.qr(flat)  # reduced: q (max, min) with orthonormal columns
    # QR is unique only up to the signs of R's diagonal, and LAPACK's choice
    # is not random: without this fix q is not uniformly (Haar) distributed.
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return gain * q


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
