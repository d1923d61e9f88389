"""Topic 15: recurrent networks and gradient flow.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Layout, for the whole file (batch first, ``out = x @ W + b`` as in topic 06):

* x is (N, D) for one step and (N, T, D) for a sequence; hidden states are
  (N, H) and (N, T, H). Nothing is ever squeezed: a batch of one stays (1, ...).
* Wx is (D, G*H), Wh is (H, G*H) with G = 1 (RNN), 4 (LSTM) or 3 (GRU), the G
  blocks of H columns side by side in PyTorch's gate order: LSTM i, f, g, o;
  GRU r, z, n.
* PyTorch stores weight_ih (G*H, D) and weight_hh (G*H, H) and computes
  x @ weight_ih.T, so Wx = weight_ih.T and Wh = weight_hh.T. It also keeps two
  biases; the RNN and the LSTM only use their sum, b = bias_ih + bias_hh, while
  the GRU keeps both (bx = bias_ih, bh = bias_hh) because its reset gate
  multiplies bias_hn alone.
* Never modify an argument in place: the tests check every array you receive.

``sigmoid`` is given (stable for any input). Suggested order: rnn_step_forward,
rnn_step_backward, rnn_forward, rnn_backward, hidden_gradient_norms,
clip_grad_norm, clip_grad_value, lstm_step_forward, lstm_step_backward,
lstm_forward, lstm_backward, gru_step_forward, masked_rnn_forward,
orthogonal_init.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Given helper (identical in solutions.py)
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
# Exercises: the vanilla RNN
# ---------------------------------------------------------------------------


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a tanh RNN (torch.nn.RNNCell with nonlinearity="tanh").

        h = tanh(x @ Wx + h_prev @ Wh + b)

    Args:
        x: (N, D) inputs at this step.
        h_prev: (N, H) previous hidden state.
        Wx: (D, H) input-to-hidden weights (PyTorch's weight_ih.T).
        Wh: (H, H) hidden-to-hidden weights (PyTorch's weight_hh.T).
        b: (H,) bias (PyTorch's bias_ih + bias_hh).

    Returns:
        (h, cache): h (N, H); cache = whatever rnn_step_backward needs.

    Raises:
        ValueError: naming the shapes, if they do not fit the layout above.

    Hint: tanh'(a) = 1 - tanh(a)^2, so caching the output h is enough.
    """
    raise NotImplementedError


def rnn_step_backward(dh, cache):
    """Backward pass of one tanh RNN step.

    With a = x @ Wx + h_prev @ Wh + b and h = tanh(a):

        da      = dh * (1 - h^2)          (N, H)
        dx      = da @ Wx.T               (N, D)
        dh_prev = da @ Wh.T               (N, H)
        dWx     = x.T @ da                (D, H)
        dWh     = h_prev.T @ da           (H, H)
        db      = da summed over N        (H,)

    Args:
        dh: (N, H) upstream gradient on h.
        cache: from rnn_step_forward.

    Returns:
        (dx, dh_prev, dWx, dWh, db), each shaped like its variable.

    Hint: Wh is square, so dh_prev = da @ Wh (no transpose) runs and is wrong.
    """
    raise NotImplementedError


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a tanh RNN over a whole sequence (torch.nn.RNN with batch_first=True).

        h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b),   t = 0, ..., T-1,   h_{-1} = h0

    Args:
        x: (N, T, D) input sequence, batch first.
        h0: (N, H) initial hidden state.
        Wx: (D, H); Wh: (H, H); b: (H,).

    Returns:
        (h, cache): h (N, T, H), every hidden state (h0 excluded); cache for
        rnn_backward.

    Raises:
        ValueError: naming the shapes, if x is not 3-D or h0 is not (N, H).

    Hint: a Python loop over t calling rnn_step_forward; keep every step's cache.
    """
    raise NotImplementedError


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    dh[:, t] is the upstream gradient dL/dh_t from the loss terms that read
    h_t directly. h_t is also read by step t + 1, so the total gradient on h_t
    is dh[:, t] plus what flows back from step t + 1. Going backwards in time:

        g = dh[:, t] + dh_next;   (dx_t, dh_next, dWx_t, dWh_t, db_t) = step backward of g
        dWx, dWh, db accumulate (+=) over all steps: the weights are shared.

    Args:
        dh: (N, T, H) upstream gradient on every hidden state.
        cache: from rnn_forward.

    Returns:
        (dx, dh0, dWx, dWh, db): dx (N, T, D), dh0 (N, H), dWx (D, H),
        dWh (H, H), db (H,).

    Hint: start with dh_next = 0 after the last step; what flows out of step 0
    is dh0.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: the LSTM
# ---------------------------------------------------------------------------


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step (torch.nn.LSTMCell), gates in PyTorch's order i, f, g, o.

        a = x @ Wx + h_prev @ Wh + b                  (N, 4H), blocks of H columns:
        i = sigmoid(a[:, 0:H])      input gate
        f = sigmoid(a[:, H:2H])     forget gate
        g = tanh(a[:, 2H:3H])       candidate cell
        o = sigmoid(a[:, 3H:4H])    output gate
        c = f * c_prev + i * g
        h = o * tanh(c)

    Args:
        x: (N, D); h_prev: (N, H); c_prev: (N, H).
        Wx: (D, 4H) (weight_ih.T); Wh: (H, 4H) (weight_hh.T); b: (4H,) (bias_ih + bias_hh).

    Returns:
        (h, c, cache): h (N, H), c (N, H), cache for lstm_step_backward.

    Raises:
        ValueError: naming the shapes, if they do not fit (e.g. a (D, 3H) GRU weight).

    Must not warn for pre-activations of magnitude 1000 (use the given sigmoid).

    Hint: CS231n's assignment orders the gates i, f, o, g; PyTorch (and this
    file) uses i, f, g, o.
    """
    raise NotImplementedError


def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    c reaches the loss twice: directly (dc, from the next step) and through
    h = o * tanh(c). With t = tanh(c):

        dc_total = dc + dh * o * (1 - t^2)
        do = dh * t,  di = dc_total * g,  df = dc_total * c_prev,  dg = dc_total * i
        dc_prev = dc_total * f
        da = [di * i(1-i), df * f(1-f), dg * (1-g^2), do * o(1-o)]   (N, 4H), order i, f, g, o
        then dx, dh_prev, dWx, dWh, db from da as in rnn_step_backward.

    Args:
        dh: (N, H) upstream gradient on h; dc: (N, H) upstream gradient on c.
        cache: from lstm_step_forward.

    Returns:
        (dx, dh_prev, dc_prev, dWx, dWh, db): (N, D), (N, H), (N, H), (D, 4H),
        (H, 4H), (4H,).

    Hint: tanh'(c) belongs to the NEW cell state c, not c_prev.
    """
    raise NotImplementedError


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a sequence (torch.nn.LSTM, batch_first=True), starting from c0 = 0.

    Args:
        x: (N, T, D); h0: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).

    Returns:
        (h, cache): h (N, T, H), every hidden state; cache for lstm_backward.

    Raises:
        ValueError: naming the shapes, if x is not 3-D or h0 is not (N, H).

    Hint: c0 = zeros like h0 (PyTorch's default), not h0.
    """
    raise NotImplementedError


def lstm_backward(dh, cache):
    """Backpropagation through time for lstm_forward.

    Two gradients flow back through time: into h (dh_next) and into c
    (dc_next). The loss reads only the h's, so step t receives
    dh[:, t] + dh_next on h and dc_next on c; both start at 0 after the last step.

    Args:
        dh: (N, T, H) upstream gradient on every hidden state.
        cache: from lstm_forward.

    Returns:
        (dx, dh0, dWx, dWh, db): (N, T, D), (N, H), (D, 4H), (H, 4H), (4H,).
        No dc0: c0 = 0 is a constant, not an input.

    Hint: forgetting to carry dc_next (or dh_next) across steps still runs.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: the GRU
# ---------------------------------------------------------------------------


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step, exactly torch.nn.GRUCell; gates in PyTorch's order r, z, n.

        ax = x @ Wx + bx,   ah = h_prev @ Wh + bh          (N, 3H) each, blocks r | z | n
        r = sigmoid(ax_r + ah_r)                            reset gate
        z = sigmoid(ax_z + ah_z)                            update gate
        n = tanh(ax_n + r * ah_n)                           candidate; r multiplies
                                                            h_prev @ Wh_n + bh_n, bias included
        h = (1 - z) * n + z * h_prev                        z = 1 keeps the old state

    Args:
        x: (N, D); h_prev: (N, H).
        Wx: (D, 3H) (weight_ih.T); Wh: (H, 3H) (weight_hh.T).
        bx: (3H,) (bias_ih); bh: (3H,) (bias_hh). Not merged: see n.

    Returns:
        h: (N, H).

    Raises:
        ValueError: naming the shapes, if they do not fit.

    Must not warn for pre-activations of magnitude 1000.

    Hint: the original paper (Cho et al. 2014) writes h = z * h_prev + (1 - z) * n
    too, but some texts swap z and 1 - z; PyTorch's is the one above.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: gradient clipping
# ---------------------------------------------------------------------------


def clip_grad_norm(grads, max_norm):
    """Clip by global norm, as torch.nn.utils.clip_grad_norm_ (norm_type 2) does.

        total_norm = sqrt(sum over all arrays and entries of g^2)
        coef       = min(1, max_norm / (total_norm + 1e-6))
        clipped    = [g * coef for g in grads]

    ONE norm over all the arrays together, not one per array, so the whole
    gradient keeps its direction. Below max_norm (coef clamped at 1) the values
    are unchanged; at exactly max_norm, PyTorch's 1e-6 still scales them by
    max_norm / (max_norm + 1e-6).

    Args:
        grads: a list of arrays of any shapes (must not be modified).
        max_norm: the largest allowed global norm (>= 0; 0 zeroes the gradient).

    Returns:
        (clipped, total_norm): clipped a NEW list of new arrays with the shapes
        of grads; total_norm a float, the global norm BEFORE clipping.

    Hint: g * coef builds a new array; g *= coef modifies the caller's.
    """
    raise NotImplementedError


def clip_grad_value(grads, clip_value):
    """Clip by value, as torch.nn.utils.clip_grad_value_: each entry clamped to [-v, v].

    Args:
        grads: a list of arrays (must not be modified).
        clip_value: v >= 0.

    Returns:
        a NEW list of new arrays, grads[k] clamped element-wise to [-v, v].

    Hint: np.clip returns a new array. Unlike clip_grad_norm this changes the
    gradient's direction whenever any entry is clipped.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: vanishing and exploding gradients
# ---------------------------------------------------------------------------


def hidden_gradient_norms(Wh, hs, dh_last):
    """Norm of the gradient on every hidden state when only the last one receives dh_last.

    For one sequence of a tanh RNN, h_t = tanh(a_t) with a_t = x_t @ Wx + h_{t-1} @ Wh + b,
    and the hidden states hs[t] = h_t were recorded. Backpropagate g_{T-1} = dh_last:

        g_{t-1} = (g_t * (1 - hs[t]^2)) @ Wh.T       for t = T-1, ..., 1

    (the Jacobian dh_t/dh_{t-1} = diag(1 - h_t^2) Wh^T, applied as a row vector
    times it) and return [||g_0||, ..., ||g_{T-1}||] (L2 norms).

    Args:
        Wh: (H, H) recurrent weights.
        hs: (T, H) hidden states h_0, ..., h_{T-1} of one sequence.
        dh_last: (H,) upstream gradient on h_{T-1}.

    Returns:
        ndarray (T,): entry t is ||dL/dh_t||; entry T-1 is ||dh_last||.

    Hint: the tanh derivative at each step is that of h_t, the state being
    differentiated through, not of h_{t-1}; hs[0]'s derivative is never used.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Exercises: variable-length sequences and initialisation
# ---------------------------------------------------------------------------


def masked_rnn_forward(x, h0, Wx, Wh, b, lengths):
    """A tanh RNN over a padded batch, with PyTorch's packed-sequence semantics.

    Sequence n has lengths[n] real steps, then padding. Equivalent to
    pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False),
    torch.nn.RNN, then pad_packed_sequence(..., total_length=T):

        h[n, t] = tanh(x[n, t] @ Wx + h[n, t-1] @ Wh + b)    for t < lengths[n]
        h[n, t] = 0                                          for t >= lengths[n]
        h_last[n] = h[n, lengths[n] - 1]                     (PyTorch's h_n)

    Padded entries x[n, t] (t >= lengths[n]) may hold anything, even nan: they
    must not influence any output.

    Args:
        x: (N, T, D); h0: (N, H); Wx: (D, H); Wh: (H, H); b: (H,).
        lengths: (N,) integers in [1, T], in any order.

    Returns:
        (h, h_last): h (N, T, H) with zeros at padded steps; h_last (N, H).

    Raises:
        ValueError: if lengths is not N values in [1, T].

    Hint: at step t update only the rows with lengths > t (boolean indexing);
    mask * new + (1 - mask) * old reads the padding, and nan * 0 is nan.
    """
    raise NotImplementedError


def orthogonal_init(shape, rng, gain=1.0):
    """A random (semi-)orthogonal matrix by torch.nn.init.orthogonal_'s algorithm.

        A = rng.standard_normal(shape)           (rows, cols), ONE draw
        if rows < cols: A = A.T                  QR needs a tall matrix
        Q, R = np.linalg.qr(A)                   reduced QR
        Q = Q * sign(diag(R))                    makes Q uniformly (Haar) distributed
        if rows < cols: Q = Q.T
        return gain * Q

    Square results are orthogonal (Q.T @ Q = I); tall ones have orthonormal
    columns, wide ones orthonormal rows. Every singular value equals gain.

    Args:
        shape: (rows, cols).
        rng: the only source of randomness.
        gain: scale factor.

    Returns:
        ndarray of the given shape.

    Hint: without the sign correction the result is orthogonal but not
    uniformly distributed (LAPACK's QR fixes the signs of R's diagonal).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# Independent references used by the tests: slow, written for clarity, and
# never shared with the code under test.


def _wave(shape, a, phase, scale=1.0):
    """Deterministic test data that does not depend on any random generator."""
    return scale * np.sin(a * np.arange(math.prod(shape)) + phase).reshape(shape)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))  # fine for the moderate inputs the references see


def _rnn_ref(x, h0, Wx, Wh, b):
    h, out = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        out.append(h)
    return np.stack(out, axis=1)


def _lstm_ref_step(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f = _sig(a[:, :H]), _sig(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), _sig(a[:, 3 * H :])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _lstm_ref(x, h0, Wx, Wh, b):
    h, c, out = h0, np.zeros_like(h0), []
    for t in range(x.shape[1]):
        h, c = _lstm_ref_step(x[:, t], h, c, Wx, Wh, b)
        out.append(h)
    return np.stack(out, axis=1)


def _gru_ref(x, h, Wx, Wh, bx, bh):
    H = h.shape[1]
    W_ir, W_iz, W_in = Wx[:, :H], Wx[:, H : 2 * H], Wx[:, 2 * H :]
    W_hr, W_hz, W_hn = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]
    r = _sig(x @ W_ir + bx[:H] + h @ W_hr + bh[:H])
    z = _sig(x @ W_iz + bx[H : 2 * H] + h @ W_hz + bh[H : 2 * H])
    n = np.tanh(x @ W_in + bx[2 * H :] + r * (h @ W_hn + bh[2 * H :]))
    return (1 - z) * n + z * h


def _vjp(num_vjp, f, x, dout):
    """The trusted num_vjp, sharpened by one Richardson step: (4 D(h/2) - D(h)) / 3.

    A plain central difference D(h) has truncation error O(h^2) and rounding
    error eps |f| / h, about 1e-9 absolute for these sums of tens of terms:
    entry by entry that is a 1e-7..1e-6 relative error on gradient entries
    near 1e-3. The combination cancels the h^2 term, so h can be large
    (1e-3, rounding ~1e-13) and the error O(h^4) is about 1e-11 absolute.
    """
    return (4.0 * num_vjp(f, x, dout, h=5e-4) - num_vjp(f, x, dout, h=1e-3)) / 3.0


def _cell_case(rng, gates, N=3, D=4, H=5):
    """Random float64 inputs for one cell step: nothing square except Wh's H x H block."""
    return (
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((D, gates * H)) / math.sqrt(D),
        rng.standard_normal((H, gates * H)) / math.sqrt(H),
        0.5 * rng.standard_normal(gates * H),
    )


def _torch_case(N=2, T=3, D=3, H=2, gates=1):
    """The exact inputs the hard-coded PyTorch outputs below were computed from.

    weight_ih (gates*H, D), weight_hh (gates*H, H), bias_ih, bias_hh are
    PyTorch's parameters; this file's layout is Wx = weight_ih.T,
    Wh = weight_hh.T, b = bias_ih + bias_hh.
    """
    x = _wave((N, T, D), 1.3, 0.4)
    h0 = _wave((N, H), 0.7, 1.1, 0.5)
    weight_ih = _wave((gates * H, D), 0.9, 0.2, 0.8)
    weight_hh = _wave((gates * H, H), 1.7, 0.3, 0.9)
    bias_ih = _wave((gates * H,), 2.1, 0.5, 0.3)
    bias_hh = _wave((gates * H,), 1.1, 2.5, 0.3)
    return x, h0, weight_ih, weight_hh, bias_ih, bias_hh


# --- rnn_step_forward -------------------------------------------------------


def test_rnn_step_forward_hand_computed_example(impl, assert_close):
    # Small integers and halves, so every pre-activation is exact by hand; Wh is
    # non-symmetric, so h_prev @ Wh.T would give row 0 the pre-activation [0, 7].
    x = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])  # (N=2, D=3)
    Wx = np.array([[0.5, 1.0], [0.0, -1.0], [3.0, 3.0]])  # (D=3, H=2)
    h_prev = np.array([[1.0, 0.0], [0.0, 0.0]])  # (N=2, H=2)
    Wh = np.array([[-0.5, 0.0], [7.0, 7.0]])  # non-symmetric
    b = np.array([0.0, -1.0])
    # row 0: a = [0.5, 1] + [-0.5, 0] + [0, -1] = [0, 0]          -> h = [0, 0]
    # row 1: a = [0.5, 0] + [0, 0]    + [0, -1] = [0.5, -1]       -> tanh
    h, _ = impl.rnn_step_forward(x, h_prev, Wx, Wh, b)
    expected = [[0.0, 0.0], [math.tanh(0.5), math.tanh(-1.0)]]
    assert_close(h, expected, tol=1e-14, what="rnn_step_forward (hand example, N=2, D=3, H=2)")


def test_rnn_step_forward_matches_torch_rnncell(impl, assert_close):
    # torch.nn.RNNCell(3, 2) with weight_ih, weight_hh, bias_ih, bias_hh from
    # _torch_case, fed x[:, 0] and h0; output printed by PyTorch 2.14 in float64.
    x, h0, w_ih, w_hh, b_ih, b_hh = _torch_case()
    torch_h = [
        [0.9368851371462603, -0.7829706904702007],
        [0.895830605228786, -0.8412719102644108],
    ]
    h, _ = impl.rnn_step_forward(x[:, 0], h0, w_ih.T, w_hh.T, b_ih + b_hh)
    assert_close(
        h,
        torch_h,
        tol=1e-12,
        what="rnn_step_forward(x, h0, weight_ih.T, weight_hh.T, bias_ih + bias_hh) vs "
        "torch.nn.RNNCell",
    )


def test_rnn_step_forward_keeps_a_batch_of_one(impl, rng):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 1, N=1)
    h, _ = impl.rnn_step_forward(x, h_prev, Wx, Wh, b)
    assert np.shape(h) == (1, 5), f"rnn_step_forward with N=1 returned {np.shape(h)}, not (1, 5)"


def test_rnn_step_forward_rejects_mismatched_shapes(impl, rng):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 1)  # D = 4, H = 5
    with pytest.raises(ValueError, match=re.escape(str(Wx.T.shape))):
        impl.rnn_step_forward(x, h_prev, Wx.T, Wh, b)  # Wx given as (H, D)


def test_rnn_step_forward_rejects_a_bias_of_the_wrong_shape(impl, rng):
    # A (1,) bias broadcasts silently over the H units: one shared bias instead of H.
    x, h_prev, Wx, Wh, _ = _cell_case(rng, 1)  # D = 4, H = 5
    b = np.zeros(1)
    with pytest.raises(ValueError, match=re.escape(str(b.shape))):  # noqa: PT012
        impl.rnn_step_forward(x, h_prev, Wx, Wh, b)
        pytest.fail("rnn_step_forward(x (3, 4), h_prev (3, 5), Wx, Wh, b (1,)) raised nothing")


def test_rnn_step_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.rnn_step_forward, *_cell_case(rng, 1))


# --- rnn_step_backward ------------------------------------------------------


@pytest.mark.parametrize("wrt", ["x", "h_prev", "Wx", "Wh", "b"])
def test_rnn_step_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    # N=3, D=4, H=5 and a non-symmetric Wh: a missing transpose or a sum over
    # the wrong axis breaks a shape or a value. dh is random, not ones.
    inputs = dict(zip(["x", "h_prev", "Wx", "Wh", "b"], _cell_case(rng, 1), strict=True))
    _, cache = impl.rnn_step_forward(*inputs.values())
    dh = rng.standard_normal((3, 5))
    grads = dict(zip(inputs, impl.rnn_step_backward(dh, cache), strict=True))

    def forward(value):
        args = {**inputs, wrt: value}
        return np.tanh(args["x"] @ args["Wx"] + args["h_prev"] @ args["Wh"] + args["b"])

    expected = _vjp(num_vjp, forward, inputs[wrt], dh)
    assert_close(
        grads[wrt],
        expected,
        tol=1e-7,
        what=f"rnn_step_backward(dh (3, 5), cache) -> d{wrt} (N=3, D=4, H=5; "
        "a correct backward agrees to ~1e-9)",
    )


def test_rnn_step_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    _, cache = impl.rnn_step_forward(*_cell_case(rng, 1))
    call_untouched(impl.rnn_step_backward, rng.standard_normal((3, 5)), cache)


# --- rnn_forward ------------------------------------------------------------


def test_rnn_forward_matches_a_step_by_step_loop(impl, rng, assert_close):
    N, T, D, H = 3, 4, 2, 5
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)) / 2, rng.standard_normal(H)
    h, _ = impl.rnn_forward(x, h0, Wx, Wh, b)
    assert_close(h, _rnn_ref(x, h0, Wx, Wh, b), tol=1e-12, what="rnn_forward(x (3, 4, 2), ...)")


def test_rnn_forward_matches_torch_rnn(impl, assert_close):
    # torch.nn.RNN(3, 2, batch_first=True), the _torch_case parameters, input
    # x (2, 3, 3) and h0 (2, 2): output printed by PyTorch 2.14 in float64.
    x, h0, w_ih, w_hh, b_ih, b_hh = _torch_case()
    torch_out = [
        [
            [0.9368851371462603, -0.7829706904702007],
            [-0.2384318431308081, -0.2063812199276947],
            [-0.4827599343212453, 0.8566596787490129],
        ],
        [
            [0.895830605228786, -0.8412719102644108],
            [-0.7875924668464346, 0.6704966501451332],
            [0.7412064524023885, 0.13792524558037836],
        ],
    ]
    h, _ = impl.rnn_forward(x, h0, w_ih.T, w_hh.T, b_ih + b_hh)
    assert_close(h, torch_out, tol=1e-12, what="rnn_forward vs torch.nn.RNN(batch_first=True)")


def test_rnn_forward_keeps_a_batch_of_one(impl, rng):
    x, h0 = rng.standard_normal((1, 3, 2)), rng.standard_normal((1, 4))
    h, _ = impl.rnn_forward(x, h0, rng.standard_normal((2, 4)), np.eye(4), np.zeros(4))
    assert np.shape(h) == (1, 3, 4), f"rnn_forward with N=1, T=3 returned {np.shape(h)}"


def test_rnn_forward_rejects_an_unbatched_sequence(impl, rng):
    x = rng.standard_normal((3, 2))  # (T, D): the batch axis is missing
    with pytest.raises(ValueError, match=re.escape(str(x.shape))):
        impl.rnn_forward(x, np.zeros((1, 4)), np.zeros((2, 4)), np.eye(4), np.zeros(4))


def test_rnn_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    Wx, Wh, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5)
    call_untouched(impl.rnn_forward, x, h0, Wx, Wh, b)


# --- rnn_backward -----------------------------------------------------------


def _seq_case(rng, gates, N=3, T=4, D=2, H=5):
    """A sequence case with N > 1, T >= 3, D != H and non-symmetric weights."""
    return {
        "x": rng.standard_normal((N, T, D)),
        "h0": rng.standard_normal((N, H)),
        "Wx": rng.standard_normal((D, gates * H)) / math.sqrt(D),
        "Wh": rng.standard_normal((H, gates * H)) / math.sqrt(H),
        "b": 0.5 * rng.standard_normal(gates * H),
    }


@pytest.mark.parametrize("wrt", ["x", "h0", "Wx", "Wh", "b"])
def test_rnn_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    # A random upstream gradient on EVERY hidden state (N=3, T=4, D=2, H=5).
    # Forgetting to carry dh_prev back across steps, or overwriting dWh at
    # each step instead of summing, fails here.
    inputs = _seq_case(rng, 1)
    _, cache = impl.rnn_forward(*inputs.values())
    dh = rng.standard_normal((3, 4, 5))
    grads = dict(zip(inputs, impl.rnn_backward(dh, cache), strict=True))
    expected = _vjp(num_vjp, lambda v: _rnn_ref(**{**inputs, wrt: v}), inputs[wrt], dh)
    assert_close(
        grads[wrt],
        expected,
        tol=1e-7,
        what=f"rnn_backward(dh (3, 4, 5) random on every state, cache) -> d{wrt} "
        "(N=3, T=4, D=2, H=5; a correct BPTT agrees to ~1e-9)",
    )


def test_rnn_backward_gradient_only_at_the_last_step_reaches_the_first_input(
    impl, rng, num_vjp, assert_close
):
    # The many-to-one case: the loss reads h_{T-1} only, so dx at t = 0 comes
    # entirely from the gradient carried back through the recurrence.
    inputs = _seq_case(rng, 1)
    _, cache = impl.rnn_forward(*inputs.values())
    dh = np.zeros((3, 4, 5))
    dh[:, -1] = rng.standard_normal((3, 5))
    dx = impl.rnn_backward(dh, cache)[0]
    expected = _vjp(num_vjp, lambda v: _rnn_ref(**{**inputs, "x": v}), inputs["x"], dh)
    assert_close(
        dx,
        expected,
        tol=1e-7,
        what="rnn_backward(dh zero except at t = T-1) -> dx (dx[:, 0] is nonzero only if "
        "the gradient is carried back through every step)",
    )


def test_rnn_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    _, cache = impl.rnn_forward(*_seq_case(rng, 1).values())
    call_untouched(impl.rnn_backward, rng.standard_normal((3, 4, 5)), cache)


# --- lstm_step_forward ------------------------------------------------------


def test_lstm_step_forward_matches_the_gate_equations(impl, rng, assert_close):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 4)
    c_prev = rng.standard_normal((3, 5))
    h, c, _ = impl.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    ref_h, ref_c = _lstm_ref_step(x, h_prev, c_prev, Wx, Wh, b)
    what = "lstm_step_forward(x (3, 4), h_prev (3, 5), c_prev (3, 5), Wx (4, 20), ...)"
    assert_close(c, ref_c, tol=1e-12, what=what + " -> c")
    assert_close(h, ref_h, tol=1e-12, what=what + " -> h")


def test_lstm_step_forward_uses_gate_order_i_f_g_o(impl, assert_close):
    # Zero weights; the bias alone sets each gate. In the order i, f, g, o:
    # i = sigmoid(50) = 1, f = sigmoid(-50) ~ 2e-22, g = tanh(atanh(0.5)) = 0.5,
    # o = sigmoid(50) = 1, so c = f * 3 + 1 * 0.5 = 0.5 and h = tanh(0.5).
    # Read as i, f, o, g (CS231n's order): c = 1, h = 0.62 * tanh(1).
    H = 2
    b = np.repeat([50.0, -50.0, math.atanh(0.5), 50.0], H)
    h, c, _ = impl.lstm_step_forward(
        np.ones((1, 3)), np.ones((1, H)), np.full((1, H), 3.0), np.zeros((3, 4 * H)),
        np.zeros((H, 4 * H)), b,
    )  # fmt: skip
    what = "lstm_step_forward with b = [i: 50, f: -50, g: atanh(0.5), o: 50] (order i, f, g, o)"
    assert_close(c, [[0.5, 0.5]], tol=1e-12, what=what + " -> c = f c_prev + i g")
    assert_close(h, [[math.tanh(0.5)] * 2], tol=1e-12, what=what + " -> h = o tanh(c)")


def test_lstm_step_forward_matches_torch_lstmcell(impl, assert_close):
    # torch.nn.LSTMCell(3, 2) with the _torch_case(gates=4) parameters,
    # x[:, 0], h0 and c_prev below: outputs printed by PyTorch 2.14 in float64.
    x, h0, w_ih, w_hh, b_ih, b_hh = _torch_case(gates=4)
    c_prev = _wave((2, 2), 0.6, 0.9, 1.5)
    torch_h = [[0.1856317960431611, 0.4744121363112149], [0.379177694654575, 0.1397279794287458]]
    torch_c = [[0.5819725379442438, 0.8581503972253781], [1.3253897297305997, 0.20938280659061656]]
    h, c, _ = impl.lstm_step_forward(x[:, 0], h0, c_prev, w_ih.T, w_hh.T, b_ih + b_hh)
    what = "lstm_step_forward(x, h0, c_prev, weight_ih.T, weight_hh.T, bias_ih + bias_hh)"
    assert_close(h, torch_h, tol=1e-12, what=what + " -> h vs torch.nn.LSTMCell")
    assert_close(c, torch_c, tol=1e-12, what=what + " -> c vs torch.nn.LSTMCell")


def test_lstm_step_forward_is_stable_for_saturated_gates(impl, assert_close, call_quietly):
    # Pre-activations of +-1000, each gate seeing both signs across the two
    # rows: nothing may warn (1 / (1 + exp(-a)) overflows at a = -1000).
    # Row 0: i = 1, f = 0, g = -1, o = 1, so c = -1 and h = tanh(-1).
    # Row 1: i = 0, f = 1, g = 1, o = 0, so c = c_prev = 5 and h = 0.
    x = np.array([[1.0], [-1.0]])
    Wx = 1000.0 * np.array([[1.0, -1.0, -1.0, 1.0]])
    h, c, _ = call_quietly(
        impl.lstm_step_forward, x, np.zeros((2, 1)), np.full((2, 1), 5.0), Wx,
        np.zeros((1, 4)), np.zeros(4), what="lstm_step_forward with gates at +-1000",
    )  # fmt: skip
    assert_close(c, [[-1.0], [5.0]], tol=1e-12, what="lstm_step_forward at +-1000 -> c")
    assert_close(h, [[math.tanh(-1.0)], [0.0]], tol=1e-12, what="lstm_step_forward at +-1000 -> h")


def test_lstm_step_forward_rejects_a_gru_shaped_weight(impl, rng):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 3)  # (D, 3H): three gates, not four
    with pytest.raises(ValueError, match=re.escape(str(Wx.shape))):
        impl.lstm_step_forward(x, h_prev, np.zeros_like(h_prev), Wx, Wh, b)


def test_lstm_step_forward_rejects_a_c_prev_of_the_wrong_shape(impl, rng):
    # c_prev (N, 1) broadcasts silently against the (N, H) gates: check it is (N, H).
    x, h_prev, Wx, Wh, b = _cell_case(rng, 4)  # N = 3, H = 5
    c_prev = np.zeros((3, 1))
    with pytest.raises(ValueError, match=re.escape(str(c_prev.shape))):  # noqa: PT012
        impl.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
        pytest.fail("lstm_step_forward(..., h_prev (3, 5), c_prev (3, 1), ...) raised nothing")


def test_lstm_step_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 4)
    call_untouched(impl.lstm_step_forward, x, h_prev, rng.standard_normal((3, 5)), Wx, Wh, b)


# --- lstm_step_backward -----------------------------------------------------

_LSTM_STEP_ARGS = ["x", "h_prev", "c_prev", "Wx", "Wh", "b"]


def _lstm_step_inputs(rng):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 4)
    return {"x": x, "h_prev": h_prev, "c_prev": rng.standard_normal((3, 5)), "Wx": Wx,
            "Wh": Wh, "b": b}  # fmt: skip


@pytest.mark.parametrize("wrt", _LSTM_STEP_ARGS)
def test_lstm_step_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    # Random upstream gradients on BOTH outputs, h and c: the VJP of the map
    # (inputs) -> [h, c] with dout = [dh, dc]. Catches tanh'(c_prev) for
    # tanh'(c), a dropped dc or dh path, and gate blocks out of order.
    inputs = _lstm_step_inputs(rng)
    _, _, cache = impl.lstm_step_forward(*inputs.values())
    dh, dc = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    grads = dict(zip(_LSTM_STEP_ARGS, impl.lstm_step_backward(dh, dc, cache), strict=True))

    def forward(value):
        return np.concatenate(_lstm_ref_step(**{**inputs, wrt: value}), axis=1)

    expected = _vjp(num_vjp, forward, inputs[wrt], np.concatenate([dh, dc], axis=1))
    assert_close(
        grads[wrt],
        expected,
        tol=1e-7,
        what=f"lstm_step_backward(dh (3, 5), dc (3, 5), cache) -> d{wrt} (N=3, D=4, H=5; "
        "a correct backward agrees to ~1e-9)",
    )


def test_lstm_step_backward_cell_path_is_the_forget_gate(impl, rng, assert_close):
    # With no gradient on h, the only way back to c_prev is c = f * c_prev + ...,
    # so dc_prev = f * dc exactly: the additive path has no matrix and no tanh.
    inputs = _lstm_step_inputs(rng)
    _, _, cache = impl.lstm_step_forward(*inputs.values())
    dc = rng.standard_normal((3, 5))
    dc_prev = impl.lstm_step_backward(np.zeros((3, 5)), dc, cache)[2]
    a = inputs["x"] @ inputs["Wx"] + inputs["h_prev"] @ inputs["Wh"] + inputs["b"]
    f = _sig(a[:, 5:10])
    assert_close(
        dc_prev,
        f * dc,
        tol=1e-12,
        what="lstm_step_backward(dh = 0, dc, cache) -> dc_prev (= f * dc)",
    )


def test_lstm_step_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    _, _, cache = impl.lstm_step_forward(*_lstm_step_inputs(rng).values())
    dh, dc = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    call_untouched(impl.lstm_step_backward, dh, dc, cache)


# --- lstm_forward -----------------------------------------------------------


def test_lstm_forward_matches_a_step_by_step_loop_from_c0_zero(impl, rng, assert_close):
    inputs = _seq_case(rng, 4)
    h, _ = impl.lstm_forward(*inputs.values())
    assert_close(
        h,
        _lstm_ref(**inputs),
        tol=1e-12,
        what="lstm_forward(x (3, 4, 2), h0 (3, 5), Wx (2, 20), Wh (5, 20), b (20,)) "
        "(c0 = 0, not h0)",
    )


def test_lstm_forward_matches_torch_lstm(impl, assert_close):
    # torch.nn.LSTM(3, 2, batch_first=True) with the _torch_case(gates=4)
    # parameters, (h0, c0 = 0): output printed by PyTorch 2.14 in float64.
    x, h0, w_ih, w_hh, b_ih, b_hh = _torch_case(gates=4)
    torch_out = [
        [
            [-0.004471902671501544, 0.10324116518328394],
            [0.3262942136449289, -0.11731967053175682],
            [-0.02794135432133191, -0.02408213195835842],
        ],
        [
            [0.20398094175695108, 0.010343108016132134],
            [0.36039489628286275, -0.11104075057185774],
            [-0.083286422090085, -0.010259934852374057],
        ],
    ]
    h, _ = impl.lstm_forward(x, h0, w_ih.T, w_hh.T, b_ih + b_hh)
    assert_close(h, torch_out, tol=1e-12, what="lstm_forward vs torch.nn.LSTM(batch_first=True)")


def test_lstm_forward_keeps_a_batch_of_one(impl, rng):
    inputs = _seq_case(rng, 4, N=1, T=3)
    h, _ = impl.lstm_forward(*inputs.values())
    assert np.shape(h) == (1, 3, 5), f"lstm_forward with N=1, T=3 returned {np.shape(h)}"


def test_lstm_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.lstm_forward, *_seq_case(rng, 4).values())


# --- lstm_backward ----------------------------------------------------------


@pytest.mark.parametrize("wrt", ["x", "h0", "Wx", "Wh", "b"])
def test_lstm_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    # Random gradient on every hidden state, N=3, T=4, D=2, H=5. Dropping the
    # cell-state gradient dc_next between steps (or dh_next) fails here.
    inputs = _seq_case(rng, 4)
    _, cache = impl.lstm_forward(*inputs.values())
    dh = rng.standard_normal((3, 4, 5))
    grads = dict(zip(inputs, impl.lstm_backward(dh, cache), strict=True))
    expected = _vjp(num_vjp, lambda v: _lstm_ref(**{**inputs, wrt: v}), inputs[wrt], dh)
    assert_close(
        grads[wrt],
        expected,
        tol=1e-7,
        what=f"lstm_backward(dh (3, 4, 5) random on every state, cache) -> d{wrt} "
        "(N=3, T=4, D=2, H=5; a correct BPTT agrees to ~1e-9)",
    )


def test_lstm_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    _, cache = impl.lstm_forward(*_seq_case(rng, 4).values())
    call_untouched(impl.lstm_backward, rng.standard_normal((3, 4, 5)), cache)


# --- gru_step_forward -------------------------------------------------------


def test_gru_step_forward_matches_torch_grucell(impl, assert_close):
    # torch.nn.GRUCell(3, 2) with the _torch_case(gates=3) parameters, x[:, 0]
    # and h0: output printed by PyTorch 2.14 in float64. The biases stay apart.
    x, h0, w_ih, w_hh, b_ih, b_hh = _torch_case(gates=3)
    torch_h = [[0.17222326078928357, 0.5508052261526349], [0.399536699797028, 0.025407655042729783]]
    h = impl.gru_step_forward(x[:, 0], h0, w_ih.T, w_hh.T, b_ih, b_hh)
    assert_close(
        h,
        torch_h,
        tol=1e-12,
        what="gru_step_forward(x, h0, weight_ih.T, weight_hh.T, bias_ih, bias_hh) vs "
        "torch.nn.GRUCell",
    )


def test_gru_step_forward_matches_the_gate_equations(impl, rng, assert_close):
    x, h_prev, Wx, Wh, bx = _cell_case(rng, 3)
    bh = 0.5 * rng.standard_normal(15)
    h = impl.gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    assert_close(
        h,
        _gru_ref(x, h_prev, Wx, Wh, bx, bh),
        tol=1e-12,
        what="gru_step_forward(x (3, 4), h_prev (3, 5), Wx (4, 15), Wh (5, 15), bx, bh)",
    )


def test_gru_step_forward_reset_gate_multiplies_the_hidden_bias(impl, assert_close):
    # Zero weights. r = sigmoid(0) = 1/2, z = sigmoid(-50) ~ 2e-22 (take the
    # candidate), and the n blocks of the biases are bx_n = 0.1, bh_n = 0.8:
    # n = tanh(0.1 + r * 0.8) = tanh(0.5). Adding bh_n outside r gives tanh(0.9).
    H = 2
    bx = np.repeat([0.0, -50.0, 0.1], H)
    bh = np.repeat([0.0, 0.0, 0.8], H)
    h = impl.gru_step_forward(np.ones((1, 3)), np.ones((1, H)), np.zeros((3, 3 * H)),
                              np.zeros((H, 3 * H)), bx, bh)  # fmt: skip
    assert_close(
        h,
        [[math.tanh(0.5)] * 2],
        tol=1e-12,
        what="gru_step_forward with r = 1/2, z = 0, bx_n = 0.1, bh_n = 0.8 "
        "(n = tanh(bx_n + r * bh_n))",
    )


def test_gru_step_forward_update_gate_one_keeps_the_old_state(impl, assert_close):
    # z = sigmoid(50) = 1 (to 2e-22): h = (1 - z) n + z h_prev = h_prev.
    # The swapped convention h = z n + (1 - z) h_prev would return n.
    H = 2
    bx = np.repeat([0.0, 50.0, 3.0], H)
    h_prev = np.array([[0.25, -0.75]])
    h = impl.gru_step_forward(np.ones((1, 3)), h_prev, np.zeros((3, 3 * H)),
                              np.zeros((H, 3 * H)), bx, np.zeros(3 * H))  # fmt: skip
    assert_close(h, h_prev, tol=1e-12, what="gru_step_forward with z = 1 (expected h = h_prev)")


def test_gru_step_forward_is_stable_for_saturated_gates(impl, assert_close, call_quietly):
    # Every gate sees +1000 in one row and -1000 in the other; nothing may warn.
    # Row 0: r = 1, z = 0, n = tanh(-1000) = -1, so h = -1.
    # Row 1: r = 0, z = 1, so h = h_prev = 0.3.
    x = np.array([[1.0], [-1.0]])
    Wx = 1000.0 * np.array([[1.0, -1.0, -1.0]])
    h = call_quietly(
        impl.gru_step_forward, x, np.full((2, 1), 0.3), Wx, np.zeros((1, 3)), np.zeros(3),
        np.zeros(3), what="gru_step_forward with gates at +-1000",
    )  # fmt: skip
    assert_close(h, [[-1.0], [0.3]], tol=1e-12, what="gru_step_forward with gates at +-1000")


def test_gru_step_forward_rejects_an_lstm_shaped_weight(impl, rng):
    x, h_prev, Wx, Wh, b = _cell_case(rng, 4)
    with pytest.raises(ValueError, match=re.escape(str(Wx.shape))):
        impl.gru_step_forward(x, h_prev, Wx, Wh, b, b)


def test_gru_step_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, h_prev, Wx, Wh, bx = _cell_case(rng, 3)
    call_untouched(impl.gru_step_forward, x, h_prev, Wx, Wh, bx, rng.standard_normal(15))


# --- clip_grad_norm ---------------------------------------------------------


def _grads_85():
    """Two fresh arrays of global norm sqrt(3^2 + 4^2 + 12^2 + 84^2) = sqrt(7225) = 85."""
    return [np.array([[3.0, -4.0], [0.0, 12.0]]), np.array([-84.0, 0.0, 0.0])]


def test_clip_grad_norm_scales_every_array_by_one_global_factor(impl, assert_close):
    # Per-array clipping would scale [[3, -4], [0, 12]] (norm 13) to norm 1 and
    # [-84, 0, 0] to [-1, 0, 0]; the global factor is 1 / (85 + 1e-6) for both.
    clipped, total = impl.clip_grad_norm(_grads_85(), 1.0)
    coef = 1.0 / (85.0 + 1e-6)
    assert_close(total, 85.0, tol=1e-15, what="clip_grad_norm(grads with global norm 85, 1) total")
    assert len(clipped) == 2, f"clip_grad_norm returned {len(clipped)} arrays for 2"
    for k, g in enumerate(_grads_85()):
        assert_close(
            clipped[k],
            g * coef,
            tol=1e-14,
            what=f"clip_grad_norm(global norm 85, max_norm=1)[{k}] (one factor 1/(85 + 1e-6) "
            "for all arrays, not one per array)",
        )


def test_clip_grad_norm_matches_torch(impl, assert_close):
    # torch.nn.utils.clip_grad_norm_ on these two gradients with max_norm=1.0
    # returned total norm 85.0 and these values (PyTorch 2.14, float64).
    torch_clipped = [
        [[0.03529411723183391, -0.047058822975778555], [0.0, 0.14117646892733565]],
        [-0.9882352824913496, 0.0, 0.0],
    ]
    clipped, total = impl.clip_grad_norm(_grads_85(), 1.0)
    assert_close(total, 85.0, tol=1e-15, what="clip_grad_norm total_norm vs torch")
    for k in range(2):
        assert_close(clipped[k], torch_clipped[k], tol=1e-14, what=f"clip_grad_norm[{k}] vs torch")


def test_clip_grad_norm_leaves_small_gradients_unchanged(impl, rng):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    clipped, total = impl.clip_grad_norm(grads, 2.0 * norm)
    assert abs(total - norm) <= 1e-12 * norm, f"total_norm {total}, expected {norm}"
    for k, g in enumerate(grads):
        assert np.array_equal(clipped[k], g), (
            f"clip_grad_norm(grads of norm {norm:.3f}, max_norm {2 * norm:.3f})[{k}] changed "
            "the values: below max_norm the factor is min(1, ...) = 1, never more"
        )


def test_clip_grad_norm_at_exactly_max_norm_uses_the_epsilon(impl, assert_close):
    # total_norm == max_norm == 85: PyTorch still multiplies by 85 / (85 + 1e-6).
    clipped, _ = impl.clip_grad_norm(_grads_85(), 85.0)
    torch_first = [[2.999999964705883, -3.9999999529411774], [0.0, 11.999999858823532]]
    assert_close(
        clipped[0],
        torch_first,
        tol=1e-15,
        what="clip_grad_norm(global norm 85, max_norm=85)[0] (factor 85 / (85 + 1e-6), as torch)",
    )


def test_clip_grad_norm_max_norm_zero_zeroes_the_gradient(impl, assert_close):
    clipped, total = impl.clip_grad_norm(_grads_85(), 0.0)
    assert_close(total, 85.0, tol=1e-15, what="clip_grad_norm(..., max_norm=0) total_norm")
    for k, g in enumerate(clipped):
        assert_close(
            g, np.zeros_like(_grads_85()[k]), tol=0, what=f"clip_grad_norm(max_norm=0)[{k}]"
        )


def test_clip_grad_norm_is_accurate_across_scales(impl, assert_close):
    # Gradients from 1e-30 to 1e30 (vanishing to exploding): the relative
    # accuracy of the norm must not depend on the scale.
    for scale in (1e-30, 1e-8, 1.0, 1e8, 1e30):
        grads = [scale * g for g in _grads_85()]
        clipped, total = impl.clip_grad_norm(grads, 5.0)
        assert_close(total, 85.0 * scale, tol=1e-14, what=f"clip_grad_norm(85 * {scale}) total")
        coef = min(1.0, 5.0 / (85.0 * scale + 1e-6))
        assert_close(clipped[1], grads[1] * coef, tol=1e-14, what=f"clip_grad_norm(85 * {scale})")


def test_clip_grad_norm_returns_new_arrays_and_a_float(impl):
    grads = [np.array([0.1, 0.2]), np.array([[0.3]])]
    clipped, total = impl.clip_grad_norm(grads, 10.0)
    assert isinstance(total, float), f"total_norm is a {type(total).__name__}, expected float"
    assert clipped is not grads, "clip_grad_norm returned the input list: return a new list"
    for k in range(2):
        assert clipped[k] is not grads[k], f"clipped[{k}] is the input array: return a new one"
        assert np.shape(clipped[k]) == grads[k].shape, f"clipped[{k}] shape {np.shape(clipped[k])}"


def test_clip_grad_norm_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.clip_grad_norm, _grads_85(), 1.0)


# --- clip_grad_value --------------------------------------------------------


def test_clip_grad_value_clamps_each_entry(impl, assert_close):
    grads = [np.array([[-3.0, 0.5], [2.0, -0.5]]), np.array([1.0, -1.0, 0.0])]
    clipped = impl.clip_grad_value(grads, 1.0)
    assert_close(clipped[0], [[-1.0, 0.5], [1.0, -0.5]], tol=0, what="clip_grad_value(..., 1)[0]")
    assert_close(clipped[1], [1.0, -1.0, 0.0], tol=0, what="clip_grad_value(..., 1)[1]")


def test_clip_grad_value_changes_the_direction(impl):
    # [10, 1] clipped at 1 becomes [1, 1]: the 45-degree direction, unlike norm clipping.
    (clipped,) = impl.clip_grad_value([np.array([10.0, 1.0])], 1.0)
    assert np.array_equal(clipped, [1.0, 1.0]), f"clip_grad_value([[10, 1]], 1) gave {clipped}"


def test_clip_grad_value_leaves_inputs_untouched(impl, call_untouched):
    call_untouched(impl.clip_grad_value, [np.array([5.0, -5.0]), np.array([[0.1]])], 1.0)


# --- hidden_gradient_norms --------------------------------------------------


def _loop_gradient_norms(Wh, hs, dh_last):
    """dL/dh_t by an explicit Jacobian per step: J_t[i, j] = dh_t[j] / dh_{t-1}[i]."""
    T, H = hs.shape
    grads = [np.asarray(dh_last, dtype=np.float64)]
    for t in range(T - 1, 0, -1):
        J = np.zeros((H, H))  # J[i, j] = d h_t[j] / d h_{t-1}[i] = Wh[i, j] (1 - h_t[j]^2)
        for i in range(H):
            for j in range(H):
                J[i, j] = Wh[i, j] * (1.0 - hs[t, j] ** 2)
        grads.append(J @ grads[-1])
    return np.array([math.sqrt(float(g @ g)) for g in reversed(grads)])


def test_hidden_gradient_norms_matches_an_explicit_jacobian_loop(impl, rng, assert_close):
    # Non-symmetric Wh and hidden states of varied size: Wh for Wh.T, or the
    # tanh derivative of h_{t-1} instead of h_t, gives different norms.
    T, H = 6, 4
    Wh = 1.3 * rng.standard_normal((H, H))
    hs = np.tanh(2.0 * rng.standard_normal((T, H)))
    dh_last = rng.standard_normal(H)
    got = impl.hidden_gradient_norms(Wh, hs, dh_last)
    assert_close(
        got,
        _loop_gradient_norms(Wh, hs, dh_last),
        tol=1e-12,
        what="hidden_gradient_norms(Wh (4, 4), hs (6, 4), dh_last (4,))",
    )


def test_hidden_gradient_norms_last_entry_is_the_norm_of_dh_last(impl, rng, assert_close):
    hs = np.tanh(rng.standard_normal((5, 3)))
    got = impl.hidden_gradient_norms(rng.standard_normal((3, 3)), hs, np.array([2.0, -1.0, 2.0]))
    assert np.shape(got) == (5,), f"hidden_gradient_norms(hs (5, 3)) has shape {np.shape(got)}"
    assert_close(got[-1], 3.0, tol=1e-15, what="hidden_gradient_norms(...)[T-1] (= ||[2, -1, 2]||)")


def test_hidden_gradient_norms_single_step(impl, assert_close):
    got = impl.hidden_gradient_norms(np.eye(2), np.array([[0.5, 0.5]]), np.array([3.0, 4.0]))
    assert_close(got, [5.0], tol=1e-15, what="hidden_gradient_norms(T=1, dh_last=[3, 4])")


@pytest.mark.parametrize("rho", [0.5, 1.5])
def test_hidden_gradient_norms_scale_by_rho_per_step_in_the_linear_regime(
    impl, rng, assert_close, rho
):
    # Linear regime (all h_t = 0, so tanh' = 1) and Wh = rho * Q with Q
    # orthogonal: each step back multiplies the norm by exactly rho.
    # rho = 0.5 vanishes like 0.5^k, rho = 1.5 explodes like 1.5^k.
    T, H = 12, 6
    Q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    dh_last = rng.standard_normal(H)
    got = impl.hidden_gradient_norms(rho * Q, np.zeros((T, H)), dh_last)
    expected = np.linalg.norm(dh_last) * rho ** np.arange(T - 1, -1, -1.0)
    assert_close(
        got,
        expected,
        tol=1e-12,
        what=f"hidden_gradient_norms(Wh = {rho} Q orthogonal, hs = 0) (expected rho^(T-1-t) "
        "||dh_last||)",
    )


@pytest.mark.parametrize("rho", [0.5, 1.5])
def test_hidden_gradient_norms_are_bounded_by_rho_times_the_tanh_slope(impl, rng, rho):
    # For Wh = rho Q (Q orthogonal), ||(g * d) Q.T|| = ||g * d||, so each step
    # back scales the norm by a factor between rho * min(d) and rho * max(d),
    # d = 1 - h_t^2 of the step's state. Saturated states shrink the gradient
    # even when rho > 1.
    T, H = 10, 5
    Q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    hs = np.tanh(1.5 * rng.standard_normal((T, H)))
    got = np.asarray(impl.hidden_gradient_norms(rho * Q, hs, rng.standard_normal(H)))
    for t in range(T - 1, 0, -1):
        d = 1.0 - hs[t] ** 2
        lo, hi = rho * d.min() * got[t], rho * d.max() * got[t]
        assert lo * (1 - 1e-12) <= got[t - 1] <= hi * (1 + 1e-12), (
            f"hidden_gradient_norms(Wh = {rho} Q): entry {t - 1} is {got[t - 1]:.6g}, expected "
            f"between {lo:.6g} and {hi:.6g} (rho * min/max of 1 - hs[{t}]^2 times entry {t}); "
            "is the tanh derivative taken at hs[t], the state differentiated through?"
        )


def test_hidden_gradient_norms_leaves_inputs_untouched(impl, rng, call_untouched):
    hs = np.tanh(rng.standard_normal((4, 3)))
    call_untouched(impl.hidden_gradient_norms, rng.standard_normal((3, 3)), hs, np.ones(3))


# --- masked_rnn_forward -----------------------------------------------------


def test_masked_rnn_forward_matches_torch_packed_sequence(impl, assert_close):
    # pack_padded_sequence(x, [2, 4, 1], batch_first=True, enforce_sorted=False),
    # torch.nn.RNN(3, 2) with the _torch_case parameters, pad_packed_sequence
    # (total_length=4): printed by PyTorch 2.14 in float64.
    x, h0, w_ih, w_hh, b_ih, b_hh = _torch_case(N=3, T=4)
    torch_out = [
        [[0.9368851371462603, -0.7829706904702007], [-0.2384318431308081, -0.2063812199276947],
         [0.0, 0.0], [0.0, 0.0]],
        [[-0.5073467189061912, 0.48640257968814976], [0.7049289431580703, 0.13242693036564257],
         [0.812934841235486, -0.8716006249551089], [-0.8378690925181314, 0.882697825121006]],
        [[0.6746616356650598, -0.19845871289965344], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
    ]  # fmt: skip
    torch_h_n = [
        [-0.2384318431308081, -0.2063812199276947],
        [-0.8378690925181314, 0.882697825121006],
        [0.6746616356650598, -0.19845871289965344],
    ]
    h, h_last = impl.masked_rnn_forward(x, h0, w_ih.T, w_hh.T, b_ih + b_hh, np.array([2, 4, 1]))
    what = "masked_rnn_forward(x (3, 4, 3), lengths=[2, 4, 1])"
    assert_close(h, torch_out, tol=1e-12, what=what + " -> h vs pad_packed_sequence (0 at padding)")
    assert_close(h_last, torch_h_n, tol=1e-12, what=what + " -> h_last vs torch's h_n")


def test_masked_rnn_forward_never_reads_the_padding(impl, rng, assert_close):
    # Padding filled with nan: a mask-multiply (nan * 0 = nan) leaks it.
    inputs = _seq_case(rng, 1, N=3, T=5)
    lengths = np.array([5, 2, 3])
    x = inputs["x"].copy()
    for n, L in enumerate(lengths):
        x[n, L:] = np.nan
    h, h_last = impl.masked_rnn_forward(x, *list(inputs.values())[1:], lengths)
    full = _rnn_ref(**inputs)  # unpadded run: the real steps must agree with it
    for n, L in enumerate(lengths):
        assert_close(h[n, :L], full[n, :L], tol=1e-12, what=f"masked_rnn_forward h[{n}, :{L}]")
        assert_close(h[n, L:], np.zeros((5 - L, 5)), tol=0, what=f"masked_rnn_forward h[{n}, {L}:]")
        assert_close(h_last[n], full[n, L - 1], tol=1e-12, what=f"h_last[{n}] (= h[{n}, {L - 1}])")


def test_masked_rnn_forward_rejects_a_zero_length(impl, rng):
    inputs = _seq_case(rng, 1, N=2, T=3)
    with pytest.raises(ValueError, match="lengths"):
        impl.masked_rnn_forward(*inputs.values(), np.array([3, 0]))


@pytest.mark.parametrize("lengths", [[3, 4], [3, 3, 3]], ids=["longer-than-T", "not-N-values"])
def test_masked_rnn_forward_rejects_lengths_that_do_not_fit(impl, rng, lengths):
    # N = 2, T = 3: a length of 4 exceeds T (no padding to hold it), and three
    # lengths do not describe two sequences. Both are ValueErrors naming lengths.
    inputs = _seq_case(rng, 1, N=2, T=3)
    with pytest.raises(ValueError, match="lengths"):  # noqa: PT012
        impl.masked_rnn_forward(*inputs.values(), np.array(lengths))
        pytest.fail(f"masked_rnn_forward(x (2, 3, 2), ..., lengths={lengths}) raised nothing")


def test_masked_rnn_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    inputs = _seq_case(rng, 1, N=2, T=3)
    call_untouched(impl.masked_rnn_forward, *inputs.values(), np.array([1, 3]))


# --- orthogonal_init --------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3)])
def test_orthogonal_init_follows_torch_algorithm(impl, assert_close, shape):
    # The same single draw, QR of its tall orientation, columns signed by diag(R).
    W = impl.orthogonal_init(shape, np.random.default_rng(3), gain=2.0)
    A = np.random.default_rng(3).standard_normal(shape)
    tall = A if shape[0] >= shape[1] else A.T
    q, r = np.linalg.qr(tall)
    q = q * np.sign(np.diag(r))
    expected = 2.0 * (q if shape[0] >= shape[1] else q.T)
    assert_close(W, expected, tol=1e-12, what=f"orthogonal_init({shape}, rng(3), gain=2)")


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4)])
def test_orthogonal_init_has_all_singular_values_equal_to_gain(impl, rng, assert_close, shape):
    W = impl.orthogonal_init(shape, rng, gain=1.5)
    assert np.shape(W) == shape, f"orthogonal_init({shape}) has shape {np.shape(W)}"
    s = np.linalg.svd(W, compute_uv=False)
    assert_close(s, np.full(min(shape), 1.5), tol=1e-12, what=f"singular values of {shape}")


def test_orthogonal_init_default_gain_is_one(impl, rng, assert_close):
    # torch.nn.init.orthogonal_'s default gain is 1: without a gain argument the
    # result is exactly orthogonal, every singular value 1.
    W = impl.orthogonal_init((4, 6), rng)
    s = np.linalg.svd(np.asarray(W), compute_uv=False)
    assert_close(s, np.ones(4), tol=1e-12, what="singular values of orthogonal_init((4, 6), rng)")


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
