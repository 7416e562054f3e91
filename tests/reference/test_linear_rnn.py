"""A linear RNN's last state is the moving average Σ_k x_{T-k} Wx Wh^k + h0 Wh^T ("Relationship between RNN and
ARMA models"), and with ‖Wh‖ < 1 the weight of old inputs decays geometrically (Day 29, "exponentially smaller")."""

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from reference import linear_rnn

SHAPES = strategies.dims(batch=(1, 3), steps=(1, 6), features=(1, 3), hidden=(1, 4))


@st.composite
def cases(draw, *, weight_bound=1.0):
    N, T, D, H = draw(SHAPES)
    params = {k: draw(strategies.arrays(shape, bound=weight_bound)) for k, shape in linear_rnn.param_shapes(D, H).items()}
    return draw(strategies.arrays((N, T, D))), params, draw(st.none() | strategies.arrays((N, H)))


def orthogonal(H, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((H, H)))
    return q * np.sign(np.diag(r))


@given(cases())
def test_every_state_of_the_recurrence_is_the_moving_average_of_the_inputs_so_far(case):
    x, params, h0 = case
    hs = linear_rnn.forward(x, params, h0)
    # |Wh| <= 1 entrywise with H <= 4 lets Wh^k grow to 4^6; the tolerance is relative to that scale.
    scale = 1.0 + np.abs(hs).max()
    for t in range(1, x.shape[1] + 1):
        assert_close(hs[:, t - 1], linear_rnn.as_moving_average(x[:, :t], params, h0), atol=1e-12 * scale, rtol=1e-12, name=f"h_{t}")


@given(cases())
def test_the_recurrence_matches_torch(case):
    x, params, h0 = case
    Wx, Wh = torch.tensor(params["Wx"]), torch.tensor(params["Wh"])
    h = torch.zeros(x.shape[0], Wh.shape[0], dtype=torch.float64) if h0 is None else torch.tensor(h0)
    hs = []
    for t in range(x.shape[1]):
        h = h @ Wh + torch.tensor(x[:, t]) @ Wx
        hs.append(h)
    assert_close(torch.stack(hs, dim=1).numpy(), linear_rnn.forward(x, params, h0), atol=1e-10, rtol=1e-13, name="hs")


@given(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0), st.integers(0, 8))
def test_with_one_unit_the_weights_are_the_documents_b_times_a_to_the_k(a, b, T):
    # h_t = a h_{t-1} + b x_t, the lecture notes' scalar recurrence.
    weights = linear_rnn.moving_average_weights({"Wx": [[b]], "Wh": [[a]]}, T)
    assert_close([b * a**k for k in range(T)], [w[0, 0] for w in weights], atol=1e-300, rtol=1e-14, name="weights")


@given(cases(), st.floats(0.05, 0.95))
def test_with_a_recurrent_weight_of_norm_below_one_old_inputs_weigh_exponentially_less(case, rho):
    _, params, _ = case
    norm = np.linalg.norm(params["Wh"], 2)
    Wh = np.eye(len(params["Wh"])) if norm == 0 else params["Wh"] / norm
    weights = linear_rnn.moving_average_weights({"Wx": params["Wx"], "Wh": rho * Wh}, 8)
    norms = np.array([np.linalg.norm(w, 2) for w in weights])
    assert np.all(norms[1:] <= rho * norms[:-1] * (1 + 1e-12) + 1e-300)
    assert np.all(norms <= norms[0] * rho ** np.arange(8) * (1 + 1e-12) + 1e-300)  # subnormal norms lose relative precision


@given(st.floats(1.05, 2.0), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_with_a_scaled_orthogonal_recurrent_weight_above_one_old_inputs_weigh_exponentially_more(s, H, D, seed):
    Wx = np.random.default_rng(seed).standard_normal((D, H))
    weights = linear_rnn.moving_average_weights({"Wx": Wx, "Wh": s * orthogonal(H, seed)}, 8)
    expected = np.linalg.norm(Wx, 2) * s ** np.arange(8)
    assert_close(expected, np.array([np.linalg.norm(w, 2) for w in weights]), atol=0, rtol=1e-12, name="norms")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: linear_rnn.moving_average_weights({"Wx": np.zeros((2, 3)), "Wh": np.zeros((3, 3))}, -1), "T=-1 should be an integer"),
        (lambda: linear_rnn.moving_average_weights({"Wh": np.zeros((3, 3))}, 2), "params is missing 'Wx'"),
        (
            lambda: linear_rnn.moving_average_weights({"Wx": np.zeros((2, 3)), "Wh": np.zeros((2, 2))}, 2),
            r"params\['Wx'\] has shape \(2, 3\); expected \(2, 2\)",
        ),
        (lambda: linear_rnn.forward(np.zeros((1, 2, 4)), {"Wx": np.zeros((2, 3)), "Wh": np.zeros((3, 3))}), r"expected \(4, 3\)"),
        (
            lambda: linear_rnn.as_moving_average(np.zeros((1, 2, 2)), {"Wx": np.zeros((2, 3)), "Wh": np.zeros((3, 3))}, np.zeros(3)),
            r"h0 has shape \(3,\)",
        ),
    ],
    ids=["negative-T", "missing-Wx", "Wh-smaller-than-Wx-columns", "x-of-wrong-width", "h0-without-batch-axis"],
)
def test_bad_arguments_name_the_argument_and_what_was_wanted(call, message):
    with pytest.raises(ValueError, match=message):
        call()
