"""The one bound and the one cycle check of every walk from an expression to what it stands for.

``Resolver.follow`` takes a name to its single binding, hop by hop; the walks built on it (a
literal value, a data kind, a worker switch, a base class's dotted name, the loader bases of an
installed class, a re-export in the project) go on through calls, attributes and wrappers. Each
counts its steps against ``FOLLOW_DEPTH`` (``too_deep``) and, where a step can come back to where
it started (a class, an installed name), carries what it has passed (``step``): a longer chain or
a cycle is unknown, never a guess.
"""

from __future__ import annotations

from typing import Hashable

# Steps any walk takes before giving up: a longer chain is unknown.
FOLLOW_DEPTH = 8


def too_deep(depth: int) -> bool:
    """A walk ``depth`` steps from where it started has gone too far."""
    return depth > FOLLOW_DEPTH


def step(passed: frozenset, here: Hashable) -> frozenset | None:
    """What a walk has passed, with ``here`` added; None when it passed ``here`` already (a
    cycle) or has gone too far."""
    if here in passed or too_deep(len(passed)):
        return None
    return passed | {here}
