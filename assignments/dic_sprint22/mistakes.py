"""Sprint 22's SimpleRNN with known mistakes that can be switched on by name: the diagnosis replays these.

With no mistake switched on, this is the assignment's solution. Each mistake
is one small change at the place in forward or backward where students make
it; the rest of the class stays as the solution has it. The file uses NumPy
only, so a variant can also be graded as if a student had submitted it:

    SimpleRNN = with_mistakes("dwh_uses_h_t")

Shapes: X (batch, n_sequences, n_features), h (batch, n_nodes). What each
mistake means for a student is in ``assignments.dic_sprint22.MISTAKES``.
"""

import numpy as np

MISTAKES = (
    "no_recurrence",
    "relu_instead_of_tanh",
    "sigmoid_instead_of_tanh",
    "bias_ignored",
    "state_kept_between_calls",
    "wx_transposed",
    "wh_transposed",
    "dwh_uses_h_t",
    "no_dh_carry",
    "dh_carry_added_twice",
    "derivative_one_minus_h",
    "derivative_one_minus_a_squared",
    "derivative_applied_twice",
    "db_averaged_over_batch",
    "db_not_summed_over_time",
    "last_step_gradient_only",
)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


class SimpleRNN:
    """Elman RNN: a_t = x_t·Wx + h_(t-1)·Wh + B, h_t = tanh(a_t), with ``mistakes`` switched on."""

    mistakes = frozenset()
    last_only = False  # forward returns only the last h, and backward takes that step's dH

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx = np.zeros((n_features, n_nodes))
        self.Wh = np.zeros((n_nodes, n_nodes))
        self.B = np.zeros(n_nodes)
        self.optimizer = optimizer
        self.h_last = None

    def _activate(self, a):
        if "relu_instead_of_tanh" in self.mistakes:
            return np.maximum(a, 0)
        if "sigmoid_instead_of_tanh" in self.mistakes:
            return _sigmoid(a)
        return np.tanh(a)

    def _derivative(self, t):
        """dh_t/da_t, as this variant writes it."""
        h, a = self.H[:, t], self.A[:, t]
        if "relu_instead_of_tanh" in self.mistakes:
            return (h > 0).astype(float)
        if "sigmoid_instead_of_tanh" in self.mistakes:
            return h * (1 - h)
        if "derivative_one_minus_h" in self.mistakes:
            return 1 - h
        if "derivative_one_minus_a_squared" in self.mistakes:
            return 1 - a**2
        if "derivative_applied_twice" in self.mistakes:
            return (1 - h**2) ** 2
        return 1 - h**2

    def forward(self, X, h0=None):
        """X (batch, n_sequences, n_features) -> every h_t (batch, n_sequences, n_nodes), or the last (batch, n_nodes)."""
        batch, n_sequences, _ = X.shape
        n_nodes = self.Wh.shape[0]
        kept = "state_kept_between_calls" in self.mistakes and self.h_last is not None and self.h_last.shape == (batch, n_nodes)
        h = h0 if h0 is not None else (self.h_last if kept else np.zeros((batch, n_nodes)))
        self.X, self.h0 = X, h
        Wx = self.Wx.T if "wx_transposed" in self.mistakes else self.Wx
        Wh = self.Wh.T if "wh_transposed" in self.mistakes else self.Wh
        B = 0 if "bias_ignored" in self.mistakes else self.B
        self.A = np.empty((batch, n_sequences, n_nodes))
        self.H = np.empty((batch, n_sequences, n_nodes))
        for t in range(n_sequences):
            previous = self.h0 if "no_recurrence" in self.mistakes else h
            self.A[:, t] = X[:, t] @ Wx + previous @ Wh + B
            h = self._activate(self.A[:, t])
            self.H[:, t] = h
        self.h_last = h
        return self.H[:, -1] if self.last_only else self.H

    def backward(self, dH):
        """dH shaped like forward's output -> dX (batch, n_sequences, n_features); stores dWx, dWh, dB."""
        m = self.mistakes
        if self.last_only:
            last, dH = dH, np.zeros_like(self.H)
            dH[:, -1] = last
        n_sequences = dH.shape[1]
        dX = np.empty_like(self.X, dtype=float)
        self.dWx, self.dWh, self.dB = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.B)
        dh_next = np.zeros_like(dH[:, 0])
        for t in reversed(range(n_sequences)):
            upstream = dH[:, t] if "last_step_gradient_only" not in m or t == n_sequences - 1 else 0
            dh = upstream + (2 * dh_next if "dh_carry_added_twice" in m else dh_next)
            da = dh * self._derivative(t)
            h_prev = self.H[:, t] if "dwh_uses_h_t" in m else (self.H[:, t - 1] if t > 0 else self.h0)
            if "db_averaged_over_batch" in m:
                self.dB += da.mean(axis=0)
            elif "db_not_summed_over_time" in m:
                self.dB = da.sum(axis=0)
            else:
                self.dB += da.sum(axis=0)
            self.dWx += self.X[:, t].T @ da
            self.dWh += h_prev.T @ da
            dX[:, t] = da @ self.Wx.T
            if "no_dh_carry" not in m:
                dh_next = da @ self.Wh.T
        if self.optimizer is not None:
            self.optimizer.update(self)
        return dX


def with_mistakes(*names, last_only=False):
    """A SimpleRNN class with these mistakes switched on; ``last_only`` for the return style of only the last h."""
    unknown = sorted(set(names) - set(MISTAKES))
    if unknown:
        raise ValueError(f"unknown mistakes {unknown}; known: {', '.join(MISTAKES)}")
    return type("SimpleRNN", (SimpleRNN,), {"mistakes": frozenset(names), "last_only": last_only})
