"""The known mistakes of each assignment: catalogued, switchable, and each distinguishable from every other.

Every mistake, every pair the diagnosis tries and the correct class are run on
the same inputs, through the same operations the checks send (forward twice,
forward with initial states, backward, the stored gradients); two that answer
alike on all of them could not be told apart by the diagnosis. The one such
case is documented rather than dropped: under the return style of only the
last h, "only the last step's gradient" is what backward receives anyway, so
that mistake declares the every-step style only.
"""

import itertools

import numpy as np
import pytest

import assignments
from assignments.dic_sprint22 import mistakes as sprint22_mistakes
from assignments.lstm import mistakes as lstm_mistakes
from assignments.cs231n_a3_rnn import mistakes as cs231n_mistakes
from assignments.dlai_c5w1 import mistakes as dlai_mistakes
from checks.function_cases import explicit_cases
from checks.function_checks import script_for
from checks.function_contract import FunctionContract
from checks.layer import FLOAT64_TOL, LAST, SEQUENCE
from checks.session import Call, Done, Get, New, Set
from grading.diagnose import LocalSession
from reference import stacked


def _libraries(of_functions: bool) -> list:
    found = []
    for name in assignments.names():
        spec = assignments.get(name)
        courses = {c.library for c in spec.contracts if isinstance(c, FunctionContract)}
        found += [(name, library) for library in spec.mistakes if (library.cls in courses) == of_functions]
    return found


LIBRARIES = _libraries(of_functions=False)
IDS = [f"{name}-{library.cls}" for name, library in LIBRARIES]
FUNCTION_LIBRARIES = _libraries(of_functions=True)
SHAPES = [(2, 3, 2, 3), (3, 4, 5, 2), (1, 1, 1, 1), (2, 5, 3, 3)]


def contract_of(name, library):
    return next(c for c in assignments.get(name).contracts if c.cls == library.cls)


def scripts(contract, style):
    rng = np.random.default_rng(7)
    found = []
    for N, T, D, H in SHAPES:
        params = {k: rng.uniform(-1, 1, s) for k, s in stacked.CELLS[contract.kind].param_shapes(D, H).items()}
        x = rng.uniform(-1, 1, (N, T, D))
        states = {name: rng.uniform(-1, 1, (N, H)) for name in contract.states}
        dH = rng.uniform(-1, 1, (N, T, H) if style == SEQUENCE else (N, H))
        forward = Call("forward", (x,))
        found.append(
            [New(contract.cls, (D, H)), Set(contract.student_weights(params)), forward, forward, Call("forward", (x,), states)]
            + [Call("backward", (dH,)), Get(tuple(contract.grads))]
        )
    return found


def answers(library, names, style, contract) -> list:
    """Every array the class answers with, or the (type, message) of what it raised, script by script."""
    session = LocalSession({library.cls: library.build(*names, last_only=style == LAST)})
    flat = []
    for script in scripts(contract, style):
        for reply in session.run(script):
            if not isinstance(reply, Done):
                flat.append((reply.type, reply.message))  # wx_transposed cannot multiply when n_features != n_nodes
                continue
            values = [reply.value, *reply.values.values()] if reply.value is not None else list(reply.values.values())
            flat += [v.array for v in values]
    return flat


def alike(a: list, b: list) -> bool:
    def same(x, y):
        if isinstance(x, tuple) or isinstance(y, tuple):
            return x == y
        return x.shape == y.shape and np.allclose(x, y, **FLOAT64_TOL)

    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("style", [SEQUENCE, LAST])
@pytest.mark.parametrize(("name", "library"), LIBRARIES, ids=IDS)
def test_no_two_known_mistakes_nor_a_pair_nor_correct_code_answer_alike(name, library, style):
    contract = contract_of(name, library)
    candidates = [()] + [tuple(m.name for m in c) for c in library.singles(style) + library.pairs(style)]
    found = {c: answers(library, c, style, contract) for c in candidates}
    same = [(a, b) for a, b in itertools.combinations(candidates, 2) if alike(found[a], found[b])]
    assert same == []


@pytest.mark.parametrize(("name", "library"), LIBRARIES, ids=IDS)
def test_a_mistake_left_out_of_a_style_is_correct_code_in_that_style(name, library):
    contract = contract_of(name, library)
    for style in (SEQUENCE, LAST):
        correct = answers(library, (), style, contract)
        for mistake in library.mistakes:
            if style not in mistake.styles:
                assert alike(answers(library, (mistake.name,), style, contract), correct), mistake.name


def function_answers(name, library, names) -> list:
    """Every array a course's functions answer with, on each function's explicit cases, through the scripts its checks
    send (a backward after its own forward), or the (type, message) of what they raised."""
    session = LocalSession(library.build(*names))
    flat = []
    for contract in assignments.get(name).contracts:
        for case in explicit_cases(contract, seed=0):
            for reply in session.run(script_for(contract)(case)):
                if not isinstance(reply, Done):
                    flat.append((reply.type, reply.message))
                    continue
                flat += [v.array for v in (reply.value, *reply.values.values()) if v.array is not None]
    return flat


@pytest.mark.parametrize(("name", "library"), FUNCTION_LIBRARIES, ids=[name for name, _ in FUNCTION_LIBRARIES])
def test_no_two_known_mistakes_of_a_course_of_functions_nor_a_pair_nor_correct_code_answer_alike(name, library):
    candidates = [()] + [tuple(m.name for m in c) for c in library.singles(SEQUENCE) + library.pairs(SEQUENCE)]
    found = {c: function_answers(name, library, c) for c in candidates}
    assert [(a, b) for a, b in itertools.combinations(candidates, 2) if alike(found[a], found[b])] == []


@pytest.mark.parametrize(
    ("name", "module_names"),
    [
        ("dic-sprint22", sprint22_mistakes.MISTAKES),
        ("lstm", lstm_mistakes.LSTM_MISTAKES + lstm_mistakes.GRU_MISTAKES),
        ("cs231n-a3-rnn", cs231n_mistakes.MISTAKES),
        ("dlai-c5w1", dlai_mistakes.MISTAKES),
    ],
)
def test_the_catalogue_explains_exactly_the_mistakes_the_code_can_switch_on(name, module_names):
    catalogued = [m.name for library in assignments.get(name).mistakes for m in library.mistakes]
    assert sorted(catalogued) == sorted(module_names)
    assert all(m.explanation and m.hint for library in assignments.get(name).mistakes for m in library.mistakes)


def test_the_lstm_catalogue_holds_all_23_wrong_gate_orders():
    orders = [m.name for m in assignments.get("lstm").mistakes[0].mistakes if m.name.startswith("gate_order_")]
    assert len(orders) == 23 == len(set(orders)) and "gate_order_ifgo" not in orders


def test_switching_on_an_unknown_or_a_second_gate_order_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown mistakes \['dwh_uses_h_t_'\]"):
        sprint22_mistakes.with_mistakes("dwh_uses_h_t_")
    with pytest.raises(ValueError, match="more than one gate order"):
        lstm_mistakes.lstm_with_mistakes("gate_order_ifog", "gate_order_fgio")
