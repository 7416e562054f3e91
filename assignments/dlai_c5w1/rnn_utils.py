"""The grader's own stand-in for the helper module the notebook imports (``from rnn_utils import *``).

NumPy only. softmax and sigmoid for the cells; initialize_adam and update_parameters_with_adam for a notebook that
goes on to train. Arrays are column vectors: softmax normalises over axis 0, the outputs of one example.
"""

import numpy as np


def softmax(x):
    """x (n_y, m) -> the probabilities of each column (n_y, m); shifting by the column's maximum keeps exp finite."""
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def sigmoid(x):
    """1 / (1 + e^(-x)) elementwise, any shape."""
    return 1 / (1 + np.exp(-x))


def initialize_adam(parameters):
    """Adam's running averages for every parameter: v (of the gradients) and s (of their squares), zeros.

    Returns v, s: dicts keyed "d" + the parameter's name ("dWax", ...), each array shaped like its parameter.
    """
    v = {"d" + name: np.zeros_like(value, dtype=float) for name, value in parameters.items()}
    s = {"d" + name: np.zeros_like(value, dtype=float) for name, value in parameters.items()}
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step, t counting from 1. Returns new parameters, v, s; the dicts given are left unchanged.

    grads holds "d" + name for the parameters to update; a parameter without a gradient (the output layer, which the
    course's backward leaves out) is kept as it is.
    """
    parameters, v, s = dict(parameters), dict(v), dict(s)
    for name in list(parameters):
        key = "d" + name
        if key not in grads:
            continue
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        v_corrected = v[key] / (1 - beta1**t)
        s_corrected = s[key] / (1 - beta2**t)
        parameters[name] = parameters[name] - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return parameters, v, s
