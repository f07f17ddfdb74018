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
import re


def _translate(pattern: str) -> str:
    """The regular expression of one gitignore glob (without its anchoring)."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape("["))
                i += 1
                continue
            members = pattern[i + 1 : end]
            negated = members[:1] in ("!", "^")
            members = members[1:] if negated else members
            out.append("[" + ("^" if negated else "") + members.replace("\\", "\\\\") + "]")
            i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def parse_line(line: str) -> tuple[re.Pattern, bool, bool] | None:
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
    elif line.startswith("\\"):
        line = line[1:]  # "\#" and "\!": a name starting with # or !
    folders_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    body = _translate(line.lstrip("/"))
    regex = ("^" if anchored else "^(?:.*/)?") + body + "$"
    try:
        return re.compile(regex, re.DOTALL), negated, folders_only
    except re.error:
        return None


class IgnoreRules:
    """The patterns of the ``.gitignore`` files met so far while walking down a project."""

    def __init__(self) -> None:
        self._rules: list[tuple[str, re.Pattern, bool, bool]] = []

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
