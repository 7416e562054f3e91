"""Reference solution for the LSTM assignment: an LSTM and (bonus) a GRU in NumPy.

Shapes: X (batch_size, n_sequences, n_features), h and c (batch_size, n_nodes).
"""

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


class SimpleInitializer:
    """Gaussian weights with a fixed standard deviation, zero biases."""

    def __init__(self, sigma=0.01, seed=0):
        self.sigma = sigma
        self.rng = np.random.default_rng(seed)

    def W(self, n1, n2):
        return self.sigma * self.rng.standard_normal((n1, n2))

    def B(self, n):
        return np.zeros(n)


class LSTM:
    """a = x_t·Wx + h_(t-1)·Wh + B, blocks i, f, g, o; c_t = f*c_(t-1) + i*g; h_t = o*tanh(c_t)."""

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        initializer = initializer or SimpleInitializer()
        self.Wx = initializer.W(n_features, 4 * n_nodes)
        self.Wh = initializer.W(n_nodes, 4 * n_nodes)
        self.B = initializer.B(4 * n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None, c0=None):
        """X (batch, n_sequences, n_features) -> every h_t, (batch, n_sequences, n_nodes)."""
        batch, n_sequences, _ = X.shape
        H = self.Wh.shape[0]
        h = np.zeros((batch, H)) if h0 is None else h0
        c = np.zeros((batch, H)) if c0 is None else c0
        self.X, self.h0, self.c0 = X, h, c
        self.hs, self.cs, self.gates = [], [], []
        for t in range(n_sequences):
            a = X[:, t] @ self.Wx + h @ self.Wh + self.B
            i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
            c = f * c + i * g
            h = o * np.tanh(c)
            self.hs.append(h)
            self.cs.append(c)
            self.gates.append((i, f, g, o))
        return np.stack(self.hs, axis=1)

    def backward(self, dH):
        """dH (batch, n_sequences, n_nodes) -> dX; stores dWx, dWh, dB."""
        n_sequences = dH.shape[1]
        dX = np.empty_like(self.X)
        self.dWx, self.dWh, self.dB = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.B)
        dh_next = np.zeros_like(dH[:, 0])
        dc_next = np.zeros_like(dH[:, 0])
        for t in reversed(range(n_sequences)):
            i, f, g, o = self.gates[t]
            c, c_prev = self.cs[t], (self.cs[t - 1] if t > 0 else self.c0)
            h_prev = self.hs[t - 1] if t > 0 else self.h0
            dh = dH[:, t] + dh_next
            dc = dc_next + dh * o * (1 - np.tanh(c) ** 2)
            da = np.concatenate(
                [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2), dh * np.tanh(c) * o * (1 - o)], axis=1
            )
            self.dB += da.sum(axis=0)
            self.dWx += self.X[:, t].T @ da
            self.dWh += h_prev.T @ da
            dX[:, t] = da @ self.Wx.T
            dh_next = da @ self.Wh.T
            dc_next = dc * f
        if self.optimizer is not None:
            self.optimizer.update(self)
        return dX


class GRU:
    """r, z = σ(x·Wx + Bx + h·Wh + Bh) blocks; n = tanh(x·Wx_n + Bx_n + r*(h·Wh_n + Bh_n)); h_t = (1-z)*n + z*h_(t-1)."""

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        initializer = initializer or SimpleInitializer()
        self.Wx = initializer.W(n_features, 3 * n_nodes)
        self.Wh = initializer.W(n_nodes, 3 * n_nodes)
        self.Bx = initializer.B(3 * n_nodes)
        self.Bh = initializer.B(3 * n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None):
        batch, n_sequences, _ = X.shape
        H = self.Wh.shape[0]
        h = np.zeros((batch, H)) if h0 is None else h0
        self.X, self.h0 = X, h
        self.hs, self.steps = [], []
        for t in range(n_sequences):
            u = X[:, t] @ self.Wx + self.Bx
            v = h @ self.Wh + self.Bh
            r = sigmoid(u[:, :H] + v[:, :H])
            z = sigmoid(u[:, H : 2 * H] + v[:, H : 2 * H])
            n = np.tanh(u[:, 2 * H :] + r * v[:, 2 * H :])
            h = (1 - z) * n + z * h
            self.hs.append(h)
            self.steps.append((r, z, n, v[:, 2 * H :]))
        return np.stack(self.hs, axis=1)

    def backward(self, dH):
        n_sequences = dH.shape[1]
        dX = np.empty_like(self.X)
        self.dWx, self.dWh = np.zeros_like(self.Wx), np.zeros_like(self.Wh)
        self.dBx, self.dBh = np.zeros_like(self.Bx), np.zeros_like(self.Bh)
        dh_next = np.zeros_like(dH[:, 0])
        for t in reversed(range(n_sequences)):
            r, z, n, v_n = self.steps[t]
            h_prev = self.hs[t - 1] if t > 0 else self.h0
            dh = dH[:, t] + dh_next
            du_n = dh * (1 - z) * (1 - n**2)
            du_r = du_n * v_n * r * (1 - r)
            du_z = dh * (h_prev - n) * z * (1 - z)
            du = np.concatenate([du_r, du_z, du_n], axis=1)
            dv = np.concatenate([du_r, du_z, du_n * r], axis=1)
            self.dWx += self.X[:, t].T @ du
            self.dBx += du.sum(axis=0)
            self.dWh += h_prev.T @ dv
            self.dBh += dv.sum(axis=0)
            dX[:, t] = du @ self.Wx.T
            dh_next = dh * z + dv @ self.Wh.T
        if self.optimizer is not None:
            self.optimizer.update(self)
        return dX


if __name__ == "__main__":
    x = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
    lstm = LSTM(2, 2)
    lstm.Wx = np.array([[1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1]]) / 10
    lstm.Wh = np.array([[1, 3, 5, 7, 2, 4, 6, 8], [8, 6, 4, 2, 7, 5, 3, 1]]) / 10
    lstm.B = np.array([0.1, 0.2, 1.0, 1.0, 0.0, 0.1, 0.1, 0.2])
    print("last h", lstm.forward(x)[:, -1], "last c", lstm.cs[-1])
