"""CS231n assignment 3's course files (solution, starter, mistakes) and fixture submissions answer as they promise.

Every graded function is called on one case (N=3, T=4, D=5, H=4, V=7: N ≥ 2, T ≥ 3, D ≠ H, and V < N·T so an index
repeats), each backward on the cache of its own implementation's forward, and its outputs other than the cache are
compared with the reference's (``reference/cs231n.py``).
"""

import ast
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from checks.gradcheck import numerical_gradient
from reference import cs231n as reference

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "assignments" / "cs231n_a3_rnn"
FIXTURES = ROOT / "tests" / "fixtures" / "cs231n"
GRADED = (
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "word_embedding_forward",
    "word_embedding_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
)
LSTM = tuple(name for name in GRADED if name.startswith("lstm"))
COURSE_GIVEN = ("sigmoid", "temporal_affine_forward", "temporal_affine_backward", "temporal_softmax_loss")
TOUCHES = {
    "gate_order_ifgo": {"lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"},
    "embedding_backward_overwrites": {"word_embedding_backward"},
    "no_dh_carry": {"rnn_backward", "lstm_backward"},
    "no_tanh_derivative_on_cell": {"lstm_step_backward", "lstm_backward"},
    "rnn_no_tanh_derivative": {"rnn_step_backward", "rnn_backward"},
    "h0_not_used": {"rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward"},
}
"""The graded functions whose answers each mistake changes: its own, and those of the sequence functions that loop them."""
BUG_FIXTURES = ("gate_order_ifgo", "embedding_backward_overwrites", "no_dh_carry", "no_tanh_derivative_on_cell", "rnn_no_tanh_derivative")


def _module(path):
    spec = importlib.util.spec_from_file_location(f"cs231n_a3_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


solution = _module(FOLDER / "solution.py")
starter = _module(FOLDER / "starter.py")
mistakes = _module(FOLDER / "mistakes.py")
REFERENCE = {name: getattr(reference, name) for name in GRADED}
SOLUTION = {name: getattr(solution, name) for name in GRADED}


def _case(seed=0, N=3, T=4, D=5, H=4, V=7):
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal
    return {
        "x": normal((N, T, D)),
        "h0": normal((N, H)),
        "c0": normal((N, H)),
        "rnn": (0.5 * normal((D, H)), 0.5 * normal((H, H)), 0.5 * normal(H)),
        "lstm": (0.5 * normal((D, 4 * H)), 0.5 * normal((H, 4 * H)), 0.5 * normal(4 * H)),
        "dh": normal((N, T, H)),
        "dc": normal((N, H)),
        "ids": rng.integers(0, V, size=(N, T)),
        "W": normal((V, D)),
        "dout": normal((N, T, D)),
    }


CASE = _case()


def _call(f, name, c):
    """What ``f[name]`` returns on the case, less the cache; a backward is given the cache of ``f``'s own forward."""
    x0, h0, c0, dh0 = c["x"][:, 0], c["h0"], c["c0"], c["dh"][:, 0]
    calls = {
        "rnn_step_forward": lambda: f[name](x0, h0, *c["rnn"])[:1],
        "rnn_step_backward": lambda: f[name](dh0, f["rnn_step_forward"](x0, h0, *c["rnn"])[1]),
        "rnn_forward": lambda: f[name](c["x"], h0, *c["rnn"])[:1],
        "rnn_backward": lambda: f[name](c["dh"], f["rnn_forward"](c["x"], h0, *c["rnn"])[1]),
        "word_embedding_forward": lambda: f[name](c["ids"], c["W"])[:1],
        "word_embedding_backward": lambda: (f[name](c["dout"], f["word_embedding_forward"](c["ids"], c["W"])[1]),),
        "lstm_step_forward": lambda: f[name](x0, h0, c0, *c["lstm"])[:2],
        "lstm_step_backward": lambda: f[name](dh0, c["dc"], f["lstm_step_forward"](x0, h0, c0, *c["lstm"])[2]),
        "lstm_forward": lambda: f[name](c["x"], h0, *c["lstm"])[:1],
        "lstm_backward": lambda: f[name](c["dh"], f["lstm_forward"](c["x"], h0, *c["lstm"])[1]),
    }
    return calls[name]()


def _answers(f, names=GRADED, c=CASE):
    return {name: tuple(np.asarray(a, dtype=np.float64) for a in _call(f, name, c)) for name in names}


def _same(got, expected):
    return len(got) == len(expected) and all(g.shape == e.shape and np.allclose(g, e, rtol=1e-8, atol=1e-10) for g, e in zip(got, expected))


def _assert_answers_as(f, expected_functions, names=GRADED):
    got, expected = _answers(f, names), _answers(expected_functions, names)
    wrong = [name for name in names if not _same(got[name], expected[name])]
    assert not wrong, f"these answer otherwise: {wrong}"


def _load(path, *, py2=False):
    """A fixture file exec'd into a dict, and the functions skipped: a file that does not parse runs one top-level part at
    a time, each part compiled alone, and a part that does not compile is skipped. ``py2``: ``xrange`` is ``range``."""
    source = path.read_text()
    namespace = {"__name__": path.stem, **({"xrange": range} if py2 else {})}
    try:
        ast.parse(source)
        parts = [source]
    except SyntaxError:
        parts = re.split(r"(?m)^(?=def |import |from )", source)
    skipped = []
    for part in parts:
        try:
            code = compile(ast.parse(part), str(path), "exec")
        except SyntaxError:
            skipped.append(re.search(r"^def (\w+)", part, re.M).group(1))
            continue
        exec(code, namespace)
    return namespace, skipped


@pytest.mark.parametrize("name", GRADED)
def test_the_solution_answers_as_the_reference(name):
    _assert_answers_as(SOLUTION, REFERENCE, [name])


def test_the_solution_and_the_starter_start_with_the_course_header():
    for module in ("solution.py", "starter.py"):
        lines = (FOLDER / module).read_text().splitlines()
        assert lines[0] == "from __future__ import print_function, division"
        assert lines[1].startswith("from builtins import range") and lines[2] == "import numpy as np"


def test_the_solutions_sequence_functions_keep_tuples_of_step_caches():
    _, cache = solution.rnn_forward(CASE["x"], CASE["h0"], *CASE["rnn"])
    assert isinstance(cache, tuple) and len(cache) == CASE["x"].shape[1] and all(isinstance(step, tuple) for step in cache)


@pytest.mark.parametrize("name", GRADED)
def test_the_starter_raises_not_implemented_naming_the_function(name):
    functions = dict(SOLUTION, **{name: getattr(starter, name)})  # a backward gets the solution forward's cache
    with pytest.raises(NotImplementedError, match=f"^{name}$"):
        _call(functions, name, CASE)


def test_the_starter_keeps_the_course_given_functions_complete():
    x, w, b = CASE["x"], CASE["rnn"][0], CASE["rnn"][2]  # x (N, T, D), w (D, M), b (M,) with M = H
    for module in (solution, starter):
        out, cache = module.temporal_affine_forward(x, w, b)
        np.testing.assert_allclose(out, x @ w + b)
        dx, dw, db = module.temporal_affine_backward(np.ones_like(out), cache)
        assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    scores, y, mask = CASE["dout"], CASE["ids"] % CASE["dout"].shape[2], CASE["ids"] > 2
    np.testing.assert_array_equal(starter.sigmoid(scores), solution.sigmoid(scores))
    for got, expected in zip(starter.temporal_softmax_loss(scores, y, mask), solution.temporal_softmax_loss(scores, y, mask)):
        np.testing.assert_array_equal(got, expected)


def test_the_course_given_gradients_match_finite_differences():
    x, w, b = CASE["x"].copy(), CASE["rnn"][0].copy(), CASE["rnn"][2].copy()
    dout = np.random.default_rng(1).standard_normal((x.shape[0], x.shape[1], w.shape[1]))
    grads = solution.temporal_affine_backward(dout, solution.temporal_affine_forward(x, w, b)[1])
    for theta, grad in zip((x, w, b), grads):
        np.testing.assert_allclose(
            grad, numerical_gradient(lambda: [solution.temporal_affine_forward(x, w, b)[0]], theta, [dout]), atol=1e-7
        )
    scores, y, mask = CASE["dout"].copy(), CASE["ids"] % CASE["dout"].shape[2], CASE["ids"] > 2
    loss, dscores = solution.temporal_softmax_loss(scores, y, mask)
    expected = numerical_gradient(lambda: [np.array(solution.temporal_softmax_loss(scores, y, mask)[0])], scores, [np.array(1.0)])
    np.testing.assert_allclose(dscores, expected, atol=1e-7)
    assert loss > 0 and not dscores[~mask].any()


def test_sigmoid_does_not_overflow_far_from_zero():
    with np.errstate(over="raise"):
        np.testing.assert_allclose(
            solution.sigmoid(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])), [0, 1 / (1 + np.e), 0.5, 1 / (1 + 1 / np.e), 1]
        )


def test_functions_with_no_mistakes_answers_as_the_reference():
    _assert_answers_as(mistakes.functions_with(), REFERENCE)


def test_every_mistake_has_the_functions_it_touches_listed():
    assert set(mistakes.MISTAKES) == set(TOUCHES)


@pytest.mark.parametrize("mistake", sorted(TOUCHES))
def test_each_mistake_changes_the_functions_it_touches_and_no_others(mistake):
    got, expected = _answers(mistakes.functions_with(mistake)), _answers(REFERENCE)
    changed = {name for name in GRADED if not _same(got[name], expected[name])}
    assert changed == TOUCHES[mistake]


def test_the_case_repeats_an_index_and_starts_from_a_nonzero_h0():
    assert len(np.unique(CASE["ids"])) < CASE["ids"].size and np.abs(CASE["h0"]).min() > 0


def test_an_unknown_mistake_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="'no_such_mistake'.*known: gate_order_ifgo, embedding_backward_overwrites"):
        mistakes.functions_with("no_dh_carry", "no_such_mistake")


def test_last_only_is_accepted_and_changes_nothing():
    _assert_answers_as(mistakes.functions_with("no_dh_carry", last_only=True), mistakes.functions_with("no_dh_carry"))


@pytest.mark.parametrize("fixture", ["ok_rnn_layers.py", "py2_print_and_xrange.py"])
def test_a_correct_fixture_answers_as_the_reference(fixture):
    functions, skipped = _load(FIXTURES / fixture, py2=fixture.startswith("py2"))
    assert skipped == (["temporal_softmax_loss"] if fixture.startswith("py2") else [])
    _assert_answers_as(functions, REFERENCE)


def test_the_repository_fixture_imports_its_layers_and_answers_as_the_reference(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES / "repo"))
    try:
        functions, skipped = _load(FIXTURES / "repo" / "cs231n" / "rnn_layers.py")
    finally:
        for name in [name for name in sys.modules if name == "cs231n" or name.startswith("cs231n.")]:
            del sys.modules[name]
    assert skipped == [] and callable(functions["affine_forward"])
    _assert_answers_as(functions, REFERENCE)


def test_the_broken_indentation_fixture_loses_only_rnn_backward():
    functions, skipped = _load(FIXTURES / "broken_indentation_in_rnn_backward.py")
    assert skipped == ["rnn_backward"] and "rnn_backward" not in functions
    _assert_answers_as(functions, REFERENCE, [name for name in GRADED if name != "rnn_backward"])


def test_the_row_vector_bias_fixture_is_right_but_for_the_shape_of_db():
    functions, _ = _load(FIXTURES / "ok_bias_grad_row_vector.py")
    got, expected = _answers(functions), _answers(REFERENCE)
    H = CASE["h0"].shape[1]
    row_vector_db = {"rnn_step_backward": 4, "rnn_backward": 4, "lstm_step_backward": 5, "lstm_backward": 4}
    for name, at in row_vector_db.items():
        width = 4 * H if name.startswith("lstm") else H
        assert got[name][at].shape == (1, width), name
        got[name] = got[name][:at] + (got[name][at].ravel(),) + got[name][at + 1 :]
    assert [name for name in GRADED if not _same(got[name], expected[name])] == []


@pytest.mark.parametrize("mistake", BUG_FIXTURES)
def test_a_bug_fixture_answers_as_its_mistake(mistake):
    functions, skipped = _load(FIXTURES / f"bug_{mistake}.py")
    assert skipped == []
    _assert_answers_as(functions, mistakes.functions_with(mistake))


def test_the_partial_fixture_has_rnn_and_embeddings_and_lstm_functions_that_return_none():
    functions, _ = _load(FIXTURES / "partial_lstm_still_pass.py")
    _assert_answers_as(functions, REFERENCE, [name for name in GRADED if name not in LSTM])
    c = CASE
    assert functions["lstm_step_forward"](c["x"][:, 0], c["h0"], c["c0"], *c["lstm"]) is None
    assert functions["lstm_step_backward"](c["dh"][:, 0], c["dc"], None) is None
    assert functions["lstm_forward"](c["x"], c["h0"], *c["lstm"]) is None
    assert functions["lstm_backward"](c["dh"], None) is None


STUDENT_FILES = sorted(
    p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.py") if p.parent == FIXTURES or p.name == "rnn_layers.py"
)


@pytest.mark.parametrize("fixture", STUDENT_FILES)
def test_every_fixture_is_a_whole_file_with_the_course_given_functions(fixture):
    text = (FIXTURES / fixture).read_text()
    assert [name for name in COURSE_GIVEN + GRADED if f"\ndef {name}(" not in text] == []
