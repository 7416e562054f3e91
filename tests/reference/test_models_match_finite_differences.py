"""Every gradient of every sequence architecture agrees with centred finite differences of its loss.

Per entry, |numeric - analytic| <= 1e-6 * |numeric| + 1e-8. The gradient of
a real-valued input (the generator's x, the classifier's sequence) is checked
too. This module also holds the table of architectures and the case strategy
that ``test_models_match_torch`` shares.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import layers, models

RTOL, ATOL = 1e-6, 1e-8

ARCHITECTURES = (models.ManyToOne, models.ManyToMany, models.OneToMany, models.SequenceClassifier)
MODELS = [cls(kind) for cls in ARCHITECTURES for kind in ("rnn", "lstm", "gru")]
LOSSES = {
    models.ManyToOne: layers.binary_cross_entropy,
    models.ManyToMany: layers.softmax_cross_entropy,
    models.OneToMany: layers.mse,
    models.SequenceClassifier: layers.softmax_cross_entropy,
}
REAL_INPUT = (models.OneToMany, models.SequenceClassifier)
TINY = strategies.dims(batch=(1, 3), steps=(1, 4), features=(1, 3), hidden=(1, 3))


def model_id(model) -> str:
    return f"{type(model).__name__}-{model.kind}"


class Case(NamedTuple):
    model: object
    params: dict
    inputs: np.ndarray  # ids (N, T), or x: (N, D) for the generator, (N, T, D) for the classifier
    target: np.ndarray  # y (N,), tags (N, T), targets (N, T, D) or labels (N,)


def _ints(shape, high):
    return hnp.arrays(np.int64, shape, elements=st.integers(0, high - 1))


@st.composite
def cases(draw, model) -> Case:
    N, T, D, H = draw(TINY, label="N, T, D, H")
    V, C = draw(st.integers(1, 4), label="V"), draw(st.integers(2, 3), label="C")
    cls = type(model)
    if cls is models.ManyToOne:
        shapes, inputs = model.param_shapes(V, D, H), _ints((N, T), V)
        target = hnp.arrays(np.float64, (N,), elements=st.sampled_from([0.0, 1.0]))
    elif cls is models.ManyToMany:
        shapes, inputs, target = model.param_shapes(V, D, H, C), _ints((N, T), V), _ints((N, T), C)
    elif cls is models.OneToMany:
        shapes, inputs, target = model.param_shapes(D, H), strategies.arrays((N, D)), strategies.arrays((N, T, D))
    else:
        shapes, inputs, target = model.param_shapes(D, H, C), strategies.arrays((N, T, D)), _ints((N,), C)
    params = draw(st.fixed_dictionaries({k: strategies.arrays(s) for k, s in shapes.items()}), label="params")
    return Case(model, params, draw(inputs, label="inputs"), draw(target, label="target"))


def run_reference(case: Case) -> tuple[np.ndarray, float, dict]:
    """forward, the architecture's loss, backward -> (output, loss, grads including x for a real-valued input)."""
    model = case.model
    steps = (case.target.shape[1],) if isinstance(model, models.OneToMany) else ()
    out, cache = model.forward(case.params, case.inputs, *steps)
    loss, dout = LOSSES[type(model)](out, case.target)
    return out, loss, model.backward(dout, cache)


@pytest.mark.parametrize("model", MODELS, ids=model_id)
@settings(max_examples=15)
@given(data=st.data())
def test_every_gradient_of_every_architecture_matches_finite_differences(model, data):
    case = data.draw(cases(model), label="case")
    # Owned copies that the finite differences perturb in place; run_reference reads them.
    params = {k: np.array(v) for k, v in case.params.items()}
    case = case._replace(params=params, inputs=np.array(case.inputs))
    thetas = {**params, **({"x": case.inputs} if isinstance(model, REAL_INPUT) else {})}
    numeric = numerical_gradients(lambda: (np.array(run_reference(case)[1]),), thetas, (np.array(1.0),))
    assert_close(numeric, run_reference(case)[2], atol=ATOL, rtol=RTOL, name="grads")
