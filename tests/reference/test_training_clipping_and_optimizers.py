"""Clipping and the optimizers: what each computes, checked against torch's own where torch has one."""

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from reference import training

GRADS = st.fixed_dictionaries({"W": strategies.arrays((3, 4), bound=10.0), "b": strategies.arrays((4,), bound=10.0)})


@given(GRADS, st.floats(0.1, 20.0))
def test_clipping_by_norm_matches_torch_and_never_exceeds_the_bound(grads, max_norm):
    tensors = [torch.tensor(grads[k], requires_grad=True) for k in ("W", "b")]
    for t, k in zip(tensors, ("W", "b")):
        t.grad = torch.tensor(grads[k])
    torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    clipped = training.clip_by_norm(grads, max_norm)
    # torch scales by max_norm / (norm + 1e-6): relative to the exact scale that is at most 1e-6 / max_norm <= 1e-5 here.
    assert_close({"W": tensors[0].grad.numpy(), "b": tensors[1].grad.numpy()}, clipped, atol=1e-12, rtol=2e-5, name="clipped")
    assert training.global_norm(clipped) <= max_norm * (1 + 1e-12)


@given(GRADS, st.floats(0.1, 20.0))
def test_clipping_by_value_matches_torch(grads, bound):
    tensor = torch.tensor(grads["W"], requires_grad=True)
    tensor.grad = torch.tensor(grads["W"])
    torch.nn.utils.clip_grad_value_([tensor], bound)
    assert_close(tensor.grad.numpy(), training.clip_by_value(grads, bound)["W"], atol=0, rtol=0, name="W")


def test_sgd_is_theta_minus_lr_times_grad():
    params, grads = {"W": np.array([1.0, 2.0])}, {"W": np.array([0.5, -1.0])}
    assert np.array_equal(training.sgd(params, grads, lr=0.1)["W"], [0.95, 2.1])
    assert np.array_equal(params["W"], [1.0, 2.0])


def test_adagrad_matches_torch_over_several_steps():
    rng = np.random.default_rng(0)
    params, memory = {"W": rng.standard_normal((3, 2))}, None
    weight = torch.tensor(params["W"], requires_grad=True)
    optimizer = torch.optim.Adagrad([weight], lr=0.1, eps=0.0, initial_accumulator_value=1e-8)
    for _ in range(5):
        grad = rng.standard_normal((3, 2))
        params, memory = training.adagrad(params, {"W": grad}, memory, lr=0.1, eps=1e-8)
        weight.grad = torch.tensor(grad)
        optimizer.step()
    assert_close(weight.detach().numpy(), params["W"], atol=1e-12, rtol=1e-9, name="W")


def test_bad_arguments_name_the_fix():
    with pytest.raises(ValueError, match="lr=-1 should be a finite number above 0"):
        training.sgd({"W": np.zeros(1)}, {"W": np.zeros(1)}, lr=-1)
    with pytest.raises(ValueError, match=r"grads has keys \['V'\]; expected the params' keys \['W'\]"):
        training.sgd({"W": np.zeros(1)}, {"V": np.zeros(1)}, lr=0.1)
