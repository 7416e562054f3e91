"""NumPy reference implementations of the recurrent models the course teaches.

One module per model family, each a set of pure functions in float64:
``step_forward`` / ``step_backward`` for one time step and ``forward`` /
``backward`` for a whole batch-first sequence, every backward beside its
forward. Nothing here mutates its inputs, touches global random state or
imports torch; ``layout`` maps params to and from torch state dicts.

    rnn           Elman SimpleRNN (tanh, relu or sigmoid)
    lstm          LSTM, gate blocks i, f, g, o
    gru           GRU, PyTorch's formulation, blocks r, z, n
    stacked       stacked and bidirectional versions of the three, laid out as torch's
    layout        reference params <-> torch state dicts
    through_time  the weight-gradient sums every backward shares
"""
