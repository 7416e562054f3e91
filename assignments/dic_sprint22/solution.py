"""Reference solution for DIVE INTO CODE Sprint 22: a SimpleRNN in NumPy.

Shapes: X (batch_size, n_sequences, n_features), h (batch_size, n_nodes).
"""

import numpy as np


class SimpleInitializer:
    """Gaussian weights with a fixed standard deviation, zero biases."""

    def __init__(self, sigma=0.01, seed=0):
        self.sigma = sigma
        self.rng = np.random.default_rng(seed)

    def W(self, n1, n2):
        return self.sigma * self.rng.standard_normal((n1, n2))

    def B(self, n):
        return np.zeros(n)


class SGD:
    """W <- W - lr * dW for every weight of the layer."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, layer):
        layer.Wx -= self.lr * layer.dWx
        layer.Wh -= self.lr * layer.dWh
        layer.B -= self.lr * layer.dB
        return layer


class SimpleRNN:
    """Elman RNN: a_t = x_t·Wx + h_(t-1)·Wh + B, h_t = tanh(a_t)."""

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        initializer = initializer or SimpleInitializer()
        self.Wx = initializer.W(n_features, n_nodes)
        self.Wh = initializer.W(n_nodes, n_nodes)
        self.B = initializer.B(n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None):
        """X (batch, n_sequences, n_features) -> every h_t, (batch, n_sequences, n_nodes)."""
        batch, n_sequences, _ = X.shape
        h = np.zeros((batch, self.Wh.shape[0])) if h0 is None else h0
        self.X, self.h0 = X, h
        self.H = np.empty((batch, n_sequences, self.Wh.shape[0]))
        for t in range(n_sequences):
            h = np.tanh(X[:, t] @ self.Wx + h @ self.Wh + self.B)
            self.H[:, t] = h
        return self.H

    def backward(self, dH):
        """dH (batch, n_sequences, n_nodes), dL/dh_t from the output at every step -> dX."""
        n_sequences = dH.shape[1]
        dX = np.empty_like(self.X)
        self.dWx, self.dWh, self.dB = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.B)
        dh_next = np.zeros_like(dH[:, 0])
        for t in reversed(range(n_sequences)):
            da = (dH[:, t] + dh_next) * (1 - self.H[:, t] ** 2)
            h_prev = self.H[:, t - 1] if t > 0 else self.h0
            self.dB += da.sum(axis=0)
            self.dWx += self.X[:, t].T @ da
            self.dWh += h_prev.T @ da
            dX[:, t] = da @ self.Wx.T
            dh_next = da @ self.Wh.T
        if self.optimizer is not None:
            self.optimizer.update(self)
        return dX


if __name__ == "__main__":
    x = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
    rnn = SimpleRNN(2, 4)
    rnn.Wx = np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100
    rnn.Wh = np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100
    rnn.B = np.array([1, 1, 1, 1])
    print(rnn.forward(x)[:, -1])
