"""Sprint 22: SimpleRNN from scratch. Fill in forward (problem 1) and backward (problem 3).

Shapes: X (batch_size, n_sequences, n_features), h (batch_size, n_nodes).
"""

import numpy as np


class SimpleRNN:
    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx = np.random.randn(n_features, n_nodes) * 0.01
        self.Wh = np.random.randn(n_nodes, n_nodes) * 0.01
        self.B = np.zeros(n_nodes)
        self.optimizer = optimizer

    def forward(self, X, h0=None):
        """Return every h_t, (batch_size, n_sequences, n_nodes), or only the last h, (batch_size, n_nodes).

        a_t = x_t·Wx + h_(t-1)·Wh + B ;  h_t = tanh(a_t) ;  h_0 = zeros when h0 is None.
        """
        raise NotImplementedError("problem 1: write forward")

    def backward(self, dH):
        """Return dX (batch_size, n_sequences, n_features); store self.dWx, self.dWh, self.dB."""
        raise NotImplementedError("problem 3: write backward")


if __name__ == "__main__":
    # Problem 2: the small-array experiment. The last h should be
    # [[0.79494228, 0.81839002, 0.83939649, 0.85584174]].
    x = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
    rnn = SimpleRNN(2, 4)
    rnn.Wx = np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100
    rnn.Wh = np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100
    rnn.B = np.array([1, 1, 1, 1])
    print(rnn.forward(x))
