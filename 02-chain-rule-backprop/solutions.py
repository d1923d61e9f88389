"""Topic 02: the chain rule and backpropagation, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

import math

import numpy as np


def _sigmoid(z: float) -> float:
    """Logistic function of a Python float that never overflows."""
    # math.exp(1000) raises OverflowError. Only ever exponentiate a
    # non-positive number: for z >= 0 use 1 / (1 + e^-z), for z < 0 the
    # algebraically equal e^z / (1 + e^z).
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Value:
    """A scalar node of a computational graph that knows how to backpropagate."""

    def __init__(self, data: float, _children: tuple = (), _op: str = "") -> None:
        self.data = float(data)
        # dL/d(this node), filled by backward() on the graph's root. It starts
        # at 0 because every contribution is *added* to it.
        self.grad = 0.0
        # The inputs this node was computed from. A tuple, not a set: a * a
        # has the input a twice, and its backward must add both contributions.
        self._prev = tuple(_children)
        self._op = _op
        # Pushes out.grad to the inputs' .grad; a leaf has nothing to push.
        self._backward = _no_inputs

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # -- binary operations --------------------------------------------------
    # Every closure ADDS to the inputs' grad (+=): a node that feeds several
    # consumers receives one contribution from each, and the multivariate
    # chain rule says they sum. "=" keeps only the last one, and in a * a the
    # two contributions land on the same node.

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            # d(a + b)/da = d(a + b)/db = 1: addition copies ("distributes")
            # the upstream gradient to both inputs unchanged.
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            # d(ab)/da = b and d(ab)/db = a: multiplication "swaps" the inputs.
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __sub__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward() -> None:
            self.grad += out.grad
            other.grad -= out.grad  # d(a - b)/db = -1

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward() -> None:
            # d(a/b)/da = 1/b and d(a/b)/db = -a/b^2. Common mistake: -1/b^2,
            # forgetting the numerator (right only when a == 1).
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be a constant")
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:
            # Power rule d(x^n)/dx = n x^(n-1). Common mistakes: n x^n, or
            # x^(n-1) without the factor n. At x = 0 Python's 0.0 ** (n - 1)
            # raises ZeroDivisionError for n < 1, so the two edge cases are
            # spelled out, as PyTorch defines them: x^0 is constant, so its
            # gradient is 0 everywhere (0 ** -1 never gets evaluated); for
            # 0 < n < 1 the slope of x^n at 0 is infinite (sqrt at 0).
            if exponent == 0:
                local = 0.0
            elif self.data == 0.0 and exponent < 1:
                local = math.inf
            else:
                local = exponent * self.data ** (exponent - 1)
            self.grad += local * out.grad

        out._backward = _backward
        return out

    # -- Python numbers on the left: 2 + v calls v.__radd__(2), and so on ----

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rsub__(self, other: float) -> Value:
        # other - self, not self - other: subtraction does not commute.
        return Value(other) - self

    def __rtruediv__(self, other: float) -> Value:
        return Value(other) / self

    # -- unary operations -----------------------------------------------------

    def __neg__(self) -> Value:
        out = Value(-self.data, (self,), "neg")

        def _backward() -> None:
            self.grad -= out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            # d e^x/dx = e^x, which is the output: reuse it.
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            # tanh'(x) = 1 - tanh(x)^2, written with the OUTPUT t = out.data.
            # Common mistake: 1 - x^2 with the input x.
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward() -> None:
            # max routes: the gradient passes where the input won (x > 0) and
            # is blocked elsewhere. At exactly 0 it is 0, as in PyTorch.
            self.grad += (self.data > 0.0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        out = Value(_sigmoid(self.data), (self,), "sigmoid")

        def _backward() -> None:
            # sigma'(x) = s (1 - s) with the OUTPUT s, as PyTorch computes it.
            s = out.data
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    # -- reverse mode -----------------------------------------------------------

    def backward(self) -> None:
        """Fill .grad of every node of the graph with d(self)/d(node)."""
        order = topological_order(self)
        # Seed: dL/dL = 1. Without it every gradient stays 0.
        self.grad = 1.0
        # Reversed topological order: a node's _backward runs only after every
        # consumer of the node has added its contribution to node.grad, so the
        # node pushes its complete gradient on to its inputs exactly once.
        for node in reversed(order):
            node._backward()


def _no_inputs() -> None:
    """The backward step of a leaf: there is nothing upstream to update."""


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph once, each after all its inputs; root last."""
    # Depth-first search with an explicit stack: a recursive DFS uses one
    # Python frame per level and hits the recursion limit (1000) on a chain
    # of a few thousand nodes, i.e. an unrolled RNN or a long training loop.
    # A stack entry (node, True) means "all of node's inputs are placed:
    # place node". Nodes are tracked by identity (id), which is what "the
    # same node" means here, and which still works if a class defines ==.
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_placed = stack.pop()
        if inputs_placed:
            order.append(node)
            continue
        if id(node) in seen:
            # A shared subexpression reached a second time: appending it
            # again would run its backward twice and double its inputs' grads.
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev if id(child) not in seen)
    return order


def neuron_forward_backward(x: np.ndarray, w: np.ndarray, b: float):
    """y = sigmoid(w . x + b) and its gradients, derived by hand."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 1 or x.shape != w.shape:
        raise ValueError(
            f"neuron_forward_backward: x and w must be vectors of the same shape, "
            f"got x {x.shape} and w {w.shape}"
        )
    z = float(w @ x) + float(b)
    y = _sigmoid(z)
    # Chain rule through the one path z -> y: dy/dz = y (1 - y), then
    # dz/dw = x, dz/db = 1, dz/dx = w. Common mistake: dy_dw = dz * w (the
    # weights instead of the inputs: multiplication swaps).
    dy_dz = y * (1.0 - y)
    return y, dy_dz * x, dy_dz, dy_dz * w


def two_path_gradient(x):
    """f(x) = sin(x) x^2 + exp(x^2) and df/dx; floats for a scalar or 0-d x."""
    x_arr = np.asarray(x, dtype=np.float64)
    # Name the intermediate that feeds two consumers: s = x^2 goes into the
    # product and into the exponential, and x itself also feeds sin.
    s = x_arr * x_arr
    sin_x = np.sin(x_arr)
    exp_s = np.exp(s)
    f = sin_x * s + exp_s
    # df/ds sums the two consumers of s:   sin(x) + exp(s)
    # df/dx sums the two paths out of x:   (via sin) cos(x) s
    #                                     + (via s)  df/ds * ds/dx = (sin(x) + exp(s)) 2x
    # Common mistakes: dropping the 2x of the inner x^2 (exp(x^2) alone), or
    # one term of the product rule.
    df_ds = sin_x + exp_s
    df_dx = np.cos(x_arr) * s + df_ds * 2.0 * x_arr
    if x_arr.ndim == 0:
        return float(f), float(df_dx)
    return f, df_dx


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
