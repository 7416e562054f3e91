"""Soft attention equals torch, forward and every gradient, and its gradients match finite differences.

torch is the oracle: the same scores written with nn modules (``nn.Linear``
for Bahdanau's W_s, W_h and v, ``nn.Bilinear`` for Luong's general score),
masked with -inf before ``torch.softmax``, differentiated by autograd.
Tolerances are those of the other reference tests: 1e-10 + 1e-13·|torch|
against torch; 1e-6 relative with a 1e-8 floor against finite differences.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import attention

ATOL, RTOL = 1e-10, 1e-13
FD_RTOL, FD_ATOL = 1e-6, 1e-8


class Case(NamedTuple):
    score: str
    s: np.ndarray  # (N, Hq), or (N, M, Hq) for M queries per sequence
    h: np.ndarray  # (N, T, Hk)
    params: dict
    mask: np.ndarray | None  # (N, T) bool
    dcontext: np.ndarray  # (N, Hk) or (N, M, Hk)
    dalpha: np.ndarray | None  # (N, T) or (N, M, T)


def _with_a_valid_position_per_row(mask: np.ndarray) -> np.ndarray:
    mask = mask.copy()
    mask[~mask.any(axis=1), 0] = True
    return mask


@st.composite
def cases(draw, score: str) -> Case:
    N, T, Hk = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    Hq = Hk if score == "dot" else draw(st.integers(1, 4))
    A = draw(st.integers(1, 4)) if score == "additive" else None
    queries = draw(st.sampled_from([(N,), (N, 1), (N, 2), (N, 3)]), label="queries")
    params = {k: draw(strategies.arrays(shape, bound=2.0)) for k, shape in attention.param_shapes(score, Hq, Hk, A).items()}
    masks = hnp.arrays(np.bool_, (N, T)).map(_with_a_valid_position_per_row)
    return Case(
        score,
        s=draw(strategies.arrays((*queries, Hq), bound=2.0)),
        h=draw(strategies.arrays((N, T, Hk), bound=2.0)),
        params=params,
        mask=draw(st.none() | masks),
        dcontext=draw(strategies.arrays((*queries, Hk))),
        dalpha=draw(st.none() | strategies.arrays((*queries, T))),
    )


def _parameter(array: np.ndarray) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.tensor(array, dtype=torch.float64))


class TorchAttention(torch.nn.Module):
    """The reference's soft attention with torch modules; params in and grads out in the reference's layout."""

    def __init__(self, score: str, params: dict):
        super().__init__()
        self.score = score
        if score == "additive":
            (Hq, A), Hk = params["Ws"].shape, params["Wh"].shape[0]
            self.Ws, self.Wh, self.v = (torch.nn.Linear(n, m, bias=False, dtype=torch.float64) for n, m in ((Hq, A), (Hk, A), (A, 1)))
            self.Ws.weight, self.Wh.weight, self.v.weight = (_parameter(a) for a in (params["Ws"].T, params["Wh"].T, params["v"][None]))
        elif score == "general":
            Hq, Hk = params["W"].shape
            self.W = torch.nn.Bilinear(Hq, Hk, 1, bias=False, dtype=torch.float64)
            self.W.weight = _parameter(params["W"][None])

    def forward(self, s: torch.Tensor, h: torch.Tensor, mask: torch.Tensor | None = None):
        """s (N, Hq) or (N, M, Hq), h (N, T, Hk), mask (N, T) bool -> context (N, [M,] Hk), α (N, [M,] T)."""
        single = s.dim() == 2
        s = s[:, None, :] if single else s
        M, T = s.shape[1], h.shape[1]
        if self.score == "dot":
            e = torch.einsum("nmk,ntk->nmt", s, h)
        elif self.score == "general":
            e = self.W(s[:, :, None, :].expand(-1, -1, T, -1), h[:, None, :, :].expand(-1, M, -1, -1))[..., 0]
        else:
            e = self.v(torch.tanh(self.Ws(s)[:, :, None, :] + self.Wh(h)[:, None, :, :]))[..., 0]
        if mask is not None:
            e = e.masked_fill(~mask[:, None, :], -torch.inf)
        alpha = torch.softmax(e, dim=-1)
        context = torch.bmm(alpha, h)
        return (context[:, 0], alpha[:, 0]) if single else (context, alpha)

    def grads(self) -> dict:
        if self.score == "additive":
            return {"Ws": self.Ws.weight.grad.numpy().T, "Wh": self.Wh.weight.grad.numpy().T, "v": self.v.weight.grad.numpy()[0]}
        if self.score == "general":
            return {"W": self.W.weight.grad.numpy()[0]}
        return {}


def _torch_run(case: Case):
    module = TorchAttention(case.score, case.params)
    s, h = (torch.tensor(a, requires_grad=True) for a in (case.s, case.h))
    mask = None if case.mask is None else torch.tensor(case.mask)
    context, alpha = module(s, h, mask)
    total = (context * torch.tensor(case.dcontext)).sum()
    if case.dalpha is not None:
        total = total + (alpha * torch.tensor(case.dalpha)).sum()
    total.backward()
    return context.detach().numpy(), alpha.detach().numpy(), {"s": s.grad.numpy(), "h": h.grad.numpy(), **module.grads()}


@pytest.mark.parametrize("score", attention.SCORES)
@given(data=st.data())
def test_attention_matches_torch_in_context_weights_and_every_gradient(score, data):
    case = data.draw(cases(score), label="case")
    context, alpha, cache = attention.forward(case.s, case.h, case.params, score=score, mask=case.mask)
    grads = attention.backward(case.dcontext, cache, case.dalpha)
    expected_context, expected_alpha, expected_grads = _torch_run(case)
    assert_close(expected_context, context, atol=ATOL, rtol=RTOL, name="context")
    assert_close(expected_alpha, alpha, atol=ATOL, rtol=RTOL, name="alpha")
    assert_close(expected_grads, grads, atol=ATOL, rtol=RTOL, name="grads")


@pytest.mark.parametrize("score", attention.SCORES)
@given(data=st.data())
def test_every_attention_gradient_matches_finite_differences(score, data):
    case = data.draw(cases(score), label="case")
    s, h, params = np.array(case.s), np.array(case.h), {k: np.array(v) for k, v in case.params.items()}

    def outputs():
        context, alpha, _ = attention.forward(s, h, params, score=score, mask=case.mask)
        return context, alpha

    numeric = numerical_gradients(outputs, {"s": s, "h": h, **params}, (case.dcontext, case.dalpha))
    _, _, cache = attention.forward(case.s, case.h, case.params, score=score, mask=case.mask)
    assert_close(numeric, attention.backward(case.dcontext, cache, case.dalpha), atol=FD_ATOL, rtol=FD_RTOL, name="grads")
