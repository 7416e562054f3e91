"""How students name things: the alias tables that bind their parameter and attribute names to the contract's roles.

Names are compared normalised (``norm``: lower case, no underscores), so that ``W_x``, ``Wx`` and ``wx`` are one.
The tables hold the names seen in real Sprint 22 work, from the course's FC classes and from "Deep Learning from
Scratch 2"; a contract's own names always count too.
"""

from __future__ import annotations


def norm(name: str) -> str:
    """A name as the alias tables hold it: lower case, no underscores ("W_x" and "wx" are one)."""
    return name.lower().replace("_", "")


WEIGHT_ALIASES = {"Wx": {"wx", "w", "wxh", "wih"}, "Wh": {"wh", "u", "whh"}, "b": {"b", "bias", "bx", "bias0"}}
"""Each reference param's names as students write them, normalised (``norm``); a contract's own names are added."""
SIZE_ALIASES = {
    "D": {"nfeatures", "nfetures", "nnodes1", "inputsize", "ninput", "ninputs", "inputdim", "nin", "d", "features"},
    "H": {"nnodes", "nnodes2", "noutputfeatures", "hiddensize", "nhidden", "hiddendim", "units", "nunits", "nout", "h", "nodes"},
    "N": {"batchsize", "nbatch", "batch", "n"},
    "T": {"nsequences", "seqlen", "sequencelength", "timesteps", "nsteps", "t", "nseq"},
    "initializer": {"initializer", "initialiser", "init", "initializerw"},
    "optimizer": {"optimizer", "optimiser", "optim", "opt"},
    "activation": {"activation", "activator", "funcact", "act", "activationfunction"},
    "lr": {"lr", "learningrate", "alpha", "eta"},
}
INPUT_ALIASES = {
    "X": {"x", "xs", "inputs", "input", "xt", "seq", "data", "xbatch"},
    "h0": {"h0", "hprev", "h", "hinit", "hidden", "prevh", "hstate", "state", "hpre", "hlast", "hiddenstate", "initialh"},
}


def role_of(name: str, roles: dict[str, set[str]]) -> str | None:
    key = norm(name)
    return next((role for role, names in roles.items() if key in names), None)


def weight_role(name: str, weights: dict[str, str]) -> str | None:
    """The contract weight (its attribute name, "Wx") that a student's name stands for, or None."""
    key = norm(name)
    for attr, param in weights.items():
        if key == norm(attr) or key in WEIGHT_ALIASES.get(param, ()):
            return attr
    return None


def grad_role(name: str, contract: dict) -> str | None:
    """The contract gradient ("dWx") a student's attribute name stands for: "d" or "grad" and a weight's alias
    (``dW_x``, ``grad_Wx``), or a weight's alias and "grad"."""
    key = norm(name)
    stems = [key[len(prefix) :] for prefix in ("grad", "d") if key.startswith(prefix)]
    if key.endswith("grad"):
        stems.append(key[:-4])
    for stem in stems:
        weight = weight_role(stem, contract["weights"])
        if weight:
            return next(g for g, k in contract["grads"].items() if k == contract["weights"][weight])
    return None


def gradient_name(name: str) -> bool:
    """Whether a name reads like a gradient's: ``dW``, ``dB``, ``grads``, ``W_grad``."""
    key = norm(name)
    return key.startswith("d") or "grad" in key
