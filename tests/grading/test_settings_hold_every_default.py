"""``grading.api.Settings`` is the one source of the defaults: the command line and the API's keywords take theirs from it."""

import dataclasses

import pytest

import grader
from grading import api
from grading.single import settled


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_the_command_lines_defaults_are_the_settings_defaults(command):
    args = grader._parser().parse_args([command, "x.py", "--out", "out"])
    assert grader._settings(args) == api.Settings()


def test_check_on_the_command_line_is_the_quick_check_of_the_api():
    args = grader._parser().parse_args(["check", "x.py"])
    assert grader._settings(args) == api.Settings.for_check()
    assert (api.Settings.for_check().max_examples, api.Settings.for_check().use_torch) == (api.CHECK_EXAMPLES, False)


def test_each_option_of_the_command_line_lands_in_its_field(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("a secret")
    options = ["--seed", "3", "--max-examples", "7", "--timeout", "9", "--memory", "512", "--realistic", "0.5"]
    args = grader._parser().parse_args(["batch", "x", "--out", "o", "--assignment", "lstm", "--seed-file", str(secret), *options])
    expected = api.Settings(assignment="lstm", seed=3, max_examples=7, timeout=9.0, memory_mb=512, realistic=0.5, secret="a secret")
    assert grader._settings(args) == expected


def test_a_keyword_of_the_api_changes_one_field_and_an_unknown_one_is_refused_by_name():
    base = api.Settings(seed=4)
    assert settled(base, "lstm", {"max_examples": 5}, default=api.Settings()) == dataclasses.replace(
        base, assignment="lstm", max_examples=5
    )
    with pytest.raises(TypeError, match="colour=1 is not a setting; the settings are assignment, seed"):
        api.grade("x.py", colour=1)


def test_a_secret_is_written_down_as_its_digest_only():
    shown = api.Settings(secret="a secret").public()
    assert (shown["seed"], shown["secret"], shown["seed_sha256"]) == (None, None, api.secret_seed("a secret")[1])
