"""NumPy reference implementations of the recurrent models the course teaches.

One module per model family, each a set of pure functions in float64:
``step_forward`` / ``step_backward`` for one time step and ``forward`` /
``backward`` for a whole batch-first sequence, every backward beside its
forward. Nothing here mutates its inputs, touches global random state or
imports torch; ``layout`` maps params to and from torch state dicts.

Recurrent cells
    rnn           Elman SimpleRNN (tanh, relu or sigmoid)
    lstm          LSTM (gate blocks i, f, g, o)
    lstm_peephole LSTM whose gates see the cell state through peephole weights
    lstm_coupled  LSTM with its input gate coupled to its forget gate, i = 1 - f
    gru           GRU in torch's form
    gru_cho       GRU in Cho et al.'s form (reset gate before the matmul)
    cells         the registry of the cell kinds "rnn", "lstm", "gru": shapes, states, torch layout
    jordan        Jordan network: the context is the previous output
    linear_rnn    a linear RNN as a moving average of past inputs
    stacked       stacked and bidirectional rnn, lstm and gru, laid out as torch's
Building blocks and architectures
    layers        embedding, dense, sigmoid, softmax, and the losses
    attention     additive (Bahdanau), dot and general (Luong) soft attention
    models        many-to-one, many-to-many, one-to-many, and ScratchSimpleRNNClassifier
    seq2seq       encoder-decoder with teacher forcing, greedy and beam-search decoding
Training
    training      clipping, SGD, Adagrad, BPTT, truncated BPTT, RTRL, Jacobian norms
    through_time  the weight-gradient sums every backward shares
Course examples
    char_rnn      the "hello" character model
    binary_adder  the RNN that adds binary numbers bit by bit
Energy-based networks and text
    hopfield      Hopfield network: Hebbian storage, recall, energy
    boltzmann     restricted and general Boltzmann machines
    text          bag of words and TF-IDF
Plumbing
    activations, validation, layout
"""
