"""Every sequence architecture equals the same network built from torch's modules: output, loss and every gradient.

torch's side is nn.Embedding, nn.RNN / LSTM / GRU (weights through
``reference.layout``), nn.Linear and the torch loss; the generator runs its
cell module one step at a time, feeding each output back in. Tolerance:
|reference - torch| <= 1e-10 + 1e-13 * |torch| per entry. The case arrays are
read-only when the reference sees them, so a model that writes into its
arguments fails here too.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from checks.compare import assert_close
from reference import layout, models
from tests.reference.test_models_match_finite_differences import MODELS, REAL_INPUT, cases, model_id, run_reference

ATOL, RTOL = 1e-10, 1e-13
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def tensor(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def numpy(t):
    return t.detach().numpy().copy()


def frozen(tree):
    if isinstance(tree, dict):
        return {k: frozen(v) for k, v in tree.items()}
    a = np.array(tree)
    a.flags.writeable = False
    return a


def torch_run(case):
    """The case's network in torch -> (output, loss, grads in the reference's layout)."""
    model, p = case.model, case.params
    kind = model.kind
    D, H = np.shape(p["Wx"])[0], np.shape(p["Wh"])[0]
    cell = MODULES[kind](D, H, batch_first=True, dtype=torch.float64)
    cell.load_state_dict({k: torch.from_numpy(v) for k, v in layout.to_torch([p], kind=kind).items()})
    linear = torch.nn.Linear(*np.shape(p["Wy"]), dtype=torch.float64)
    linear.load_state_dict({"weight": tensor(p["Wy"]).T, "bias": tensor(p["by"])})
    x = tensor(case.inputs).requires_grad_(isinstance(model, REAL_INPUT))
    if "embed" in p:
        embedding = torch.nn.Embedding.from_pretrained(tensor(p["embed"]), freeze=False)
        hs, _ = cell(embedding(torch.from_numpy(case.inputs)))
    if isinstance(model, models.ManyToOne):
        out = torch.sigmoid(linear(hs[:, -1]))[:, 0]
        loss = torch.nn.BCELoss()(out, tensor(case.target))
    elif isinstance(model, models.ManyToMany):
        out = linear(hs)
        loss = torch.nn.CrossEntropyLoss()(out.reshape(-1, out.shape[-1]), torch.from_numpy(case.target).reshape(-1))
    elif isinstance(model, models.OneToMany):
        step_in, state, ys = x, None, []
        for _ in range(case.target.shape[1]):
            h, state = cell(step_in[:, None], state)
            step_in = linear(h[:, 0])
            ys.append(step_in)
        out = torch.stack(ys, dim=1)
        loss = torch.nn.MSELoss()(out, tensor(case.target))
    else:
        hs, _ = cell(x)
        out = linear(hs[:, -1])
        loss = torch.nn.CrossEntropyLoss()(out, torch.from_numpy(case.target))
    loss.backward()
    cell_grads = layout.grads_from_torch({k: w.grad for k, w in cell.named_parameters()}, kind=kind)[0]
    grads = {**cell_grads, "Wy": numpy(linear.weight.grad).T, "by": numpy(linear.bias.grad)}
    if "embed" in p:
        grads["embed"] = numpy(embedding.weight.grad)
    if isinstance(model, REAL_INPUT):
        grads["x"] = numpy(x.grad)
    return numpy(out), loss.item(), grads


@pytest.mark.parametrize("model", MODELS, ids=model_id)
@given(data=st.data())
def test_every_architecture_matches_torch_in_output_loss_and_every_gradient(model, data):
    case = data.draw(cases(model), label="case")
    out_t, loss_t, grads_t = torch_run(case)
    case = case._replace(params=frozen(case.params), inputs=frozen(case.inputs), target=frozen(case.target))
    out, loss, grads = run_reference(case)
    assert_close(out_t, out, atol=ATOL, rtol=RTOL, name="output")
    assert_close(loss_t, loss, atol=ATOL, rtol=RTOL, name="loss")
    assert_close(grads_t, grads, atol=ATOL, rtol=RTOL, name="grads")
    # loss() is forward, loss and backward in one call, returning the params' gradients only.
    grads_t.pop("x", None)
    assert_close((loss_t, grads_t), model.loss(case.params, case.inputs, case.target), atol=ATOL, rtol=RTOL, name="loss()")
