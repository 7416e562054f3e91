"""The "hello" character model: its loss gradient against finite differences and torch, and min-char-rnn training
reaching the slides' example ("RNN slides", "Example of sequential prediction")."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import char_rnn


@st.composite
def cases(draw):
    """x (N, T, V) of any bounded values, target indices (N, T), params and maybe h0."""
    N, T, V, H = draw(strategies.dims(batch=(1, 2), steps=(1, 4), features=(1, 4), hidden=(1, 3)))
    params = {k: draw(strategies.arrays(shape)) for k, shape in char_rnn.param_shapes(V, H).items()}
    x = draw(strategies.arrays((N, T, V)))
    targets = np.array(draw(st.lists(st.integers(0, V - 1), min_size=N * T, max_size=N * T))).reshape(N, T)
    h0 = draw(st.none() | strategies.arrays((N, H)))
    return x, targets, params, h0


@settings(max_examples=25)
@given(cases())
def test_loss_gradients_match_finite_differences(case):
    x, targets, params, h0 = case
    thetas = {k: np.array(v) for k, v in params.items()}

    def outputs():
        return (np.array(char_rnn.loss_and_grads(x, targets, thetas, h0)[0]),)

    numeric = numerical_gradients(outputs, thetas, (np.array(1.0),))
    assert_close(numeric, char_rnn.loss_and_grads(x, targets, params, h0)[1], atol=1e-8, rtol=1e-6, name="grads")


@given(cases())
def test_loss_gradients_and_final_state_match_torch(case):
    x, targets, params, h0 = case
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt = torch.tensor(x)
    h = torch.zeros(x.shape[0], params["Wh"].shape[0], dtype=torch.float64) if h0 is None else torch.tensor(h0)
    ys = []
    for t in range(x.shape[1]):
        h = torch.tanh(xt[:, t] @ p["Wx"] + h @ p["Wh"] + p["b"])
        ys.append(h @ p["Wy"] + p["by"])
    y = torch.stack(ys, dim=1)
    loss = torch.nn.functional.cross_entropy(y.reshape(-1, y.shape[-1]), torch.tensor(targets).reshape(-1))
    loss.backward()
    ours, grads, h_T = char_rnn.loss_and_grads(x, targets, params, h0)
    assert_close(loss.item(), ours, atol=1e-10, rtol=1e-13, name="loss")
    assert_close({k: v.grad.numpy() for k, v in p.items()}, grads, atol=1e-10, rtol=1e-13, name="grads")
    assert_close(h.detach().numpy(), h_T, atol=1e-10, rtol=1e-13, name="h_T")


def test_the_vocabulary_of_hello_is_h_e_l_o_in_order_of_first_appearance():
    assert char_rnn.vocabulary("hello") == "helo"
    assert np.array_equal(char_rnn.encode("hello", "helo"), [0, 1, 2, 2, 3])


def test_training_leaves_the_global_random_state_alone():
    state = np.random.get_state()
    char_rnn.train(iterations=3, seed=1)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_sampling_emits_length_characters_of_the_vocabulary():
    model = char_rnn.train(iterations=0, seed=0)
    out = char_rnn.sample(model, start="he", length=7)
    assert len(out) == 7 and set(out) <= set("helo")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: char_rnn.sample(m, start="x"), r"text='x' has characters \['x'\] outside the vocabulary 'helo'"),
        (lambda m: char_rnn.sample(m, start=""), "start='' should be a non-empty string"),
        (lambda m: char_rnn.sample(m, length=-1), "length=-1 should be an integer of at least 0"),
        (lambda m: char_rnn.train(text="h"), "text='h' should be a string of at least 2 characters"),
        (
            lambda m: char_rnn.loss_and_grads(np.zeros((1, 2, 4)), np.array([[0, 4]]), m.params),
            r"labels holds 4 at \[0, 1\]; expected integers in 0..3",
        ),
        (lambda m: char_rnn.forward(np.zeros((1, 2, 5)), m.params), r"params\['Wx'\] has shape \(4, 3\); expected \(5, 3\)"),
    ],
    ids=["start-outside-vocabulary", "empty-start", "negative-length", "text-too-short", "target-out-of-range", "x-of-wrong-width"],
)
def test_bad_arguments_name_the_argument_and_what_was_wanted(call, message):
    model = char_rnn.train(iterations=0, seed=0)
    with pytest.raises(ValueError, match=message):
        call(model)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trained_on_hello_the_loss_is_near_zero_and_greedy_sampling_from_h_gives_ello(seed):
    model = char_rnn.train(text="hello", hidden=3, iterations=1000, lr=0.1, seed=seed)
    codes = char_rnn.encode("hello", model.vocabulary)
    loss, _, _ = char_rnn.loss_and_grads(char_rnn.one_hot(codes[None, :-1], 4), codes[None, 1:], model.params)
    assert loss < 0.05
    assert char_rnn.sample(model, start="h", length=4) == "ello"
