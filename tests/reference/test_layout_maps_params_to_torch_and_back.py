"""reference.layout is the one mapping between reference params and torch state dicts, both ways."""

import numpy as np
import pytest
import torch

from checks.compare import assert_close
from reference import layout, stacked
from tests.reference.models import DEPTHS_AND_DIRECTIONS

TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CONFIGS = [(kind, layers, bi) for kind in TORCH for layers, bi in DEPTHS_AND_DIRECTIONS]


def config_id(config):
    kind, layers, bi = config
    return f"{kind}-{layers}-{'bi' if bi else 'uni'}"


def torch_module(kind, D, H, layers, bidirectional, seed=0):
    torch.manual_seed(seed)
    return TORCH[kind](D, H, num_layers=layers, bidirectional=bidirectional, batch_first=True, dtype=torch.float64)


def random_cells(kind, D, H, layers, bidirectional, rng):
    K = 2 if bidirectional else 1
    return [stacked.CELLS[kind].init_params(D if k < K else K * H, H, rng) for k in range(layers * K)]


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_to_torch_gives_exactly_the_names_and_shapes_of_torchs_own_state_dict(config):
    kind, layers, bi = config
    ours = layout.to_torch(random_cells(kind, 3, 4, layers, bi, np.random.default_rng(0)), kind=kind, bidirectional=bi)
    theirs = torch_module(kind, 3, 4, layers, bi).state_dict()
    assert {k: v.shape for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_params_survive_a_round_trip_through_torch(config):
    kind, layers, bi = config
    cells = random_cells(kind, 3, 4, layers, bi, np.random.default_rng(1))
    back = layout.from_torch(layout.to_torch(cells, kind=kind, bidirectional=bi), kind=kind, num_layers=layers, bidirectional=bi)
    assert_close(cells, back, atol=0, rtol=0, name="cells")


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_from_torch_reads_a_torch_module_with_both_biases_set(config):
    kind, layers, bi = config
    module = torch_module(kind, 3, 4, layers, bi, seed=2)  # torch initialises bias_hh to nonzero values
    x = np.random.default_rng(3).standard_normal((2, 5, 3))
    with torch.no_grad():
        expected = module(torch.from_numpy(x))[0].numpy()
    cells = layout.from_torch({k: v.numpy() for k, v in module.state_dict().items()}, kind=kind, num_layers=layers, bidirectional=bi)
    out, *_ = stacked.forward(x, cells, kind=kind, bidirectional=bi)
    assert_close(expected, out, atol=1e-12, rtol=0, name="out")


def test_rnn_and_lstm_biases_fold_into_one_and_the_gru_keeps_both():
    state = {
        "weight_ih_l0": np.zeros((4, 1)),
        "weight_hh_l0": np.zeros((4, 4)),
        "bias_ih_l0": np.full(4, 1.0),
        "bias_hh_l0": np.full(4, 2.0),
    }
    assert np.array_equal(layout.from_torch(state, kind="rnn")[0]["b"], np.full(4, 3.0))
    assert np.array_equal(layout.grads_from_torch(state, kind="rnn")[0]["b"], np.full(4, 1.0))
    gru_state = {
        **state,
        "weight_ih_l0": np.zeros((12, 1)),
        "weight_hh_l0": np.zeros((12, 4)),
        "bias_ih_l0": np.ones(12),
        "bias_hh_l0": np.full(12, 2.0),
    }
    cell = layout.from_torch(gru_state, kind="gru")[0]
    assert np.array_equal(cell["bx"], np.ones(12)) and np.array_equal(cell["bh"], np.full(12, 2.0))


def test_a_state_dict_missing_a_layer_names_the_missing_keys():
    state = layout.to_torch(random_cells("lstm", 3, 4, 1, False, np.random.default_rng(0)), kind="lstm")
    with pytest.raises(ValueError, match="missing weight_ih_l1, weight_hh_l1, bias_ih_l1, bias_hh_l1"):
        layout.from_torch(state, kind="lstm", num_layers=2)
