from __future__ import print_function, division
from builtins import range
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
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


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
    x, prev_h, Wx, Wh, next_h = cache
    # tanh'(a) = 1 - tanh(a)^2, and tanh(a) is next_h
    da = dnext_h * (1 - next_h**2)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


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
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        step_caches.append(step_cache)
    cache = tuple(step_caches)
    return h, cache


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
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        # h[:, t] feeds the loss directly and, through step t+1, the later steps
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


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
    out = W[x]
    cache = (x, W.shape)
    return out, cache


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
    x, W_shape = cache
    dW = np.zeros(W_shape)
    # dW[x] += dout would keep only one of the rows of a repeated word
    np.add.at(dW, x, dout)
    return dW


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
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache


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
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    # next_c reaches the loss directly and through next_h = o * tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    # back through the nonlinearities, blocks in the order i, f, o, g
    da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)))
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dprev_c = dc * f
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


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
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    step_caches = []
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        step_caches.append(step_cache)
    cache = tuple(step_caches)
    return h, cache


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
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dprev_h = np.zeros((N, H))
    dprev_c = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


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
