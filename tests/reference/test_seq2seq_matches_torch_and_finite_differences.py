"""The encoder-decoder's teacher-forced loss equals torch's, and so does every gradient; they match finite differences too.

torch is the oracle: ``nn.Embedding``, ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU``
loaded through ``reference.layout``, the attention module of the attention
tests, ``nn.Linear`` and ``F.cross_entropy`` (mean over the N·T tokens),
differentiated by autograd. Tolerances as elsewhere: 1e-10 + 1e-13·|torch|
against torch; 1e-6 relative with a 1e-8 floor against finite differences.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import layout, seq2seq
from tests.reference.test_attention_matches_torch_and_finite_differences import TorchAttention

ATOL, RTOL = 1e-10, 1e-13
FD_RTOL, FD_ATOL = 1e-6, 1e-8
MODELS = [(kind, att) for kind in ("rnn", "lstm", "gru") for att in seq2seq.ATTENTIONS]


def model_id(model) -> str:
    kind, att = model
    return f"{kind}-{att or 'no'}-attention"


class Case(NamedTuple):
    params: dict
    source: np.ndarray  # (N, S) ids
    target: np.ndarray  # (N, T) ids
    bos: int


def token_ids(shape, vocab: int):
    return hnp.arrays(np.int64, shape, elements=st.integers(0, vocab - 1))


@st.composite
def cases(draw, kind: str, att: str | None) -> Case:
    """Tiny models with params on a grid (cheap to draw), and token ids over the whole vocabularies."""
    Vs, Vt, E, H = (draw(st.integers(1, n)) for n in (4, 4, 3, 3))
    A = draw(st.integers(1, 3)) if att == "additive" else None
    N, S, T = (draw(st.integers(1, n)) for n in (3, 4, 4))
    shapes = seq2seq.param_shapes(seq2seq.Architecture(kind, att, Vs, Vt, E, H), A)
    params = {k: draw(strategies.grid_arrays(shape, bound=1.5)) for k, shape in shapes.items()}
    return Case(params, draw(token_ids((N, S), Vs)), draw(token_ids((N, T), Vt)), draw(st.integers(0, Vt - 1)))


class TorchSeq2Seq(torch.nn.Module):
    """The reference's encoder-decoder written with torch modules, loaded from the reference's params."""

    def __init__(self, params: dict):
        super().__init__()
        arch = seq2seq.architecture(params)
        self.arch = arch
        cell = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[arch.kind]
        self.src_embed = torch.nn.Embedding.from_pretrained(torch.tensor(params["src_embed"]), freeze=False)
        self.tgt_embed = torch.nn.Embedding.from_pretrained(torch.tensor(params["tgt_embed"]), freeze=False)
        self.encoder, self.decoder = (cell(arch.embed, arch.hidden, batch_first=True, dtype=torch.float64) for _ in range(2))
        for module, prefix in ((self.encoder, "enc."), (self.decoder, "dec.")):
            cell_params = {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}
            state = layout.to_torch([cell_params], kind=arch.kind)
            module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        if arch.attention is not None:
            self.attention = TorchAttention(arch.attention, {k[4:]: v for k, v in params.items() if k.startswith("att.")})
        self.out = torch.nn.Linear(*params["out.W"].shape, dtype=torch.float64)
        self.out.load_state_dict({"weight": torch.tensor(params["out.W"].T), "bias": torch.tensor(params["out.b"])})

    def forward(self, source: np.ndarray, target: np.ndarray, bos: int) -> torch.Tensor:
        """Teacher forcing: source (N, S), target (N, T) -> log p (N, T, Vt)."""
        source, target = torch.from_numpy(source), torch.from_numpy(target)
        N, T = target.shape
        inputs = torch.cat([torch.full((N, 1), bos, dtype=torch.int64), target[:, :-1]], dim=1)
        enc_hs, state = self.encoder(self.src_embed(source))
        dec_hs, _ = self.decoder(self.tgt_embed(inputs), state)
        o = dec_hs
        if self.arch.attention is not None:
            H = self.arch.hidden
            context, _ = self.attention(dec_hs.reshape(N * T, H), enc_hs.repeat_interleave(T, dim=0))
            o = torch.cat([dec_hs, context.reshape(N, T, H)], dim=-1)
        return torch.log_softmax(self.out(o), dim=-1)

    def grads(self) -> dict:
        grads = {"src_embed": self.src_embed.weight.grad.numpy(), "tgt_embed": self.tgt_embed.weight.grad.numpy()}
        for module, prefix in ((self.encoder, "enc."), (self.decoder, "dec.")):
            named = {name: p.grad for name, p in module.named_parameters()}
            grads.update({prefix + k: v for k, v in layout.grads_from_torch(named, kind=self.arch.kind)[0].items()})
        if self.arch.attention is not None:
            grads.update({f"att.{k}": v for k, v in self.attention.grads().items()})
        grads["out.W"], grads["out.b"] = self.out.weight.grad.numpy().T, self.out.bias.grad.numpy()
        return grads


def torch_loss_and_grads(case: Case) -> tuple[float, dict]:
    model = TorchSeq2Seq(case.params)
    log_probs = model(case.source, case.target, case.bos)
    loss = torch.nn.functional.nll_loss(log_probs.reshape(-1, log_probs.shape[-1]), torch.from_numpy(case.target).reshape(-1))
    loss.backward()
    return loss.item(), model.grads()


@pytest.mark.parametrize("model", MODELS, ids=model_id)
@settings(max_examples=15)
@given(data=st.data())
def test_loss_and_every_gradient_match_torch(model, data):
    case = data.draw(cases(*model), label="case")
    loss, grads = seq2seq.loss_and_grads(case.params, case.source, case.target, bos=case.bos)
    expected_loss, expected_grads = torch_loss_and_grads(case)
    assert_close(expected_loss, loss, atol=ATOL, rtol=RTOL, name="loss")
    assert_close(expected_grads, grads, atol=ATOL, rtol=RTOL, name="grads")


@pytest.mark.parametrize("model", MODELS, ids=model_id)
@settings(max_examples=10)
@given(data=st.data())
def test_every_gradient_of_the_loss_matches_finite_differences(model, data):
    case = data.draw(cases(*model), label="case")
    params = {k: np.array(v) for k, v in case.params.items()}

    def loss():
        return (np.array(seq2seq.forward(params, case.source, case.target, bos=case.bos)[0]),)

    numeric = numerical_gradients(loss, params, (np.array(1.0),))
    _, analytic = seq2seq.loss_and_grads(case.params, case.source, case.target, bos=case.bos)
    assert_close(numeric, analytic, atol=FD_ATOL, rtol=FD_RTOL, name="grads")
