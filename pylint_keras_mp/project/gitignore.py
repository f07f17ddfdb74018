"""The ``.gitignore`` files of a project, read while its folders are listed: what they exclude
is not part of the project (the scan does not read it), as Ruff and git see it.

The patterns follow gitignore(5): ``#`` comments, ``!`` to include again, a trailing ``/`` for
folders only, a ``/`` at the start or in the middle anchoring the pattern to the folder of its
``.gitignore``, ``*``, ``?``, ``[...]`` and ``**``. The last matching pattern decides; a file in
an excluded folder stays excluded (git cannot include it again either). ``.git/info/exclude`` and
the user's global excludes file are not read.
"""

from __future__ import annotations

import os

# Patterns are matched without backtracking regular expressions: a pattern with many ``*``
# (``*_*_*_*_*_*_*_*_*.bak``) makes a regular expression engine try every way to split a name,
# which takes seconds per name or forever. A path is split at ``/`` into its components, each
# component matched by a wildcard matcher that tries each ``*`` once (time: name length times
# pattern length), and ``**`` spans components the same way.

class _Star:
    """``*``: any run of characters within a component."""

    def __repr__(self) -> str:
        return "*"


_STAR = _Star()


class _Segment:
    """One ``/``-free part of a pattern: literal characters, ``?``, ``[...]`` and ``*``."""

    def __init__(self, tokens: list):
        # consecutive stars are one star (git: "other consecutive asterisks are considered
        # regular asterisks")
        merged: list = []
        for token in tokens:
            if not (token is _STAR and merged and merged[-1] is _STAR):
                merged.append(token)
        self.tokens = merged
        self.literal = "".join(merged) if all(isinstance(t, str) for t in merged) else None

    def matches(self, text: str) -> bool:
        if self.literal is not None:
            return text == self.literal
        tokens = self.tokens
        t = p = 0
        star = -1  # the position after the last star seen, and where its match started
        star_t = 0
        while t < len(text):
            if p < len(tokens) and tokens[p] is _STAR:
                star, star_t = p + 1, t
                p += 1
            elif p < len(tokens) and _one(tokens[p], text[t]):
                t += 1
                p += 1
            elif star >= 0:
                # the last star takes one more character; what follows it starts again
                star_t += 1
                t, p = star_t, star
            else:
                return False
        while p < len(tokens) and tokens[p] is _STAR:
            p += 1
        return p == len(tokens)


def _one(token, char: str) -> bool:
    """Whether a single-character token (a literal, ``?`` or a class) matches ``char``."""
    if isinstance(token, str):
        return token == char
    return token(char)


class _Class:
    """``[...]``: a set of characters and ranges, perhaps negated."""

    def __init__(self, members: str, negated: bool):
        self.negated = negated
        self.chars: set[str] = set()
        self.ranges: list[tuple[str, str]] = []
        i = 0
        while i < len(members):
            char = members[i]
            if char == "\\" and i + 1 < len(members):
                char = members[i + 1]
                i += 1
            if i + 2 < len(members) and members[i + 1] == "-":
                self.ranges.append((char, members[i + 2]))
                i += 3
                continue
            self.chars.add(char)
            i += 1

    def __call__(self, char: str) -> bool:
        inside = char in self.chars or any(low <= char <= high for low, high in self.ranges)
        return char != "/" and inside != self.negated


def _any_char(char: str) -> bool:
    return char != "/"


def _class_end(pattern: str, start: int) -> int | None:
    """The index of the ``]`` that closes the class opened at ``start``: after an optional
    ``!`` or ``^``, a first ``]`` is a member, and ``\\]`` is an escaped one."""
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return None


def _split(glob: str) -> list[str]:
    """The ``/``-separated parts of a glob; a ``/`` inside a ``[...]`` class does not split."""
    parts, start, i = [], 0, 0
    while i < len(glob):
        if glob[i] == "\\":
            i += 2
            continue
        if glob[i] == "[":
            end = _class_end(glob, i)
            if end is not None:
                i = end + 1
                continue
        if glob[i] == "/":
            parts.append(glob[start:i])
            start = i + 1
        i += 1
    parts.append(glob[start:])
    return parts


def _segment(pattern: str) -> _Segment:
    """The matcher of one ``/``-free glob."""
    tokens: list = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            tokens.append(_STAR)
            i += 1
        elif char == "?":
            tokens.append(_any_char)
            i += 1
        elif char == "[":
            end = _class_end(pattern, i)
            if end is None:
                # git's wildmatch: a "[" without its "]" makes the pattern match nothing
                tokens.append(_Class("", False))
                break
            members = pattern[i + 1 : end]
            negated = members[:1] in ("!", "^")
            tokens.append(_Class(members[1:] if negated else members, negated))
            i = end + 1
        elif char == "\\" and i + 1 < len(pattern):
            tokens.append(pattern[i + 1])
            i += 2
        else:
            tokens.append(char)
            i += 1
    return _Segment(tokens)


_ANY_ONE = _Segment([_STAR])  # exactly one component, whatever its name
_ANY_DEPTH = "**"  # zero or more components


class Pattern:
    """A gitignore glob, matched against a path relative to its ``.gitignore``'s folder."""

    def __init__(self, glob: str, anchored: bool):
        parts = _split(glob)
        segments: list = [_ANY_DEPTH if part == "**" else _segment(part) for part in parts]
        if len(segments) > 1 and segments[-1] is _ANY_DEPTH:
            segments[-1:] = [_ANY_ONE, _ANY_DEPTH]  # "abc/**": what is inside, not abc itself
        if not anchored:
            segments.insert(0, _ANY_DEPTH)  # at any depth
        # collapse repeated "**"
        self.segments = [
            s for i, s in enumerate(segments) if not (s is _ANY_DEPTH and i and segments[i - 1] is _ANY_DEPTH)
        ]

    def match(self, relative: str) -> bool:
        names = relative.split("/")
        segments = self.segments
        # the same walk as a component's wildcards, "**" spanning whole components
        n = p = 0
        star, star_n = -1, 0
        while n < len(names):
            if p < len(segments) and segments[p] is _ANY_DEPTH:
                star, star_n = p + 1, n
                p += 1
            elif p < len(segments) and segments[p].matches(names[n]):
                n += 1
                p += 1
            elif star >= 0:
                star_n += 1
                n, p = star_n, star
            else:
                return False
        while p < len(segments) and segments[p] is _ANY_DEPTH:
            p += 1
        return p == len(segments)


def parse_line(line: str) -> tuple[Pattern, bool, bool] | None:
    """(pattern, negated, folders only) of one line of a ``.gitignore``; None for a blank line
    or a comment. Paths are matched relative to the ``.gitignore``'s folder, with ``/``."""
    line = line.rstrip("\n").rstrip("\r")
    if not line.endswith("\\ "):
        line = line.rstrip(" ")
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith(("\\#", "\\!")):
        line = line[1:]  # a name starting with # or !
    folders_only = line.endswith("/")
    line = line[:-1] if folders_only else line  # one slash: "a//" keeps an empty last part
    if not line:
        return None
    anchored = "/" in line
    return Pattern(line.lstrip("/"), anchored), negated, folders_only


class IgnoreRules:
    """The patterns of the ``.gitignore`` files met so far while walking down a project."""

    def __init__(self) -> None:
        self._rules: list[tuple[str, Pattern, bool, bool]] = []

    def read_folder(self, folder: str) -> None:
        try:
            with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as handle:
                lines = handle.readlines()
        except OSError:
            return
        base = folder.rstrip(os.sep) + os.sep
        for line in lines:
            parsed = parse_line(line)
            if parsed is not None:
                self._rules.append((base, *parsed))

    def ignored(self, path: str, is_folder: bool) -> bool:
        excluded = False
        for base, pattern, negated, folders_only in self._rules:
            if (folders_only and not is_folder) or not path.startswith(base):
                continue
            relative = path[len(base) :].replace(os.sep, "/")
            if pattern.match(relative):
                excluded = not negated
        return excluded
