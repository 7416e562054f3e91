"""CS231n's and deeplearning.ai's layouts of the RNN and LSTM (``reference.cs231n``, ``reference.dlai``) equal torch's
own cells, forward and every gradient, in float64; and looping each layout's step functions reproduces its sequence
functions, forward and backward.

torch runs batch-first row vectors with LSTM gates i, f, g, o; each test builds the torch module from the course's
own parameters, so the layouts' transposes, splits and gate orders are what is tested.
"""

import numpy as np
import torch
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from reference import cs231n, dlai

ATOL, RTOL = 1e-10, 1e-13
DIMS = strategies.dims(batch=(1, 3), steps=(1, 4), features=(1, 4), hidden=(1, 4))


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def grad(tensor):
    return tensor.grad.detach().numpy()


def close(expected, received, name):
    assert_close(
        np.asarray(expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected), received, atol=ATOL, rtol=RTOL, name=name
    )


def draw(data, shapes: dict) -> dict:
    return {name: data.draw(strategies.arrays(shape), label=name) for name, shape in shapes.items()}


def run_torch_rnn(x, h0, Wx, Wh, b, dh):
    """torch's RNN over (N, T, D) batch-first, every step's h, and the gradients of sum(h * dh)."""
    leaves = [t(a) for a in (x, h0, Wx, Wh, b)]
    xt, ht, Wxt, Wht, bt = leaves
    h, hs = ht, []
    for step in range(xt.shape[1]):
        h = torch.tanh(xt[:, step] @ Wxt + h @ Wht + bt)
        hs.append(h)
    out = torch.stack(hs, dim=1)
    (out * torch.tensor(dh)).sum().backward()
    return out, [grad(leaf) for leaf in leaves]


@given(data=st.data(), dims=DIMS)
def test_cs231n_rnn_matches_torch_and_its_steps_make_up_the_sequence(data, dims):
    N, T, D, H = dims
    a = draw(data, {"x": (N, T, D), "h0": (N, H), "Wx": (D, H), "Wh": (H, H), "b": (H,), "dh": (N, T, H)})
    out, (dx, dh0, dWx, dWh, db) = run_torch_rnn(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"], a["dh"])
    h, cache = cs231n.rnn_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
    close(out, h, "h")
    for name, expected, received in zip(("dx", "dh0", "dWx", "dWh", "db"), (dx, dh0, dWx, dWh, db), cs231n.rnn_backward(a["dh"], cache)):
        close(expected, received, name)
    # The step functions, looped forward and then back, give the same answers.
    prev, caches = a["h0"], []
    for step in range(T):
        prev, step_cache = cs231n.rnn_step_forward(a["x"][:, step], prev, a["Wx"], a["Wh"], a["b"])
        close(h[:, step], prev, f"next_h at step {step}")
        caches.append(step_cache)
    carry, sums = np.zeros((N, H)), [np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)]
    for step in reversed(range(T)):
        dx_t, carry, *step_grads = cs231n.rnn_step_backward(a["dh"][:, step] + carry, caches[step])
        close(dx[:, step], dx_t, f"dx at step {step}")
        sums = [s + g for s, g in zip(sums, step_grads)]
    for name, expected, received in zip(("dh0", "dWx", "dWh", "db"), (dh0, dWx, dWh, db), (carry, *sums)):
        close(expected, received, f"{name} from the steps")


def course_to_torch(a):
    """CS231n's gate blocks i, f, o, g as torch's i, f, g, o (written here, apart from the module under test)."""
    i, f, o, g = np.split(np.asarray(a), 4, axis=-1)
    return np.concatenate([i, f, g, o], axis=-1)


def torch_to_course(a):
    i, f, g, o = np.split(np.asarray(a), 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def same(a):
    return a


def run_torch_lstm(x, h0, Wx, Wh, b, dh, torch_order, back):
    """torch's LSTM cell looped over (N, T, D) with c0 = 0 and the weights put in torch's gate order by
    ``torch_order`` (their gradients back by ``back``); every step's h and c, and the gradients of sum(h * dh)."""
    N, T, _ = x.shape
    H = h0.shape[1]
    cell = torch.nn.LSTMCell(x.shape[2], H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(torch_order(Wx).T))
        cell.weight_hh.copy_(torch.tensor(torch_order(Wh).T))
        cell.bias_ih.copy_(torch.tensor(torch_order(b)))
        cell.bias_hh.zero_()
    xt, ht = t(x), t(h0)
    h, c, hs, cs = ht, torch.zeros(N, H, dtype=torch.float64), [], []
    for step in range(T):
        h, c = cell(xt[:, step], (h, c))
        hs.append(h)
        cs.append(c)
    out = torch.stack(hs, dim=1)
    (out * torch.tensor(dh)).sum().backward()
    weights = (back(grad_of(cell.weight_ih).T), back(grad_of(cell.weight_hh).T), back(grad_of(cell.bias_ih)))
    return out, torch.stack(cs, dim=1), (grad(xt), grad(ht), *weights)


def grad_of(parameter):
    return parameter.grad.detach().numpy()


@given(data=st.data(), dims=DIMS)
def test_cs231n_lstm_with_gates_i_f_o_g_matches_torch_and_its_steps_make_up_the_sequence(data, dims):
    N, T, D, H = dims
    a = draw(data, {"x": (N, T, D), "h0": (N, H), "Wx": (D, 4 * H), "Wh": (H, 4 * H), "b": (4 * H,), "dh": (N, T, H)})
    out, cs, expected = run_torch_lstm(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"], a["dh"], course_to_torch, torch_to_course)
    h, cache = cs231n.lstm_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"])
    close(out, h, "h")
    for name, e, r in zip(("dx", "dh0", "dWx", "dWh", "db"), expected, cs231n.lstm_backward(a["dh"], cache)):
        close(e, r, name)
    prev_h, prev_c, caches = a["h0"], np.zeros((N, H)), []
    for step in range(T):
        prev_h, prev_c, step_cache = cs231n.lstm_step_forward(a["x"][:, step], prev_h, prev_c, a["Wx"], a["Wh"], a["b"])
        close(h[:, step], prev_h, f"next_h at step {step}")
        close(cs[:, step], prev_c, f"next_c at step {step}")
        caches.append(step_cache)
    dh_carry, dc_carry = np.zeros((N, H)), np.zeros((N, H))
    sums = [np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)]
    for step in reversed(range(T)):
        dx_t, dh_carry, dc_carry, *step_grads = cs231n.lstm_step_backward(a["dh"][:, step] + dh_carry, dc_carry, caches[step])
        close(expected[0][:, step], dx_t, f"dx at step {step}")
        sums = [s + g for s, g in zip(sums, step_grads)]
    for name, e, r in zip(("dh0", "dWx", "dWh", "db"), expected[1:], (dh_carry, *sums)):
        close(e, r, f"{name} from the steps")


def test_cs231n_gate_order_swaps_o_and_g_and_is_its_own_inverse():
    blocks = np.repeat(np.arange(4.0), 2)  # H = 2: i i f f o o g g in the course's order
    assert np.array_equal(cs231n.to_torch_order(blocks), [0, 0, 1, 1, 3, 3, 2, 2])
    assert np.array_equal(cs231n.to_torch_order(cs231n.to_torch_order(blocks)), blocks)


def test_cs231n_word_embedding_backward_accumulates_a_repeated_index():
    x = np.array([[1, 1, 0]])
    out, cache = cs231n.word_embedding_forward(x, np.arange(6.0).reshape(2, 3))
    assert np.array_equal(out[0, 0], [3.0, 4.0, 5.0])
    dW = cs231n.word_embedding_backward(np.ones((1, 3, 3)), cache)
    assert np.array_equal(dW, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


# -- deeplearning.ai: column vectors, time last ----------------------------------------------------------------------


@given(data=st.data(), dims=DIMS, n_y=st.integers(1, 3))
def test_dlai_rnn_matches_torch_with_its_softmax_over_the_outputs(data, dims, n_y):
    m, T, n_x, n_a = dims
    a = draw(
        data,
        {
            "x": (n_x, m, T),
            "a0": (n_a, m),
            "Wax": (n_a, n_x),
            "Waa": (n_a, n_a),
            "ba": (n_a, 1),
            "Wya": (n_y, n_a),
            "by": (n_y, 1),
            "da": (n_a, m, T),
        },
    )
    parameters = {k: a[k] for k in ("Wax", "Waa", "ba", "Wya", "by")}
    # The same network batch-first: x (m, T, n_x), Wx = Waxᵀ, Wh = Waaᵀ, b = ba[:, 0].
    out, (dx, da0, dWx, dWh, db) = run_torch_rnn(
        a["x"].transpose(1, 2, 0), a["a0"].T, a["Wax"].T, a["Waa"].T, a["ba"][:, 0], a["da"].transpose(1, 2, 0)
    )
    logits = out @ torch.tensor(a["Wya"].T) + torch.tensor(a["by"][:, 0])
    y = torch.softmax(logits, dim=-1)
    states, y_pred, caches = dlai.rnn_forward(a["x"], a["a0"], parameters)
    close(out.permute(2, 0, 1), states, "a")
    close(y.permute(2, 0, 1), y_pred, "y_pred")
    grads = dlai.rnn_backward(a["da"], caches)
    for key, expected in (("dx", dx.transpose(2, 0, 1)), ("da0", da0.T), ("dWax", dWx.T), ("dWaa", dWh.T), ("dba", db[:, None])):
        close(expected, grads[key], key)
    # The cell, looped: the same states, outputs and gradients.
    prev, step_caches = a["a0"], []
    for step in range(T):
        prev, yt, step_cache = dlai.rnn_cell_forward(a["x"][:, :, step], prev, parameters)
        close(states[:, :, step], prev, f"a_next at step {step}")
        close(y_pred[:, :, step], yt, f"yt_pred at step {step}")
        step_caches.append(step_cache)
    carry, sums = np.zeros((n_a, m)), {"dWax": 0.0, "dWaa": 0.0, "dba": 0.0}
    for step in reversed(range(T)):
        g = dlai.rnn_cell_backward(a["da"][:, :, step] + carry, step_caches[step])
        close(grads["dx"][:, :, step], g["dxt"], f"dxt at step {step}")
        carry = g["da_prev"]
        sums = {k: sums[k] + g[k] for k in sums}
    close(grads["da0"], carry, "da0 from the cells")
    for key, value in sums.items():
        close(grads[key], value, f"{key} from the cells")


def dlai_lstm_to_torch_order(parameters: dict, n_a: int):
    """The course's four gate weights on [a_prev; xt] as one batch-first Wx (n_x, 4 n_a), Wh, b in torch's order i, f, g, o."""
    order = ("i", "f", "c", "o")
    Wx = np.concatenate([parameters[f"W{g}"][:, n_a:].T for g in order], axis=1)
    Wh = np.concatenate([parameters[f"W{g}"][:, :n_a].T for g in order], axis=1)
    b = np.concatenate([parameters[f"b{g}"][:, 0] for g in order])
    return Wx, Wh, b


@given(data=st.data(), dims=DIMS, n_y=st.integers(1, 3))
def test_dlai_lstm_on_the_concatenation_of_a_prev_and_xt_matches_torch(data, dims, n_y):
    m, T, n_x, n_a = dims
    shapes = {f"W{g}": (n_a, n_a + n_x) for g in "fico"} | {f"b{g}": (n_a, 1) for g in "fico"}
    a = draw(data, {"x": (n_x, m, T), "a0": (n_a, m), "Wy": (n_y, n_a), "by": (n_y, 1), "da": (n_a, m, T), **shapes})
    parameters = {k: a[k] for k in ("Wy", "by", *shapes)}
    Wx, Wh, b = dlai_lstm_to_torch_order(parameters, n_a)
    out, cs, expected = run_torch_lstm(a["x"].transpose(1, 2, 0), a["a0"].T, Wx, Wh, b, a["da"].transpose(1, 2, 0), same, same)
    y = torch.softmax(out @ torch.tensor(a["Wy"].T) + torch.tensor(a["by"][:, 0]), dim=-1)
    states, y_pred, c, caches = dlai.lstm_forward(a["x"], a["a0"], parameters)
    close(out.permute(2, 0, 1), states, "a")
    close(y.permute(2, 0, 1), y_pred, "y")
    close(cs.permute(2, 0, 1), c, "c")
    grads = dlai.lstm_backward(a["da"], caches)
    dx, da0, dWx, dWh, db = expected
    close(dx.transpose(2, 0, 1), grads["dx"], "dx")
    close(da0.T, grads["da0"], "da0")
    for k, gate in enumerate(("i", "f", "c", "o")):
        block = slice(k * n_a, (k + 1) * n_a)
        close(np.concatenate([dWh[:, block].T, dWx[:, block].T], axis=1), grads[f"dW{gate}"], f"dW{gate}")
        close(db[block][:, None], grads[f"db{gate}"], f"db{gate}")
    # The cell, looped.
    prev_a, prev_c, step_caches = a["a0"], np.zeros((n_a, m)), []
    for step in range(T):
        prev_a, prev_c, yt, step_cache = dlai.lstm_cell_forward(a["x"][:, :, step], prev_a, prev_c, parameters)
        close(states[:, :, step], prev_a, f"a_next at step {step}")
        close(c[:, :, step], prev_c, f"c_next at step {step}")
        step_caches.append(step_cache)
    da_carry, dc_carry = np.zeros((n_a, m)), np.zeros((n_a, m))
    sums = {k: 0.0 for k in grads if k.startswith(("dW", "db"))}
    for step in reversed(range(T)):
        g = dlai.lstm_cell_backward(a["da"][:, :, step] + da_carry, dc_carry, step_caches[step])
        close(grads["dx"][:, :, step], g["dxt"], f"dxt at step {step}")
        da_carry, dc_carry = g["da_prev"], g["dc_prev"]
        sums = {k: sums[k] + g[k] for k in sums}
    close(grads["da0"], da_carry, "da0 from the cells")
    for key, value in sums.items():
        close(grads[key], value, f"{key} from the cells")
