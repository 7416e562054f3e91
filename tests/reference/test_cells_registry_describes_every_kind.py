"""The registry of cell kinds: its entries agree with their modules, and a kind whose gate order is not torch's maps to it."""

import dataclasses

import numpy as np
import pytest

from reference import layout, lstm
from reference.cells import CELLS, cell_kind

N, T, D, H = 2, 3, 4, 5


@pytest.mark.parametrize("kind", CELLS)
def test_each_kind_returns_the_gradients_of_the_states_it_names(kind):
    cell = CELLS[kind]
    rng = np.random.default_rng(0)
    params = cell.init_params(D, H, rng)
    assert params["Wh"].shape == (H, len(cell.gates) * H)
    hs, cache = cell.forward(rng.standard_normal((N, T, D)), params)
    grads = cell.backward(np.ones_like(hs), cache)
    assert set(grads) == set(params) | {"x"} | {f"{s}0" for s in cell.states}
    assert (cell.last_cell_state(cache) is not None) == cell.has_cell_state


# An LSTM whose blocks are i, f, o, g: the same functions, so only the mapping to torch's i, f, g, o is under test.
IFOG = dataclasses.replace(CELLS["lstm"], name="lstm_ifog", gates="ifog")


def test_a_kind_in_another_gate_order_maps_its_blocks_to_torchs_order_and_back():
    params = lstm.init_params(D, H, np.random.default_rng(1))
    state = IFOG.to_torch(params)
    blocks = np.split(params["Wx"], 4, axis=1)  # read as i, f, o, g
    assert np.array_equal(state["weight_ih"], np.concatenate([blocks[0], blocks[1], blocks[3], blocks[2]], axis=1).T)
    back = IFOG.from_torch(lambda name: np.array(state[name]), grads=False)
    assert all(np.array_equal(back[k], params[k]) for k in params)


def test_a_registered_kind_maps_exactly_as_layout_does():
    params = lstm.init_params(D, H, np.random.default_rng(2))
    state = layout.to_torch([params], kind="lstm")
    assert all(np.array_equal(state[name + "_l0"], value) for name, value in CELLS["lstm"].to_torch(params).items())


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"torch_gates": "ifgx"}, "torch_gates='ifgx' should hold the blocks of gates='ifgo'"),
        ({"gates": "ifg", "torch_gates": "ifg"}, "gates='ifg' has 3 blocks"),
        ({"states": ("h", "c", "m")}, "states=('h', 'c', 'm') is not one of"),
        ({"split_bias": True}, "split_bias=True wants params 'bx', 'bh'"),
    ],
    ids=["torch-gates-not-a-reordering", "gates-disagree-with-Wh", "a-third-state", "split-bias-without-bx-bh"],
)
def test_an_entry_that_disagrees_with_its_module_is_refused(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dataclasses.replace(CELLS["lstm"], **changes)


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="kind='elman' is not one of 'rnn', 'lstm', 'gru'"):
        cell_kind("elman")
