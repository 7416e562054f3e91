"""The LSTM assignment's LSTM and GRU with known mistakes that can be switched on by name: the diagnosis replays these.

With no mistake switched on, these are the assignment's solution. Each mistake
is one small change where students make it, with backward derived from the
forward the student believed in (a student who reads the blocks as i, f, o, g
also writes backward's blocks that way). The file uses NumPy only, so a
variant can also be graded as if a student had submitted it:

    LSTM = lstm_with_mistakes("gate_order_ifog")
    GRU = gru_with_mistakes("z_swapped")

Shapes: X (batch, n_sequences, n_features), h and c (batch, n_nodes). What each
mistake means for a student is in ``assignments.lstm.MISTAKES``.
"""

import itertools

import numpy as np

GATES = "ifgo"
GATE_ORDERS = tuple("".join(p) for p in itertools.permutations(GATES) if "".join(p) != GATES)
"""The 23 wrong orders in which a student may read the column blocks, e.g. "ifog": block 3 read as o, block 4 as g."""

LSTM_MISTAKES = (
    *(f"gate_order_{order}" for order in GATE_ORDERS),
    "forget_gate_ignored",
    "input_gate_ignored",
    "no_tanh_on_cell",
    "no_dc_carry",
    "no_forget_gate_gradient",
)
GRU_MISTAKES = ("reset_before_matmul", "z_swapped")


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _expand_last(layer, dH):
    """backward's dH as every step's: for the last-h-only return style, zeros except the last step."""
    if not layer.last_only:
        return dH
    full = np.zeros((*dH.shape[:1], layer.X.shape[1], dH.shape[-1]))
    full[:, -1] = dH
    return full


class LSTM:
    """a = x_t·Wx + h_(t-1)·Wh + B, blocks i, f, g, o; c_t = f*c_(t-1) + i*g; h_t = o*tanh(c_t), with ``mistakes`` switched on."""

    mistakes = frozenset()
    last_only = False

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx = np.zeros((n_features, 4 * n_nodes))
        self.Wh = np.zeros((n_nodes, 4 * n_nodes))
        self.B = np.zeros(4 * n_nodes)
        self.optimizer = optimizer

    @property
    def order(self):
        """The gate each column block is read as, in block order."""
        return next((m[len("gate_order_") :] for m in self.mistakes if m.startswith("gate_order_")), GATES)

    def _blocks(self, H):
        return {gate: slice(k * H, (k + 1) * H) for k, gate in enumerate(self.order)}

    def forward(self, X, h0=None, c0=None):
        """X (batch, n_sequences, n_features) -> every h_t (batch, n_sequences, n_nodes), or the last (batch, n_nodes)."""
        m = self.mistakes
        batch, n_sequences, _ = X.shape
        H = self.Wh.shape[0]
        h = np.zeros((batch, H)) if h0 is None else h0
        c = np.zeros((batch, H)) if c0 is None else c0
        self.X, self.h0, self.c0 = X, h, c
        self.hs, self.cs, self.gates = [], [], []
        blocks = self._blocks(H)
        for t in range(n_sequences):
            a = X[:, t] @ self.Wx + h @ self.Wh + self.B
            i, f, o = (_sigmoid(a[:, blocks[gate]]) for gate in "ifo")
            g = np.tanh(a[:, blocks["g"]])
            if "forget_gate_ignored" in m:
                c = i * g
            elif "input_gate_ignored" in m:
                c = f * c + g
            else:
                c = f * c + i * g
            h = o * (c if "no_tanh_on_cell" in m else np.tanh(c))
            self.hs.append(h)
            self.cs.append(c)
            self.gates.append((i, f, g, o))
        hs = np.stack(self.hs, axis=1)
        return hs[:, -1] if self.last_only else hs

    def backward(self, dH):
        """dH shaped like forward's output -> dX; stores dWx, dWh, dB."""
        m = self.mistakes
        dH = _expand_last(self, dH)
        n_sequences = dH.shape[1]
        H = self.Wh.shape[0]
        blocks = self._blocks(H)
        dX = np.empty_like(self.X, dtype=float)
        self.dWx, self.dWh, self.dB = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.B)
        dh_next = np.zeros_like(dH[:, 0])
        dc_next = np.zeros_like(dH[:, 0])
        for t in reversed(range(n_sequences)):
            i, f, g, o = self.gates[t]
            c, c_prev = self.cs[t], (self.cs[t - 1] if t > 0 else self.c0)
            h_prev = self.hs[t - 1] if t > 0 else self.h0
            dh = dH[:, t] + dh_next
            squashed, slope = (c, 1.0) if "no_tanh_on_cell" in m else (np.tanh(c), 1 - np.tanh(c) ** 2)
            dc = dc_next + dh * o * slope
            grads = {
                "i": dc * g * i * (1 - i),
                "f": dc * c_prev * f * (1 - f),
                "g": dc * i * (1 - g**2),
                "o": dh * squashed * o * (1 - o),
            }
            if "forget_gate_ignored" in m or "no_forget_gate_gradient" in m:
                grads["f"] = 0 * f
            if "input_gate_ignored" in m:
                grads["i"], grads["g"] = 0 * i, dc * (1 - g**2)
            da = np.empty((dh.shape[0], 4 * H))
            for gate, block in blocks.items():
                da[:, block] = grads[gate]
            self.dB += da.sum(axis=0)
            self.dWx += self.X[:, t].T @ da
            self.dWh += h_prev.T @ da
            dX[:, t] = da @ self.Wx.T
            dh_next = da @ self.Wh.T
            if "no_dc_carry" not in m:
                dc_next = 0 * dc if "forget_gate_ignored" in m else dc * f
        if self.optimizer is not None:
            self.optimizer.update(self)
        return dX


class GRU:
    """r, z = σ(x·Wx + Bx + h·Wh + Bh) blocks; n = tanh(x·Wx_n + Bx_n + r*(h·Wh_n + Bh_n)); h_t = (1-z)*n + z*h_(t-1)."""

    mistakes = frozenset()
    last_only = False

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx = np.zeros((n_features, 3 * n_nodes))
        self.Wh = np.zeros((n_nodes, 3 * n_nodes))
        self.Bx = np.zeros(3 * n_nodes)
        self.Bh = np.zeros(3 * n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None):
        m = self.mistakes
        batch, n_sequences, _ = X.shape
        H = self.Wh.shape[0]
        h = np.zeros((batch, H)) if h0 is None else h0
        self.X, self.h0 = X, h
        self.hs, self.steps = [], []
        for t in range(n_sequences):
            u = X[:, t] @ self.Wx + self.Bx
            v = h @ self.Wh + self.Bh
            r = _sigmoid(u[:, :H] + v[:, :H])
            z = _sigmoid(u[:, H : 2 * H] + v[:, H : 2 * H])
            if "reset_before_matmul" in m:
                hidden = (r * h) @ self.Wh[:, 2 * H :] + self.Bh[2 * H :]
            else:
                hidden = r * v[:, 2 * H :]
            n = np.tanh(u[:, 2 * H :] + hidden)
            h = z * n + (1 - z) * h if "z_swapped" in m else (1 - z) * n + z * h
            self.hs.append(h)
            self.steps.append((r, z, n, v[:, 2 * H :]))
        hs = np.stack(self.hs, axis=1)
        return hs[:, -1] if self.last_only else hs

    def backward(self, dH):
        m = self.mistakes
        dH = _expand_last(self, dH)
        n_sequences = dH.shape[1]
        H = self.Wh.shape[0]
        dX = np.empty_like(self.X, dtype=float)
        self.dWx, self.dWh = np.zeros_like(self.Wx), np.zeros_like(self.Wh)
        self.dBx, self.dBh = np.zeros_like(self.Bx), np.zeros_like(self.Bh)
        dh_next = np.zeros_like(dH[:, 0])
        for t in reversed(range(n_sequences)):
            r, z, n, v_n = self.steps[t]
            h_prev = self.hs[t - 1] if t > 0 else self.h0
            dh = dH[:, t] + dh_next
            keep, take = (1 - z, z) if "z_swapped" in m else (z, 1 - z)  # h_t = take*n + keep*h_(t-1)
            du_n = dh * take * (1 - n**2)
            sign = -1 if "z_swapped" in m else 1
            du_z = sign * dh * (h_prev - n) * z * (1 - z)
            if "reset_before_matmul" in m:
                dq = du_n @ self.Wh[:, 2 * H :].T  # gradient of r*h_(t-1)
                du_r = dq * h_prev * r * (1 - r)
                dv = np.concatenate([du_r, du_z, du_n], axis=1)
                dWh_n = (r * h_prev).T @ du_n
                through_n = dq * r
            else:
                du_r = du_n * v_n * r * (1 - r)
                dv = np.concatenate([du_r, du_z, du_n * r], axis=1)
                dWh_n = h_prev.T @ (du_n * r)
                through_n = (du_n * r) @ self.Wh[:, 2 * H :].T
            du = np.concatenate([du_r, du_z, du_n], axis=1)
            self.dWx += self.X[:, t].T @ du
            self.dBx += du.sum(axis=0)
            self.dWh[:, : 2 * H] += h_prev.T @ dv[:, : 2 * H]
            self.dWh[:, 2 * H :] += dWh_n
            self.dBh += dv.sum(axis=0)
            dX[:, t] = du @ self.Wx.T
            dh_next = dh * keep + dv[:, : 2 * H] @ self.Wh[:, : 2 * H].T + through_n
        if self.optimizer is not None:
            self.optimizer.update(self)
        return dX


def _with(base, known, names, last_only):
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown {base.__name__} mistakes {unknown}; known: {', '.join(known)}")
    if sum(n.startswith("gate_order_") for n in names) > 1:
        raise ValueError(f"{sorted(names)} names more than one gate order; a layer reads its blocks in one order")
    return type(base.__name__, (base,), {"mistakes": frozenset(names), "last_only": last_only})


def lstm_with_mistakes(*names, last_only=False):
    """An LSTM class with these mistakes switched on; ``last_only`` for the return style of only the last h."""
    return _with(LSTM, LSTM_MISTAKES, names, last_only)


def gru_with_mistakes(*names, last_only=False):
    """A GRU class with these mistakes switched on; ``last_only`` for the return style of only the last h."""
    return _with(GRU, GRU_MISTAKES, names, last_only)
