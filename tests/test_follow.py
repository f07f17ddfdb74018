"""Every walk from an expression to what it stands for shares one bound and one cycle check
(facts/follow.py): a chain longer than ``FOLLOW_DEPTH`` or a cycle is unknown, and no module of
the facts, the rules or the project layer keeps a depth limit of its own."""

from __future__ import annotations

import ast
import re

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.facts import ModuleFacts
from pylint_keras_mp.facts.follow import FOLLOW_DEPTH, step, too_deep
from tests.fixture_support import ROOT


def _facts(source: str) -> ModuleFacts:
    return ModuleFacts(ast.parse(source), source, "m.py", Options())


def _chain(length: int) -> str:
    """``n0 = 3``, then ``n1 = n0`` ...: ``n{length}`` reaches the constant in ``length + 1``
    lookups of a name."""
    return "n0 = 3\n" + "".join(f"n{i} = n{i - 1}\n" for i in range(1, length + 1))


def test_step_stops_at_a_cycle_and_at_the_bound():
    passed = step(frozenset(), "a")
    assert passed == {"a"}
    assert step(passed, "a") is None  # been there: a cycle
    assert step(passed, "b") == {"a", "b"}
    deep = frozenset(range(FOLLOW_DEPTH + 1))
    assert step(deep, "new") is None
    assert step(frozenset(range(FOLLOW_DEPTH)), "new") is not None
    assert not too_deep(FOLLOW_DEPTH) and too_deep(FOLLOW_DEPTH + 1)


@pytest.mark.parametrize("hops", [FOLLOW_DEPTH - 2, FOLLOW_DEPTH - 1])
def test_a_chain_within_the_bound_is_followed(hops):
    facts = _facts(_chain(hops))
    value, _ = facts.resolver.follow(ast.Name(id=f"n{hops}", ctx=ast.Load()), None)
    assert isinstance(value, ast.Constant) and value.value == 3
    assert facts.resolver.resolve(ast.Name(id=f"n{hops}", ctx=ast.Load())) == 3


def test_a_longer_chain_and_a_cycle_are_unknown():
    facts = _facts(_chain(FOLLOW_DEPTH))
    assert facts.resolver.follow(ast.Name(id=f"n{FOLLOW_DEPTH}", ctx=ast.Load()), None) == (None, None)
    cycle = _facts("a = b\nb = a\n")
    assert cycle.resolver.follow(ast.Name(id="a", ctx=ast.Load()), None) == (None, None)


# a comparison of a depth counter with a number: a limit of its own instead of ``too_deep``
_OWN_LIMIT = re.compile(r"\b_?depth\s*[<>]=?\s*\d")


@pytest.mark.parametrize("folder", ["facts", "rules", "project"])
def test_no_walk_keeps_a_depth_limit_of_its_own(folder):
    own = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "pylint_keras_mp" / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OWN_LIMIT.search(line)
    ]
    assert not own, "\n".join(own)
