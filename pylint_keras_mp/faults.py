"""Errors of the linter itself: contained (reported as KMP900) in use, raised under the strict
switch.

A question the analysis cannot answer because of the user's files (unreadable, undecodable,
unparsable, nested deeper than the interpreter goes) is unknown, and unknown is silent: those
are the ``USER_PROBLEMS``. Any other exception is a bug of the linter. It must never reach the
host linter, and it must never cost findings silently either: the layer where it happens records
it (``contain``) and goes on with what it knows, and the engine reports the first one recorded
while a file was analysed as KMP900 with its reason. With ``KERAS_MP_LINT_STRICT`` set (the test
suite sets it) the exception is raised instead, where it happened.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Iterator

STRICT = "KERAS_MP_LINT_STRICT"

# Exceptions that the user's files cause: reading (OSError), decoding (UnicodeError,
# LookupError for an unknown coding cookie), parsing (SyntaxError), and code nested deeper than
# the interpreter (or this linter's walks of it) can follow.
USER_PROBLEMS: tuple[type[BaseException], ...] = (
    OSError,
    UnicodeError,
    LookupError,
    SyntaxError,
    RecursionError,
    MemoryError,
)

_recorded: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "keras_mp_lint_faults", default=None
)
# Bugs met outside any analysis (a front end scanning the project before it starts workers):
# the next file analysed reports them.
_pending: list[str] = []


def strict() -> bool:
    """Whether a bug of the linter is raised instead of being reported as KMP900."""
    return os.environ.get(STRICT, "") not in ("", "0")


def describe(exc: BaseException) -> str:
    """``Type: message`` on one line; the type alone when the message cannot be printed."""
    if isinstance(exc, RecursionError):
        return "RecursionError: the module is nested too deeply"
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # an exception whose str() fails
        text = type(exc).__name__
    return " ".join(text.split())


def contain(where: str, exc: BaseException) -> None:
    """Record a bug met in ``where`` (raised again under the strict switch), so that the file
    being analysed gets a KMP900 for it. Call it from an ``except`` block."""
    if strict():
        raise exc
    recorded = _recorded.get()
    (_pending if recorded is None else recorded).append(f"{where} failed: {describe(exc)}")


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    """The bugs contained while the block runs (nested blocks collect into the outermost)."""
    outer = _recorded.get()
    if outer is not None:
        yield outer
        return
    recorded: list[str] = _pending[:]
    _pending.clear()
    token = _recorded.set(recorded)
    try:
        yield recorded
    finally:
        _recorded.reset(token)
