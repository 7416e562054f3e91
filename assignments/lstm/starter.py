"""LSTM from scratch: fill in forward (problem 1) and backward (problem 3); a GRU is the bonus (problem 4).

Shapes: X (batch_size, n_sequences, n_features), h and c (batch_size, n_nodes).
Column blocks of Wx, Wh and B: i, f, g, o (LSTM); r, z, n (GRU).
"""

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


class LSTM:
    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx = np.random.randn(n_features, 4 * n_nodes) * 0.01
        self.Wh = np.random.randn(n_nodes, 4 * n_nodes) * 0.01
        self.B = np.zeros(4 * n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None, c0=None):
        """Return every h_t (batch_size, n_sequences, n_nodes), or only the last h (batch_size, n_nodes)."""
        raise NotImplementedError("problem 1: write forward")

    def backward(self, dH):
        """Return dX (batch_size, n_sequences, n_features); store self.dWx, self.dWh, self.dB."""
        raise NotImplementedError("problem 3: write backward")


class GRU:
    """Bonus (problem 4). Delete this class if you do not attempt it."""

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx = np.random.randn(n_features, 3 * n_nodes) * 0.01
        self.Wh = np.random.randn(n_nodes, 3 * n_nodes) * 0.01
        self.Bx = np.zeros(3 * n_nodes)
        self.Bh = np.zeros(3 * n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None):
        raise NotImplementedError("problem 4: write the GRU's forward")

    def backward(self, dH):
        raise NotImplementedError("problem 4: write the GRU's backward")


if __name__ == "__main__":
    # Problem 2: the last h should be [[0.03622764, 0.10420386]] and the last c [[0.06722744, 0.18772147]].
    x = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
    lstm = LSTM(2, 2)
    lstm.Wx = np.array([[1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1]]) / 10
    lstm.Wh = np.array([[1, 3, 5, 7, 2, 4, 6, 8], [8, 6, 4, 2, 7, 5, 3, 1]]) / 10
    lstm.B = np.array([0.1, 0.2, 1.0, 1.0, 0.0, 0.1, 0.1, 0.2])
    print(lstm.forward(x))
