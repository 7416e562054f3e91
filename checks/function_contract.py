"""A function contract: one of a course's functions, its arguments and what it returns, shapes in dimension letters.

An assignment declares each graded function in a line or two:

    STEP = forward_function("rnn_step_forward", ("x: N D", "prev_h: N H", "Wx: D H", "Wh: H H", "b: H"),
                            ("next_h: N H", "cache"), reference=cs231n.rnn_step_forward, library="cs231n")
    STEP_BACK = backward_function(STEP, "rnn_step_backward", ("dnext_h", "cache"),
                                  ("dx", "dprev_h", "dWx", "dWh", "db"), reference=cs231n.rnn_step_backward)

Letters: N batch (the course's m), T time steps, D features (n_x), H hidden units (n_a), V vocabulary, Y outputs
(n_y). A shape token is a letter, an integer, a multiple ("4H") or a sum ("H+D"). "x: N T < V" holds integer indices
below V. A dict argument lists its keys: "parameters: {Wax: H D, ba: H 1}". "cache" (or "caches") is opaque: it
stays in the worker and is handed back to the student's own backward.

A backward's upstream arguments are named "d" + an output of its forward ("dnext_h" is the gradient of next_h), and
each gradient it returns "d" + an argument of its forward or a key of the forward's dict argument ("dWax" is the
gradient of parameters["Wax"]), so that its shapes, its finite differences and its torch answers follow from its
forward's declaration. A backward that returns a dict (``returns_dict``) may use other key names for the same
gradient (``aliases``), as a course's versions do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from checks.memo import digest

Array = npt.NDArray[np.float64]
OPAQUE = frozenset({"cache", "caches"})
LETTERS = {"N": "batch", "T": "steps", "D": "features", "H": "hidden", "V": "vocabulary", "Y": "outputs"}


@dataclass(frozen=True)
class Arg:
    """One argument or returned value: its name and shape tokens, the keys of a dict, or indices below a letter."""

    name: str
    shape: tuple[str, ...] = ()
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    below: str = ""

    @property
    def opaque(self) -> bool:
        return self.name in OPAQUE

    @property
    def is_dict(self) -> bool:
        return bool(self.keys)


_TOKEN = re.compile(r"^(\d*)([A-Z]?)$")


def size(token: str, dims: Mapping[str, int]) -> int:
    """The length a shape token stands for: "H" -> dims["H"], "4H" -> 4 dims["H"], "H+D", "1"."""
    total = 0
    for term in token.split("+"):
        match = _TOKEN.match(term.strip())
        if match is None or not (match.group(1) or match.group(2)):
            raise ValueError(f"shape token {token!r}: each term is a letter, an integer or a multiple such as 4H")
        count, letter = match.groups()
        total += (int(count) if count else 1) * (dims[letter] if letter else 1)
    return total


def axis_names(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Each shape token with what its letter stands for: ("N", "T", "4H") -> ("N (batch)", "T (steps)", "4H (4·hidden)")."""
    named = []
    for token in tokens:
        match = _TOKEN.match(token)
        count, letter = match.groups() if match else ("", "")
        named.append(f"{token} ({count + '·' if count else ''}{LETTERS[letter]})" if letter in LETTERS and letter else token)
    return tuple(named)


def shape_of(tokens: tuple[str, ...], dims: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(size(t, dims) for t in tokens)


def parse(spec: str) -> Arg:
    """ "x: N D" -> Arg("x", ("N", "D")); "cache" -> Arg("cache"); "x: N T < V"; "parameters: {Wax: H D, ba: H 1}"."""
    name, _, rest = (part.strip() for part in spec.partition(":"))
    if not name.isidentifier():
        raise ValueError(f"{spec!r}: an argument is declared as 'name: shape letters', such as 'x: N D'")
    if rest.startswith("{"):
        if not rest.endswith("}"):
            raise ValueError(f"{spec!r}: a dict argument's keys go between braces")
        keys = tuple((key.name, key.shape) for key in (parse(part) for part in rest[1:-1].split(",")))
        return Arg(name, keys=keys)
    shape, _, below = (part.strip() for part in rest.partition("<"))
    return Arg(name, tuple(shape.split()), below=below)


@dataclass(frozen=True)
class FunctionContract:
    """One graded function of a course: how it is called, what it returns, and the reference that says what is right.

    ``forward``: for a backward, the forward whose cache it takes. ``torch``: torch's answers for a case
    (``checks.course_torch``), None where torch has no such layer. ``loop``: for a sequence function, the step
    function that makes it up, and how (``Loop``). ``library``: the mistakes library the diagnosis replays.
    """

    name: str
    args: tuple[Arg, ...]
    returns: tuple[Arg, ...]
    reference: Callable
    library: str
    forward: FunctionContract | None = None
    returns_dict: bool = False
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    hints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    torch: Callable | None = None
    loop: Loop | None = None
    differentiated: tuple[str, ...] = ()
    """A forward's outputs whose gradients its backward takes (none named: every output); only those are drawn."""

    @property
    def cls(self) -> str:
        """The name a grading keys what it learns of a graded unit by (a class's name, or here the function's)."""
        return self.name

    @cached_property
    def inputs(self) -> tuple[Arg, ...]:
        """The arguments a case draws: the forward's (a backward's own are its upstream and the cache)."""
        source = self.forward or self
        return tuple(a for a in source.args if not a.opaque)

    @cached_property
    def outputs(self) -> tuple[Arg, ...]:
        """What the grader reads of the answer: every return but the cache."""
        return tuple(r for r in self.returns if not r.opaque)

    @cached_property
    def upstream(self) -> tuple[Arg, ...]:
        """A backward's gradient arguments, each shaped as the forward output it is the gradient of."""
        if self.forward is None:
            return ()
        made = {r.name: r for r in self.forward.returns}
        return tuple(Arg(a.name, made[a.name[1:]].shape) for a in self.args if not a.opaque)

    @cached_property
    def cache_index(self) -> int:
        """Where the forward's tuple holds its cache."""
        return next(i for i, r in enumerate(self.returns) if r.opaque)

    def hint(self, topic: str) -> str:
        return self.hints.get(topic, "")

    def target(self, gradient: str) -> tuple[str, str | None]:
        """A backward's gradient as (argument of its forward, key of that dict argument or None): "dWax" ->
        ("parameters", "Wax")."""
        wanted = gradient[1:]
        for arg in self.inputs:
            if arg.name == wanted:
                return arg.name, None
            if any(key == wanted for key, _ in arg.keys):
                return arg.name, wanted
        raise ValueError(f"{self.name} returns {gradient}, the gradient of nothing {self.forward.name} takes")


@dataclass(frozen=True)
class Loop:
    """How a sequence function is made of its step: ``step`` is called at each time step on ``time`` (step argument ->
    the sequence's argument and its time axis), ``carry`` (step argument -> the step output it takes from the step
    before), starting from ``start`` (step argument -> the sequence's argument, or None for zeros); ``stack``
    (sequence output -> step output) is stacked along ``axis``."""

    step: FunctionContract
    time: Mapping[str, tuple[str, int]]
    carry: Mapping[str, str]
    start: Mapping[str, str | None]
    stack: Mapping[str, str]
    axis: int


def _parsed(specs: tuple[str, ...]) -> tuple[Arg, ...]:
    return tuple(parse(s) for s in specs)


def forward_function(
    name: str, args: tuple[str, ...], returns: tuple[str, ...], *, reference: Callable, library: str, **options: Any
) -> FunctionContract:
    """A forward function's contract from its declaration (see the module docstring)."""
    return FunctionContract(name, _parsed(args), _parsed(returns), reference, library, **options)


def backward_function(
    forward: FunctionContract, name: str, args: tuple[str, ...], returns: tuple[str, ...], *, reference: Callable, **options: Any
) -> FunctionContract:
    """A backward's contract: its gradients' shapes are those of the forward's arguments they differentiate."""
    contract = FunctionContract(name, _parsed(args), (), reference, forward.library, forward=forward, **options)
    made = forward.differentiated or tuple(r.name for r in forward.outputs)
    for arg in contract.args:
        if not arg.opaque and arg.name[1:] not in made:
            raise ValueError(f"{name}'s argument {arg.name} is the gradient of nothing {forward.name} returns ({', '.join(made)})")
    grads = []
    for gradient in returns:
        arg, key = contract.target(gradient)
        source = next(a for a in contract.inputs if a.name == arg)
        grads.append(Arg(gradient, dict(source.keys)[key] if key else source.shape))
    return FunctionContract(name, contract.args, tuple(grads), reference, forward.library, forward=forward, **options)


class FunctionCase(NamedTuple):
    """The inputs of one call: the dimensions, the forward's arguments by name, and a backward's upstream gradients.

    ``key`` is the digest of all of it (``checks.memo.digest``), taken once when the case is made (``function_case``):
    every check of a problem looks up its expected values by it.
    """

    dims: tuple[tuple[str, int], ...]
    inputs: dict[str, Any]
    upstream: dict[str, Array]
    key: bytes

    @property
    def sizes(self) -> dict[str, int]:
        return dict(self.dims)


def function_case(dims: Mapping[str, int], inputs: dict[str, Any], upstream: dict[str, Array]) -> FunctionCase:
    """A case with its digest taken."""
    ordered = tuple(sorted(dims.items()))
    return FunctionCase(ordered, inputs, upstream, digest((ordered, inputs, upstream)))


def arguments(contract: FunctionContract, inputs: Mapping[str, Any]) -> tuple:
    """A forward's arguments in its order, from a case's inputs by name."""
    return tuple(inputs[a.name] for a in contract.args)


def answer_of(contract: FunctionContract, returned: Any) -> dict[str, Any]:
    """What the reference (or a known answer) returned, by output name: a tuple's positions, a dict's keys, or a bare value."""
    if contract.returns_dict:
        return {r.name: returned[r.name] for r in contract.returns}
    if len(contract.returns) == 1:
        return {contract.returns[0].name: returned}
    return {r.name: v for r, v in zip(contract.returns, returned) if not r.opaque}


def expected(contract: FunctionContract, case: FunctionCase) -> dict[str, Array]:
    """The reference's outputs for the case, by name: a forward's, or a backward's gradients after its forward."""
    if contract.forward is None:
        return answer_of(contract, contract.reference(*arguments(contract, case.inputs)))
    forward = contract.forward
    made = forward.reference(*arguments(forward, case.inputs))
    cache = made[forward.cache_index]
    upstream = [case.upstream[a.name] for a in contract.args if not a.opaque]
    return answer_of(contract, contract.reference(*upstream, cache))
