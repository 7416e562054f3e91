"""Real submissions, as students write them: the grader finds what implements the assignment and how to call it,
grades it with the same checks, and says in one line how it was called.

Each fixture in tests/fixtures/real_world/ is written in the style of real Sprint 22 work (other class names,
constructors, weight names, optimizers, globals, missing imports). Expected scores are per problem, in the quick
check (no torch parity): problem1 of 40, problem2 of 15, problem3 of 28. A correct forward that takes no h0 loses
forward_with_initial_state (5) as any contract submission would; a submission with no backward loses problem3.
"""

import csv
import time
from pathlib import Path

import pytest

from grading import api, interface
from checks.session import MalformedReply

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real_world"

FULL, NO_H0, NO_BACKWARD = (40, 15, 28), (35, 15, 28), (35, 15, 0)
EXPECTED = {
    # file: ((problem1, problem2, problem3), a fragment of the report's line on how it was called)
    "ok_swapped_constructor_w_x_names.py": (NO_H0, "built as `(n_nodes, n_features)`"),
    "bug_swapped_constructor_no_dh_carry.py": ((35, 15, 0), "gradients read from `dW_x`, `dW_h`, `dB`"),
    "ok_fc_style_initializer_optimizer.py": (NO_H0, "`(n_nodes1, n_nodes2, initializer, optimizer, activation)`"),
    "bug_fc_style_db_averaged.py": ((35, 15, 15), "gradients summed from what backward hands its optimizer"),
    "ok_dlfs_rnn_and_timernn.py": (FULL, "`forward(x, h_prev)` is one step, looped over time by the grader"),
    "ok_dlfs_rnn_step_only.py": (FULL, "weights set as `params[0]`, `params[1]`, `params[2]`"),
    "bug_dlfs_rnn_step_dwh_uses_h_t.py": ((40, 15, 15), "gradients read from `grads[0]`, `grads[1]`, `grads[2]`"),
    "ok_weights_passed_in_any_order.py": (NO_H0, "built as `(W_x, B, W_h, batch_size, n_sequences)`"),
    "ok_no_arguments_weights_assigned_after.py": (NO_H0, "built as `()`"),
    "ok_weights_hard_coded_in_init.py": (NO_BACKWARD, "weights set as `w_x`, `w_h`, `b`"),
    "bug_weights_ignored_constants_in_forward.py": ((0, 15, 0), "graded `SimpleRNN`"),
    "ok_params_dict.py": (FULL, "`params['Wx']`"),
    "ok_network_dict.py": (NO_H0, "graded `Recurrent`"),
    "ok_bias_row_vector.py": (NO_H0, "gradients read from `dw_x`, `dw_h`, `db`"),
    "ok_forward_x_h_prev_sequence.py": (FULL, "`forward(x, h_prev)` returns every h"),
    "ok_forward_weights_as_arguments.py": (NO_BACKWARD, "Wx, Wh passed as arguments"),
    "ok_fit_runs_forward.py": (NO_BACKWARD, "`fit(X)` returns every h"),
    "ok_call_dunder.py": (NO_BACKWARD, "`__call__(X)` returns every h"),
    "ok_function_rnn.py": (NO_BACKWARD, "graded `rnn`: `rnn(x, w_x, w_h, b)`"),
    "bug_function_forward_reads_globals.py": ((0, 15, 0), "graded `forward`"),
    "ok_returns_tuple_last_and_all.py": (NO_H0, "as item 1 of what it returns"),
    "ok_returns_tuple_all_and_last.py": (NO_H0, "as item 0 of what it returns"),
    "ok_time_major_output.py": (NO_BACKWARD, "time-major (n_sequences, batch, n_nodes), read transposed"),
    "ok_float32.py": (NO_BACKWARD, "graded `SimpleRNN`"),
    "ok_backward_returns_tuple.py": (NO_H0, "gradients read from what backward returns"),
    "ok_optimizer_updated_every_step.py": (NO_H0, "a recording optimizer (learning rate 0)"),
    "ok_backward_subtracts_lr.py": (NO_H0, "recovered from the weight change backward makes with learning rate 1"),
    "ok_own_optimizer_computes_gradient.py": (NO_H0, "its own optimizer `SGD`"),
    "bug_reads_global_batch_size.py": ((0, 15, 0), ""),  # the contract, graded as published, with a note on its globals
    "ok_imports_pandas_matplotlib_seaborn_and_colab.py": (FULL, ""),
    "ok_keras_import_refused.py": (FULL, ""),
    "ok_classifier_wrapper_holds_rnn.py": (NO_H0, "graded `ScratchSimpleRNNClassifier.rnn`"),
    "bug_scratch_rnn_relu.py": ((20, 0, 8), "graded `ScratchRNN`"),
    "inline_forward_only.ipynb": ((0, 0, 0), ""),
    "ok_notebook_scratchrnn.ipynb": (NO_H0, "graded `ScratchRNN`: built as `(n_nodes, n_features)`"),
}


@pytest.fixture(scope="module")
def reports():
    return {name: api.check(REAL / name, "dic-sprint22") for name in EXPECTED}


def test_the_corpus_holds_every_fixture_and_no_other():
    assert sorted(p.name for p in REAL.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_submission_gets_its_scores_and_says_how_it_was_called(reports, name):
    scores, fragment = EXPECTED[name]
    report = reports[name]
    assert tuple(p.score for p in report.problems) == scores, [(c.name, c.status, c.message[:120]) for _, c in report.checks]
    assert fragment in report.binding
    if report.binding:
        assert (
            report.binding.startswith("graded `") and "interface: SimpleRNN adapted to the submission's own names and calls" in report.notes
        )


def test_a_submission_written_to_the_contract_is_graded_as_published_with_no_binding_line():
    report = api.check(Path(api.__file__).resolve().parents[1] / "assignments" / "dic_sprint22" / "solution.py")
    assert report.binding == "" and report.score == 83
    assert "interface: SimpleRNN graded as the published contract" in report.notes


def test_strict_keeps_to_the_published_contract_and_says_so(reports):
    strict = api.check(REAL / "ok_swapped_constructor_w_x_names.py", "dic-sprint22", interface="strict")
    assert strict.binding == "" and strict.problems[0].score == 0
    assert "interface: strict, the published contract only (class names, constructor, weight names)" in strict.notes
    assert reports["ok_swapped_constructor_w_x_names.py"].problems[0].score == 35


def test_weights_the_grader_cannot_give_cost_the_problems_that_need_them_once_and_say_why(reports):
    fixed, from_globals = reports["bug_weights_ignored_constants_in_forward.py"], reports["bug_function_forward_reads_globals.py"]
    assert fixed.problems[0].error == (
        "SimpleRNN.forward gives the same output whatever weights the grader sets: its weights are fixed inside it "
        "(hard-coded, or read from the notebook's globals)"
    )
    assert from_globals.problems[0].error.startswith("the grader found nowhere to give forward the weights Wx, Wh, B")
    assert from_globals.problems[1].checks[0].status == "passed"  # the experiment runs on the published weights it reads
    assert any(n.startswith("forward reads the notebook's globals `batch_size` (use X.shape[0])") for n in from_globals.notes)


def test_a_forward_that_reads_global_sizes_is_named_beside_the_failures_it_causes(reports):
    report = reports["bug_reads_global_batch_size.py"]
    assert any("reads the notebook's globals `batch_size` (use X.shape[0]), `n_nodes`" in n for n in report.notes)
    assert report.problems[0].checks[0].status == "error"


def test_a_file_runs_statement_by_statement_and_lists_what_it_skipped(reports):
    report = reports["ok_imports_pandas_matplotlib_seaborn_and_colab.py"]
    skipped = [w for w in report.warnings if "that statement was skipped and the rest of the file ran" in w]
    # pandas, seaborn, sklearn, tqdm, google.colab, and pd.read_csv; matplotlib is the grader's own dependency, so it imports
    assert len(skipped) == 6 and not any("No module named 'matplotlib'" in w for w in skipped)
    assert any("No module named 'pandas'" in w for w in skipped)
    assert any("refused import of keras" in w for w in reports["ok_keras_import_refused.py"].warnings)


def test_inline_code_gets_no_callable_forward_found_with_what_was_found_instead(reports):
    report = reports["inline_forward_only.ipynb"]
    assert report.status == "error" and "no callable forward found" in report.problems[0].error


def test_the_gradebook_says_how_each_submission_was_called(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    for name in ("ok_function_rnn.py", "ok_params_dict.py"):
        (cohort / name.replace(".py", "")).mkdir()
        (cohort / name.replace(".py", "") / name).write_bytes((REAL / name).read_bytes())
    api.batch(cohort, "dic-sprint22", out=tmp_path / "out", max_examples=5, use_torch=False, jobs=1)
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert rows["ok_function_rnn"]["notes"].startswith("graded `rnn`: `rnn(x, w_x, w_h, b)` returns every h")
    assert rows["ok_params_dict"]["notes"].startswith("graded `SimpleRNN`: built as `(n_features, n_nodes)`")


def test_a_malformed_candidate_from_the_worker_is_refused():
    for wire in ({"candidates": "all"}, {"candidates": [{"outputs": []}]}, {"candidates": [{"outputs": [None], "binding": []}]}):
        with pytest.raises(MalformedReply):
            interface.candidates(wire, 1)


def test_a_probe_that_hangs_costs_the_submission_its_own_time_and_says_where(tmp_path):
    (tmp_path / "hangs.py").write_text(
        "class RNN:\n"
        "    def __init__(self, n_features, n_nodes):\n"
        "        pass\n\n"
        "    def forward(self, X):\n"
        "        while True:\n"
        "            pass\n"
    )
    started = time.monotonic()
    report = api.check(tmp_path / "hangs.py", "dic-sprint22", timeout=2.0)
    assert report.status == "timeout" and report.reason.startswith("timed out while finding how to call the submission")
    assert time.monotonic() - started < 2.0 + 2.5


def test_a_probe_that_kills_the_worker_leaves_the_contracts_reasons_and_a_note(tmp_path):
    (tmp_path / "dies.py").write_text("import os\n\n\ndef rnn(x, w_x, w_h, b):\n    os._exit(3)\n")
    report = api.check(tmp_path / "dies.py", "dic-sprint22")
    assert report.status == "error" and report.problems[0].error.startswith("no class SimpleRNN; found classes: none")
    assert any(n.startswith("finding how to call the submission stopped: worker exited (exit code 3)") for n in report.notes)
