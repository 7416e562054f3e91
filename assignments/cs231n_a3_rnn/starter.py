from __future__ import print_function, division
from builtins import range  # noqa: F401 - for the loops you write
import numpy as np

# Recurrent layers for image captioning. Every layer is a pair: a forward that
# returns (out, cache) and a backward that takes the upstream gradient and the
# cache. Shapes: N minibatch, T time steps, D input features, H hidden units,
# V vocabulary size, M output features.


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """
    One time step of a vanilla RNN with a tanh nonlinearity.

    Inputs:
    - x: input of this step, shape (N, D)
    - prev_h: hidden state of the previous step, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: biases, shape (H,)

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - cache: tuple of what the backward pass needs
    """
    # Compute next_h = tanh(x Wx + prev_h Wh + b), and keep in a tuple `cache`
    # what rnn_step_backward will need.
    raise NotImplementedError("rnn_step_forward")


def rnn_step_backward(dnext_h, cache):
    """
    Backward pass of one time step of a vanilla RNN.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - cache: the cache of rnn_step_forward

    Returns a tuple of:
    - dx: gradient of the input, shape (N, D)
    - dprev_h: gradient of the previous hidden state, shape (N, H)
    - dWx: gradient of the input-to-hidden weights, shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, shape (H, H)
    - db: gradient of the biases, shape (H,)
    """
    # Undo the tanh (its derivative is 1 - next_h**2), then find the gradient of
    # each input of the affine part. db sums over the minibatch.
    raise NotImplementedError("rnn_step_backward")


def rnn_forward(x, h0, Wx, Wh, b):
    """
    A vanilla RNN over a whole sequence of T steps, starting from h0.

    Inputs:
    - x: input data of the whole sequence, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: biases, shape (H,)

    Returns a tuple of:
    - h: hidden states of every step, shape (N, T, H)
    - cache: tuple of the step caches, for the backward pass
    """
    # Loop over the T steps with rnn_step_forward, starting from h0, and store
    # every step's hidden state in h. Keep every step's cache.
    raise NotImplementedError("rnn_forward")


def rnn_backward(dh, cache):
    """
    Backward pass of a vanilla RNN over a whole sequence.

    Inputs:
    - dh: upstream gradients of all hidden states, shape (N, T, H)
    - cache: the cache of rnn_forward

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D)
    - dh0: gradient of the initial hidden state, shape (N, H)
    - dWx: gradient of the input-to-hidden weights, shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, shape (H, H)
    - db: gradient of the biases, shape (H,)
    """
    # Loop backwards over the steps with rnn_step_backward. Step t gets dh[:, t]
    # plus the dprev_h of step t+1; sum the weight gradients over the steps.
    raise NotImplementedError("rnn_backward")


def word_embedding_forward(x, W):
    """
    Word embeddings: each index of x picks a row of W.

    Inputs:
    - x: integer array of shape (N, T), each entry in 0 <= idx < V
    - W: word vectors, shape (V, D)

    Returns a tuple of:
    - out: the word vectors of the input, shape (N, T, D)
    - cache: tuple of what the backward pass needs
    """
    # Pick row x[n, t] of W for every n and t; one line of indexing does it.
    raise NotImplementedError("word_embedding_forward")


def word_embedding_backward(dout, cache):
    """
    Backward pass of word embeddings. A word that occurs several times gets
    the sum of its gradients.

    Inputs:
    - dout: upstream gradients, shape (N, T, D)
    - cache: the cache of word_embedding_forward

    Returns:
    - dW: gradient of the word vectors, shape (V, D)
    """
    # Add every dout[n, t] into row x[n, t] of dW. A word can occur more than
    # once, so use np.add.at: dW[x] += dout would keep only one of its rows.
    raise NotImplementedError("word_embedding_backward")


def sigmoid(x):
    """
    A numerically stable logistic sigmoid: exp is only ever taken of -|x|.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """
    One time step of an LSTM. The 4H columns of Wx, Wh and b hold the blocks
    of the input gate i, the forget gate f, the output gate o and the block
    gate g, in that order.

    Inputs:
    - x: input of this step, shape (N, D)
    - prev_h: hidden state of the previous step, shape (N, H)
    - prev_c: cell state of the previous step, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, 4H)
    - Wh: hidden-to-hidden weights, shape (H, 4H)
    - b: biases, shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - next_c: next cell state, shape (N, H)
    - cache: tuple of what the backward pass needs
    """
    # Compute a = x Wx + prev_h Wh + b and split it into its four blocks in the
    # order i, f, o, g: i, f, o = sigmoid(block), g = tanh(block). Then
    # next_c = f * prev_c + i * g and next_h = o * tanh(next_c).
    raise NotImplementedError("lstm_step_forward")


def lstm_step_backward(dnext_h, dnext_c, cache):
    """
    Backward pass of one time step of an LSTM.

    Inputs:
    - dnext_h: gradient of the next hidden state, shape (N, H)
    - dnext_c: gradient of the next cell state, shape (N, H)
    - cache: the cache of lstm_step_forward

    Returns a tuple of:
    - dx: gradient of the input, shape (N, D)
    - dprev_h: gradient of the previous hidden state, shape (N, H)
    - dprev_c: gradient of the previous cell state, shape (N, H)
    - dWx: gradient of the input-to-hidden weights, shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, shape (H, 4H)
    - db: gradient of the biases, shape (4H,)
    """
    # next_c reaches the loss directly (dnext_c) and through next_h. Find the
    # gradient of each gate, then of each block of a (in the order i, f, o, g),
    # then of x, prev_h, prev_c and the weights.
    raise NotImplementedError("lstm_step_backward")


def lstm_forward(x, h0, Wx, Wh, b):
    """
    An LSTM over a whole sequence of T steps. The hidden state starts at h0
    and the cell state at zeros.

    Inputs:
    - x: input data of the whole sequence, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, 4H)
    - Wh: hidden-to-hidden weights, shape (H, 4H)
    - b: biases, shape (4H,)

    Returns a tuple of:
    - h: hidden states of every step, shape (N, T, H)
    - cache: tuple of the step caches, for the backward pass
    """
    # As rnn_forward, with lstm_step_forward. The cell state starts at zeros
    # and is not returned.
    raise NotImplementedError("lstm_forward")


def lstm_backward(dh, cache):
    """
    Backward pass of an LSTM over a whole sequence.

    Inputs:
    - dh: upstream gradients of all hidden states, shape (N, T, H)
    - cache: the cache of lstm_forward

    Returns a tuple of:
    - dx: gradient of the inputs, shape (N, T, D)
    - dh0: gradient of the initial hidden state, shape (N, H)
    - dWx: gradient of the input-to-hidden weights, shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, shape (H, 4H)
    - db: gradient of the biases, shape (4H,)
    """
    # As rnn_backward, with lstm_step_backward: carry both dprev_h and dprev_c
    # back into the step before. dh0 is the dprev_h of the first step.
    raise NotImplementedError("lstm_backward")


def temporal_affine_forward(x, w, b):
    """
    An affine layer applied at every time step: the hidden states become
    scores over the vocabulary.

    Inputs:
    - x: input data, shape (N, T, D)
    - w: weights, shape (D, M)
    - b: biases, shape (M,)

    Returns a tuple of:
    - out: output data, shape (N, T, M)
    - cache: tuple of what the backward pass needs
    """
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    cache = (x, w, b, out)
    return out, cache


def temporal_affine_backward(dout, cache):
    """
    Backward pass of the temporal affine layer.

    Inputs:
    - dout: upstream gradients, shape (N, T, M)
    - cache: the cache of temporal_affine_forward

    Returns a tuple of:
    - dx: gradient of the input, shape (N, T, D)
    - dw: gradient of the weights, shape (D, M)
    - db: gradient of the biases, shape (M,)
    """
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dout_flat = dout.reshape(N * T, M)
    dx = dout_flat.dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout_flat)
    db = dout_flat.sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """
    Softmax loss at every time step, summed over the steps that mask keeps and
    averaged over the minibatch. Captions are padded with NULL tokens to a
    common length T; mask is False there, so those steps add nothing.

    Inputs:
    - x: scores over the vocabulary, shape (N, T, V)
    - y: ground-truth indices, shape (N, T), each entry in 0 <= y[n, t] < V
    - mask: boolean array, shape (N, T), whether each score counts
    - verbose: print the shape of the flattened gradient

    Returns a tuple of:
    - loss: a scalar
    - dx: gradient of the loss with respect to the scores, shape (N, T, V)
    """
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    rows = np.arange(N * T)

    shifted = x_flat - np.max(x_flat, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / N

    dx_flat = probs.copy()
    dx_flat[rows, y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    if verbose:
        print("dx_flat: ", dx_flat.shape)
    dx = dx_flat.reshape(N, T, V)
    return loss, dx
