"""What the linter reports, as data: a ``Finding`` (with the ``Related`` places it is about) and
the ``Fix`` (its ``Edit`` of whole lines) it may carry.

The engine makes them (``pylint_keras_mp.engine``), the fixes attach and apply them
(``pylint_keras_mp.fixes``), both of which re-export them; the results cache, the output and the
front ends read them. Kept apart so that a run answered from the results cache shows its findings
without importing the engine, the facts or the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import registry
from .rule import Rule

SAFE, UNSAFE = "safe", "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)

# Appended to the message of a finding that has a fix, in every front end (by the Finding, from
# its fix's applicability).
FIXABLE_SUFFIX = {
    SAFE: " (fixable with keras-mp-lint --fix)",
    UNSAFE: " (fixable with keras-mp-lint --fix --unsafe-fixes)",
}


@dataclass(frozen=True)
class Related:
    """A second place a finding is about (the launch that runs a loader in processes...)."""

    line: int
    col: int  # 0-based, like ast
    message: str
    path: str | None = None  # the file; None: the finding's own


@dataclass(frozen=True, order=True)
class Finding:
    """One finding: where, which code, the message, its link and its fix."""

    line: int
    col: int  # 0-based, like ast
    code: str
    message: str  # what, why and fix, without code or link
    end_line: int | None = None
    end_col: int | None = None
    url: str = ""
    # In a notebook: the cell (1-based, counting every cell) and the lines of the notebook's
    # source before it; ``line`` and ``end_line`` are then lines of the cell.
    cell: int | None = None
    cell_offset: int = 0
    # The automatic fix (Fix), when the rule has one that certainly applies.
    fix: object = field(default=None, compare=False)
    # Other places the finding is about (Related), for editors; not part of the message. Rules
    # pass them to the Reporter as ``related=((line, col, message, file or None), ...)``.
    related: tuple = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # A finding with a fix ends its message by saying how keras-mp-lint applies it, and says
        # what the fix says: a fix whose applicability the settings change (extend-safe-fixes,
        # extend-unsafe-fixes) changes the claim too. A finding whose fix was dropped keeps it
        # (the host linters show what keras-mp-lint would fix).
        applicability = getattr(self.fix, "applicability", None)
        if applicability in FIXABLE_SUFFIX:
            message = self.message
            for suffix in FIXABLE_SUFFIX.values():
                if message.endswith(suffix):
                    message = message[: -len(suffix)]
            message += FIXABLE_SUFFIX[applicability]
            if message != self.message:
                object.__setattr__(self, "message", message)

    @property
    def rule(self) -> Rule:
        rule = registry.rule_of(self.code)
        if rule is None:
            raise KeyError(self.code)
        return rule

    @property
    def text(self) -> str:
        """The message with its link, as pylint shows it."""
        return f"{self.message} (see {self.url})" if self.url else self.message

    @property
    def full_text(self) -> str:
        """The message with code and link, as flake8 and keras-mp-lint show it."""
        return f"{self.code} {self.text}"


@dataclass(frozen=True)
class Edit:
    """Replace the whole lines ``start_line`` .. ``end_line - 1`` (1-based) with ``content``;
    ``start_line == end_line`` inserts before ``start_line``."""

    start_line: int
    end_line: int
    content: str

    def to_json(self) -> dict:
        return {
            "content": self.content,
            "location": {"row": self.start_line, "column": 1},
            "end_location": {"row": self.end_line, "column": 1},
        }


@dataclass(frozen=True)
class Fix:
    """The automatic fix of a finding: its edits, and whether applying them is safe."""

    code: str
    applicability: str
    message: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [edit.to_json() for edit in self.edits],
        }

    def overlaps(self, other: Fix) -> bool:
        return any(_overlap(a, b) for a in self.edits for b in other.edits)


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start_line == a.end_line == b.start_line == b.end_line:
        return False  # two insertions before the same line: both go in, one after the other
    return a.start_line <= b.end_line and b.start_line <= a.end_line
