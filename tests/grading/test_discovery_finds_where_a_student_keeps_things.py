"""The worker's half of discovery, in this process: how a student's constructor is called, where its weights and
gradients are found, how its forward is called, and an adapter that drives a one-step cell as a sequence."""

import numpy as np

from grading import discovery, locate
from grading.adapter import Adapter
from grading.names import grad_role
from grading.stand_ins import GraderInitializer, RecordingOptimizer
from reference import rnn

CONTRACT = {
    "cls": "SimpleRNN",
    "weights": {"Wx": "Wx", "Wh": "Wh", "B": "b"},
    "grads": {"dWx": "Wx", "dWh": "Wh", "dB": "b"},
    "states": ["h0"],
    "shapes": {"Wx": [[1, 0], [0, 1]], "Wh": [[0, 1], [0, 1]], "B": [[0, 1]]},
}
WEIGHTS = CONTRACT["weights"]


class Swapped:
    def __init__(self, n_nodes, n_features):
        self.W_x = np.zeros((n_features, n_nodes))


class Unnamed:
    def __init__(self, first, second):
        pass


def test_a_constructor_is_bound_by_its_parameter_names_before_any_position():
    assert discovery.constructions(Swapped, WEIGHTS)[0] == {"args": [], "kwargs": {"n_nodes": "H", "n_features": "D"}}
    tried = discovery.constructions(Unnamed, WEIGHTS)
    assert tried[0] == {"args": ["D", "H"], "kwargs": {}} and {"args": ["H", "D"], "kwargs": {}} in tried


def test_weights_are_found_by_identity_then_name_then_a_shape_no_other_array_has():
    initializer = GraderInitializer()

    class Layer:
        def __init__(self):
            self.kernel = initializer.W(2, 3)  # a name no table knows: found because the grader handed it out
            self.U = np.zeros((3, 3))  # "U" is Wh's alias
            self.bias_vector = np.zeros((1, 3))  # the only (1, n_nodes) array

    layer = Layer()
    found = locate.locate_weights(layer, CONTRACT, 2, 3, locate.handed(initializer, {}, CONTRACT, 2, 3))
    assert found == {
        "Wx": {"at": [["a", "kernel"]], "as": "same"},
        "Wh": {"at": [["a", "U"]], "as": "same"},
        "B": {"at": [["a", "bias_vector"]], "as": "row"},
    }


def test_a_weight_the_student_made_transposed_is_read_and_written_transposed_and_only_then():
    class ColumnConvention:
        def __init__(self):
            self.Wx = np.zeros((3, 2))  # (n_nodes, n_features): the student's own layout

    found = locate.locate_weights(ColumnConvention(), CONTRACT, 2, 3, {})
    assert found["Wx"] == {"at": [["a", "Wx"]], "as": "T"}


def test_params_kept_in_a_list_are_found_where_the_constructor_put_the_arrays_it_was_given():
    class DlfsCell:
        def __init__(self, Wx, Wh, b):
            self.params = [Wx, Wh, b]

    given = {"Wx": np.zeros((2, 3)), "Wh": np.zeros((3, 3)), "B": np.zeros(3)}
    found = locate.locate_weights(
        DlfsCell(**{"Wx": given["Wx"], "Wh": given["Wh"], "b": given["B"]}), CONTRACT, 2, 3, {id(v): k for k, v in given.items()}
    )
    assert [found[k]["at"] for k in ("Wx", "Wh", "B")] == [[["a", "params"], ["i", k]] for k in range(3)]


def test_gradient_names_are_d_or_grad_with_a_weights_alias():
    assert [grad_role(n, CONTRACT) for n in ("dW_x", "dw_h", "db", "grad_U", "bias_grad", "dX", "delta")] == [
        "dWx",
        "dWh",
        "dB",
        "dWh",
        "dB",
        None,
        None,
    ]


def test_a_forward_taking_a_previous_state_may_be_one_step_and_one_needing_unknown_inputs_cannot_be_called():
    class Cell:
        def forward(self, x, h_prev):
            return h_prev

        def fit(self, X, y):
            return X

    forms = discovery.call_forms(Cell().forward, WEIGHTS)
    assert [f["step"] for f in forms] == [False, True] and forms[0]["args"] == ["X", "h0"]
    assert discovery.call_forms(Cell().fit, WEIGHTS) == []


def test_the_globals_a_forward_reads_are_named_when_they_hold_data():
    namespace = {"batch_size": 1, "w_x": np.zeros((2, 4)), "np": np}

    def forward(x):
        return np.zeros((batch_size, 4)) + x.sum() + w_x.sum()  # noqa: F821 - the globals of its own namespace

    forward = type(forward)(forward.__code__, namespace)
    assert discovery.read_globals(forward, namespace) == ["batch_size", "w_x"]


def test_the_recording_optimizer_sums_what_each_step_hands_it_and_moves_nothing():
    optimizer = RecordingOptimizer()

    class Layer:
        pass

    layer = Layer()
    for step in (1.0, 2.0, 3.0):
        layer.dW_x = np.full((2, 3), step)
        optimizer.update(layer)
    assert optimizer.calls == 3 and np.array_equal(optimizer.by_name["dW_x"], np.full((2, 3), 6.0))


class StepCell:
    """A one-step cell in "Deep Learning from Scratch 2"'s style."""

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        self.cache = (x, h_prev, np.tanh(x @ Wx + h_prev @ Wh + b))
        return self.cache[2]

    def backward(self, dh_next):
        Wx, Wh, _ = self.params
        x, h_prev, h_next = self.cache
        da = dh_next * (1 - h_next**2)
        self.grads[0][...], self.grads[1][...], self.grads[2][...] = x.T @ da, h_prev.T @ da, da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T


def test_an_adapter_loops_a_one_step_cell_over_time_and_sums_its_gradients_as_the_reference_does():
    binding = {
        "target": "StepCell",
        "kind": "class",
        "init": {"args": ["Wx", "Wh", "B"], "kwargs": {}},
        "path": [],
        "weights": {k: {"at": [["a", "params"], ["i", i]], "as": "same"} for i, k in enumerate(("Wx", "Wh", "B"))},
        "method": "forward",
        "call": {"args": ["X", "h0"], "kwargs": {}, "h0_optional": False},
        "step": True,
        "pick": None,
        "time_major": False,
        "backward": {"method": "backward", "pick": 0, "carry": 1},
        "grads": {g: {"from": "attr", "at": [["a", "grads"], ["i", i]], "as": "same"} for i, g in enumerate(("dWx", "dWh", "dB"))},
    }
    rng = np.random.default_rng(0)
    params = {"Wx": rng.uniform(-1, 1, (2, 3)), "Wh": rng.uniform(-1, 1, (3, 3)), "b": rng.uniform(-1, 1, 3)}
    x, h0, dhs = rng.uniform(-1, 1, (4, 5, 2)), rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (4, 5, 3))
    adapter = Adapter(binding, CONTRACT, {"StepCell": StepCell}, 2, 3)
    adapter.Wx, adapter.Wh, adapter.B = params["Wx"], params["Wh"], params["b"]
    hs, cache = rnn.forward(x, params, h0)
    assert np.allclose(adapter.forward(x, h0), hs)
    grads = rnn.backward(dhs, cache)
    assert np.allclose(adapter.backward(dhs), grads["x"])
    assert all(np.allclose(getattr(adapter, g), grads[k]) for g, k in (("dWx", "Wx"), ("dWh", "Wh"), ("dB", "b")))
