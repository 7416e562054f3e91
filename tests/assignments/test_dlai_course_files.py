"""dlai-c5w1's course files (assignments/dlai_c5w1) and fixtures (tests/fixtures/dlai) give what they promise, with
reference.dlai as the oracle.

A student's code is run as the notebook runs it: into a namespace that already holds rnn_utils' names, with
``from rnn_utils import *`` and ``from public_tests import *`` finding the grader's stand-ins.
"""

import contextlib
import importlib.util
import inspect
import io
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from reference import dlai

ROOT = Path(__file__).parents[2]
FOLDER = ROOT / "assignments" / "dlai_c5w1"
FIXTURES = ROOT / "tests" / "fixtures" / "dlai"
FORWARD = ("rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward")
BACKWARD = ("rnn_cell_backward", "rnn_backward", "lstm_cell_backward", "lstm_backward")
NAMES = FORWARD + BACKWARD
RNN = ("rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward")
LSTM = ("lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward")
REFERENCE = {name: getattr(dlai, name) for name in NAMES}
DIMS = {
    "notebook-sized": dict(n_x=3, m=4, T_x=5, n_a=5, n_y=2),  # n_a and n_y as in the fixture notebooks' test cells
    "small": dict(n_x=2, m=2, T_x=3, n_a=4, n_y=3),
}


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RNN_UTILS = _module(FOLDER / "rnn_utils.py", "rnn_utils")
PUBLIC_TESTS = _module(FOLDER / "public_tests.py", "public_tests")
MISTAKES = _module(FOLDER / "mistakes.py", "dlai_c5w1_mistakes")

# What each mistake changes; a backward runs on its own forward's caches, so a forward's mistake reaches it too.
CHANGES = {
    "softmax_wrong_axis": {"rnn_cell_forward", "rnn_forward", "lstm_cell_forward", "lstm_forward"},
    "concat_x_first": set(LSTM),
    "c_next_before_tanh": set(LSTM),
    "a_prev_not_carried": {"rnn_forward", "lstm_forward", "rnn_backward", "lstm_backward"},
    "no_da_prev_carry": {"rnn_backward", "lstm_backward"},
}
# ok_backward_keys_from_an_older_version.py's key names -> the reference's.
OLDER_KEYS = {"rnn_cell_backward": {"dx": "dxt"}, "lstm_cell_backward": {"dx": "dxt"}, "lstm_backward": {"da_prev": "da0"}}


@pytest.fixture(autouse=True)
def course_helpers_importable(monkeypatch):
    monkeypatch.setitem(sys.modules, "rnn_utils", RNN_UTILS)
    monkeypatch.setitem(sys.modules, "public_tests", PUBLIC_TESTS)


# -- running a student's code --------------------------------------------------------------------------------------


def _namespace() -> dict:
    return {"__name__": "__main__", **{k: v for k, v in vars(RNN_UTILS).items() if not k.startswith("_")}}


def run_source(path: Path) -> dict:
    namespace = _namespace()
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def run_notebook(path: Path) -> tuple[dict, list[tuple[int, Exception]]]:
    """Runs the code cells one by one as a student does; a cell that raises is skipped. Returns the namespace and the
    (cell index, exception) of each cell that raised."""
    namespace, raised = _namespace(), []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell.source, f"{path.name}[{index}]", "exec"), namespace)
        except Exception as error:
            raised.append((index, error))
    return namespace, raised


# -- what a function gives ---------------------------------------------------------------------------------------


def case(dims: str = "notebook-sized", seed: int = 0) -> dict:
    """Fresh random inputs, so that a function that changes its inputs cannot change another's."""
    n_x, m, T_x, n_a, n_y = (DIMS[dims][k] for k in ("n_x", "m", "T_x", "n_a", "n_y"))
    rng = np.random.default_rng(seed)
    rnn_shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_y, n_a), "ba": (n_a, 1), "by": (n_y, 1)}
    lstm_shapes = {"Wy": (n_y, n_a), "by": (n_y, 1)}
    for gate in "fico":
        lstm_shapes |= {f"W{gate}": (n_a, n_a + n_x), f"b{gate}": (n_a, 1)}
    return {
        "x": rng.standard_normal((n_x, m, T_x)),
        "a0": rng.standard_normal((n_a, m)),
        "c_prev": rng.standard_normal((n_a, m)),
        "da": rng.standard_normal((n_a, m, T_x)),
        "dc_next": rng.standard_normal((n_a, m)),
        "rnn": {k: rng.standard_normal(shape) for k, shape in rnn_shapes.items()},
        "lstm": {k: rng.standard_normal(shape) for k, shape in lstm_shapes.items()},
    }


def answer(fns: dict, name: str, dims: str = "notebook-sized", seed: int = 0) -> dict:
    """What ``fns[name]`` gives on a case, as {label: array}; a backward runs on the caches of ``fns``' own forward."""
    c = case(dims, seed)
    xt, da_next = c["x"][:, :, 0], c["da"][:, :, 0]
    if name == "rnn_cell_forward":
        return dict(zip(("a_next", "yt_pred"), fns[name](xt, c["a0"], c["rnn"])))
    if name == "rnn_forward":
        return dict(zip(("a", "y_pred"), fns[name](c["x"], c["a0"], c["rnn"])))
    if name == "lstm_cell_forward":
        return dict(zip(("a_next", "c_next", "yt_pred"), fns[name](xt, c["a0"], c["c_prev"], c["lstm"])))
    if name == "lstm_forward":
        return dict(zip(("a", "y", "c"), fns[name](c["x"], c["a0"], c["lstm"])))
    if name == "rnn_cell_backward":
        return fns[name](da_next, fns["rnn_cell_forward"](xt, c["a0"], c["rnn"])[-1])
    if name == "rnn_backward":
        return fns[name](c["da"], fns["rnn_forward"](c["x"], c["a0"], c["rnn"])[-1])
    if name == "lstm_cell_backward":
        return fns[name](da_next, c["dc_next"], fns["lstm_cell_forward"](xt, c["a0"], c["c_prev"], c["lstm"])[-1])
    if name == "lstm_backward":
        return fns[name](c["da"], fns["lstm_forward"](c["x"], c["a0"], c["lstm"])[-1])
    raise ValueError(f"name={name!r} is not one of the eight functions {NAMES}")


def same(got: dict, expected: dict) -> bool:
    return set(got) == set(expected) and all(
        np.shape(got[k]) == np.shape(expected[k]) and np.allclose(got[k], expected[k], rtol=1e-9, atol=1e-12) for k in expected
    )


def assert_same(got: dict, expected: dict, what: str) -> None:
    assert set(got) == set(expected), f"{what}: keys {sorted(got)}, expected {sorted(expected)}"
    for k in expected:
        assert np.shape(got[k]) == np.shape(expected[k]), f"{what}: {k} shaped {np.shape(got[k])}, expected {np.shape(expected[k])}"
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-9, atol=1e-12, err_msg=f"{what}: {k}")


def renamed(got: dict, names: dict) -> dict:
    return {names.get(k, k): v for k, v in got.items()}


def functions(namespace: dict, names=NAMES) -> dict:
    missing = [name for name in names if name not in namespace]
    assert not missing, f"missing {missing}"
    return {name: namespace[name] for name in names}


# -- the solution and the mistakes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", DIMS)
@pytest.mark.parametrize("name", NAMES)
def test_the_solution_equals_the_reference_on_random_inputs(name, dims):
    solution = functions(run_source(FOLDER / "solution.py"))
    for seed in range(3):
        assert_same(answer(solution, name, dims, seed), answer(REFERENCE, name, dims, seed), f"solution.{name}")


@pytest.mark.parametrize("name", NAMES)
def test_the_mistakes_with_none_switched_on_equal_the_reference(name):
    for dims in DIMS:
        assert_same(answer(MISTAKES.functions_with(), name, dims), answer(REFERENCE, name, dims), f"functions_with().{name}")


def test_the_table_of_changes_covers_every_mistake():
    assert set(CHANGES) == set(MISTAKES.MISTAKES)


@pytest.mark.parametrize("mistake", sorted(CHANGES))
def test_each_mistake_changes_the_functions_it_touches_and_leaves_the_others_equal(mistake):
    fns = MISTAKES.functions_with(mistake)
    assert set(fns) == set(NAMES)
    for name in NAMES:
        equal = same(answer(fns, name), answer(REFERENCE, name))
        assert equal == (name not in CHANGES[mistake]), f"{mistake} {'leaves' if equal else 'changes'} {name}"


def test_an_unknown_mistake_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown dlai-c5w1 mistakes \\['softmax_over_time'\\]; known: softmax_wrong_axis"):
        MISTAKES.functions_with("softmax_wrong_axis", "softmax_over_time")


def test_last_only_is_accepted_and_changes_nothing():
    fns = MISTAKES.functions_with("no_da_prev_carry", last_only=True)
    assert same(answer(fns, "rnn_forward"), answer(REFERENCE, "rnn_forward"))


# -- the .py fixtures --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mistake", sorted(CHANGES))
def test_a_bug_fixture_gives_what_its_mistake_gives(mistake):
    student = functions(run_source(FIXTURES / f"bug_{mistake}.py"))
    expected = MISTAKES.functions_with(mistake)
    for dims in DIMS:
        for name in NAMES:
            assert_same(answer(student, name, dims), answer(expected, name, dims), f"bug_{mistake}.py: {name}")


def test_the_older_versions_key_names_match_the_reference_once_mapped():
    student = functions(run_source(FIXTURES / "ok_backward_keys_from_an_older_version.py"))
    for name in NAMES:
        got = answer(student, name)
        if name in OLDER_KEYS:
            assert set(OLDER_KEYS[name]) <= set(got), f"{name} should use the older names {sorted(OLDER_KEYS[name])}"
        assert_same(renamed(got, OLDER_KEYS.get(name, {})), answer(REFERENCE, name), name)


# -- the notebooks -------------------------------------------------------------------------------------------------


def test_the_step_by_step_notebook_is_right_everywhere_and_only_the_public_test_cells_fail():
    namespace, raised = run_notebook(FIXTURES / "ok_step_by_step.ipynb")
    for name, fn in functions(namespace).items():
        assert_same(answer({**namespace, name: fn}, name), answer(REFERENCE, name), name)
    assert [str(error) for _, error in raised] == [f"name '{name}_test' is not defined" for name in FORWARD]
    cells = nbformat.read(FIXTURES / "ok_step_by_step.ipynb", as_version=4).cells
    assert any(output.get("output_type") == "stream" for cell in cells if cell.cell_type == "code" for output in cell.outputs)


def test_the_forward_only_notebook_is_right_forward_and_leaves_backward_undone():
    namespace, _ = run_notebook(FIXTURES / "ok_forward_only.ipynb")
    for name in FORWARD:
        assert_same(answer(namespace, name), answer(REFERENCE, name), name)
    assert "rnn_backward" not in namespace and "lstm_backward" not in namespace  # commented out
    assert answer(namespace, "rnn_cell_backward") is None and answer(namespace, "lstm_cell_backward") is None  # pass


def test_the_global_parameters_notebook_predicts_with_the_test_cells_weights():
    namespace, _ = run_notebook(FIXTURES / "bug_uses_global_parameters.ipynb")
    for name in ("rnn_cell_forward", "rnn_forward"):
        got, expected = answer(namespace, name), answer(REFERENCE, name)
        hidden, output = ("a_next", "yt_pred") if name == "rnn_cell_forward" else ("a", "y_pred")
        np.testing.assert_allclose(got[hidden], expected[hidden], rtol=1e-9)
        assert not np.allclose(got[output], expected[output]), f"{name}'s {output} should come from the globals"
    for name in set(NAMES) - {"rnn_cell_forward", "rnn_forward"}:
        assert_same(answer(namespace, name), answer(REFERENCE, name), name)
    for global_name in ("Wya", "by"):
        del namespace[global_name]
    with pytest.raises(NameError):
        answer(namespace, "rnn_cell_forward")


def test_the_partial_notebook_has_the_rnn_and_an_lstm_that_returns_none():
    namespace, _ = run_notebook(FIXTURES / "partial_lstm_pass.ipynb")
    for name in ("rnn_cell_forward", "rnn_forward"):
        assert_same(answer(namespace, name), answer(REFERENCE, name), name)
    c = case()
    assert namespace["lstm_cell_forward"](c["x"][:, :, 0], c["a0"], c["c_prev"], c["lstm"]) is None
    assert namespace["lstm_forward"](c["x"], c["a0"], c["lstm"]) is None
    assert not set(BACKWARD) & set(namespace)


def test_the_starter_defines_the_eight_functions_each_raising_not_implemented_with_its_name():
    namespace, raised = run_notebook(FOLDER / "starter.ipynb")
    assert raised == []
    cells = nbformat.read(FOLDER / "starter.ipynb", as_version=4).cells
    assert cells[1].source.splitlines()[:2] == ["import numpy as np", "from rnn_utils import *"]
    for name, fn in functions(namespace).items():
        arguments = list(inspect.signature(fn).parameters)
        assert arguments == list(inspect.signature(REFERENCE[name]).parameters)
        with pytest.raises(NotImplementedError, match=f"^{name}$"):
            fn(*[None] * len(arguments))


def test_the_readme_names_every_function_and_the_commands():
    text = (FOLDER / "README.md").read_text()
    for fragment in (*NAMES, "python grader.py check notebook.ipynb", "--assignment dlai-c5w1", "rnn_utils", "public_tests"):
        assert fragment in text


# -- rnn_utils -------------------------------------------------------------------------------------------------------


def test_rnn_utils_softmax_sums_to_one_over_axis_0_even_for_large_logits():
    z = np.random.default_rng(0).standard_normal((4, 6)) * 300
    p = RNN_UTILS.softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=0), np.ones(6))
    np.testing.assert_allclose(RNN_UTILS.softmax(z + 1000), p)


def test_rnn_utils_sigmoid_is_one_half_at_zero_and_symmetric():
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(RNN_UTILS.sigmoid(x) + RNN_UTILS.sigmoid(-x), np.ones(11))
    assert RNN_UTILS.sigmoid(0.0) == 0.5


def test_adams_first_step_moves_each_parameter_by_the_learning_rate_against_its_gradient():
    parameters = {"Wax": np.ones((2, 3)), "by": np.zeros((1, 1))}
    grads = {"dWax": np.array([[1.0, -2.0, 3.0], [-0.5, 0.1, 4.0]])}
    v, s = RNN_UTILS.initialize_adam(parameters)
    new, v2, s2 = RNN_UTILS.update_parameters_with_adam(parameters, grads, v, s, t=1, learning_rate=0.01)
    np.testing.assert_allclose(new["Wax"], 1 - 0.01 * np.sign(grads["dWax"]), rtol=1e-6)
    assert new["by"] is parameters["by"]  # no gradient: left as it is
    assert np.array_equal(parameters["Wax"], np.ones((2, 3))) and not v["dWax"].any()  # the inputs are unchanged
    np.testing.assert_allclose(v2["dWax"], 0.1 * grads["dWax"])
    np.testing.assert_allclose(s2["dWax"], 0.001 * grads["dWax"] ** 2)
