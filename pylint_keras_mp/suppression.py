"""What keras-mp-lint leaves out of a report: inline ``# noqa`` and ``# pylint: disable=`` comments,
and per-file ignores, with flake8's semantics.

- ``# noqa`` on a line hides every finding of that line; ``# noqa: KMP201,KMP2`` hides the codes
  named and the codes that start with them (flake8's prefix rule). As in flake8, the comment is
  looked for on the reported line, joined with the lines of a token that spans several (a
  triple-quoted string, a backslash continuation); inside brackets each line stands alone.
- ``# pylint: disable=sequence-lambda-attribute`` (or ``E7201``, ``keras-mp``, ``all``) on the
  statement hides the rules named, and ``# pylint: disable-next=...`` hides them on the next line.
  Unlike pylint, a ``disable`` on a line of its own does not reach to the end of the block: the
  command line tool treats every comment as a line comment, as flake8 does.
- Ruff's spellings with this tool's prefix: ``# keras-mp: ignore[KMP201]`` at the end of a line
  hides those codes on it (like ``# noqa: KMP201``); ``# keras-mp: disable[KMP201,KMP3]`` on a
  line of its own hides them from there to the matching ``# keras-mp: enable[KMP201,KMP3]`` at
  the same indentation, or, without one, to the end of the block it is in (the end of the file
  at module level), as Ruff 0.17's ``# ruff: disable[...]`` does; ``# keras-mp: disable-file``
  anywhere hides every finding of the file, ``# keras-mp: disable-file[KMP4]`` those codes.
- ``per-file-ignores`` maps globs to codes, written as in flake8 (``tests/*: KMP201,KMP4``); a
  glob matches the file name, the path relative to the configuration file's folder, or the
  absolute path.

The engine does not apply any of this: pylint and flake8 apply their own comments to the plugins'
findings, so each front end honours exactly the comments its users already write.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

from .registry import rule_of

# flake8's own pattern (flake8/defaults.py), so the same comment means the same thing.
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
PYLINT_PRAGMA = re.compile(
    r"#\s*pylint:\s*(?P<pragma>disable|disable-next)\s*=\s*(?P<names>[\w\-]+(?:\s*,\s*[\w\-]+)*)"
)
_CODE_LIST_SEPARATOR = re.compile(r"[,\s]")
# ``# keras-mp: ignore[...]``, ``disable[...]``, ``enable[...]``, ``disable-file[...]``
OWN_COMMAND = re.compile(
    r"#\s*keras-mp:\s*(?P<action>disable-file|disable|enable|ignore)\b\s*(?:\[(?P<codes>[^\]]*)\])?"
)
# what every comment above contains (NOQA_INLINE ignores case)
_ANY_COMMAND = re.compile(r"noqa|pylint:|keras-mp:", re.IGNORECASE)
PYLINT_CHECKER_NAME = "keras-mp"

T = TypeVar("T")


def _statement_lines(source: str) -> dict[int, str]:
    """Line number -> the text of every physical line of the statement it belongs to (flake8's
    ``_noqa_line_mapping``); lines the tokenizer cannot reach map to themselves."""
    import io
    import tokenize  # only a module with a suppression comment needs it

    lines = source.splitlines(keepends=True)
    mapping = {number: text for number, text in enumerate(lines, 1)}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return mapping
    first, last = len(lines) + 2, -1
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first, last = min(first, token.start[0]), max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[first - 1 : last])
            for number in range(first, last + 1):
                mapping[number] = joined
            first, last = len(lines) + 2, -1
    return mapping


def noqa_hides(code: str, text: str) -> bool:
    """flake8's rule: a bare ``# noqa`` hides everything, ``# noqa: X,Y`` the codes starting with
    X or Y."""
    match = NOQA_INLINE.search(text)
    if match is None:
        return False
    codes_text = match.group("codes")
    if codes_text is None:
        return True
    codes = {item.strip() for item in _CODE_LIST_SEPARATOR.split(codes_text) if item.strip()}
    return code in codes or code.startswith(tuple(codes))


def _pylint_names(code: str) -> set[str]:
    rule = rule_of(code)
    names = {"all", PYLINT_CHECKER_NAME}
    if rule is not None:
        names |= {rule.symbol, rule.msgid.lower()}
    return names


def pylint_hides(code: str, text: str, pragma: str = "disable") -> bool:
    """A ``# pylint: disable=`` (or ``disable-next=``) comment in ``text`` that names the rule by
    symbol or message id, its checker ``keras-mp``, or ``all``."""
    names = _pylint_names(code)
    for match in PYLINT_PRAGMA.finditer(text):
        if match.group("pragma") != pragma:
            continue
        given = {name.strip().lower() for name in match.group("names").split(",")}
        if given & names:
            return True
    return False


def _named(code: str, names: frozenset[str] | None) -> bool:
    """None names every code; else a code, a prefix of it, or the rule's symbol."""
    if names is None:
        return True
    rule = rule_of(code)
    return code.startswith(tuple(names)) or (rule is not None and rule.symbol in names)


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None or not text.strip():
        return None
    return frozenset(item.strip() for item in _CODE_LIST_SEPARATOR.split(text) if item.strip())


def _comments(source: str) -> list[tuple[int, int, str, bool]]:
    """(line, column, text, alone on its line) of every comment token."""
    import io
    import tokenize

    found = []
    lines = source.splitlines()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                line, column = token.start
                alone = not lines[line - 1][:column].strip()
                found.append((line, column, token.string, alone))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return found


def _block_end(lines: list[str], start: int, column: int) -> int:
    """The last line of the block a comment at ``column`` on line ``start`` is in: before the
    first later code line indented less than the comment."""
    if column == 0:
        return len(lines)
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(stripped) < column:
            return number - 1
    return len(lines)


class OwnComments:
    """``# keras-mp:`` comments: file-level, range and line suppressions."""

    def __init__(self, source: str):
        lines = source.splitlines()
        self.file_codes: list[frozenset[str] | None] = []
        self.ranges: list[tuple[int, int, frozenset[str] | None]] = []
        self.line_codes: dict[int, list[frozenset[str] | None]] = {}
        opened: list[tuple[int, int, frozenset[str] | None]] = []
        for line, column, text, alone in _comments(source):
            match = OWN_COMMAND.search(text)
            if match is None:
                continue
            action, codes = match["action"], _codes(match["codes"])
            if action == "disable-file":
                self.file_codes.append(codes)
            elif action == "ignore":
                self.line_codes.setdefault(line, []).append(codes)
            elif action == "disable" and alone:
                opened.append((line, column, codes))
            elif action == "enable" and alone:
                for index in range(len(opened) - 1, -1, -1):
                    start, start_column, start_codes = opened[index]
                    if start_column == column and start_codes == codes:
                        self.ranges.append((start, line, codes))
                        del opened[index]
                        break
        for start, column, codes in opened:  # unmatched: to the end of the block
            self.ranges.append((start, _block_end(lines, start, column), codes))

    def hides(self, code: str, line: int, statement_lines=()) -> bool:
        if any(_named(code, names) for names in self.file_codes):
            return True
        if any(start <= line <= end and _named(code, names) for start, end, names in self.ranges):
            return True
        return any(
            _named(code, names)
            for number in statement_lines or (line,)
            for names in self.line_codes.get(number, ())
        )


class InlineSuppressions:
    """The suppression comments of one module's source."""

    def __init__(self, source: str):
        # a module without a noqa or pylint comment hides nothing: no need to tokenize it
        self._any = _ANY_COMMAND.search(source) is not None
        self._lines = source.splitlines() if self._any else []
        self._statements = _statement_lines(source) if self._any else {}
        self._own = OwnComments(source) if self._any and "keras-mp:" in source else None

    def hides(self, code: str, line: int) -> bool:
        if not self._any:
            return False
        statement = self._statements.get(line, "")
        if noqa_hides(code, statement) or pylint_hides(code, statement):
            return True
        if self._own is not None and self._own.hides(code, line, self._group(line)):
            return True
        previous = self._lines[line - 2] if 2 <= line <= len(self._lines) + 1 else ""
        return pylint_hides(code, previous, pragma="disable-next")

    def _group(self, line: int) -> tuple[int, ...]:
        """The physical lines read together with ``line`` (a multi-line string, a backslash
        continuation): a trailing comment on any of them counts."""
        text = self._statements.get(line)
        if text is None:
            return (line,)
        first = last = line
        while self._statements.get(first - 1) is text:
            first -= 1
        while self._statements.get(last + 1) is text:
            last += 1
        return tuple(range(first, last + 1))


def add_noqa(source: str, findings: Sequence[tuple[str, int]]) -> tuple[str, int]:
    """``source`` with a ``# noqa: CODES`` comment on the last line of each reported line's
    group (where flake8 and this tool look for it), codes merged into a ``# noqa:`` already
    there; and the number of lines changed."""
    comments = InlineSuppressions(source + "\n# noqa\n")  # force the tokenizing
    lines = source.splitlines(keepends=True)
    wanted: dict[int, set[str]] = {}
    for code, line in findings:
        if 0 < line <= len(lines):
            wanted.setdefault(comments._group(line)[-1], set()).add(code)
    changed = 0
    for number, codes in sorted(wanted.items()):
        text = lines[number - 1]
        body = text.rstrip("\r\n")
        ending = text[len(body):]
        match = NOQA_INLINE.search(body)
        if match is not None and match.group("codes") is None:
            continue  # a bare noqa hides everything already
        if match is not None:
            present = _codes(match.group("codes")) or frozenset()
            merged = ", ".join(sorted(present | codes))
            body = body[: match.start()] + f"# noqa: {merged}" + body[match.end():]
        else:
            body = f"{body}  # noqa: {', '.join(sorted(codes))}"
        lines[number - 1] = body + (ending or ("\n" if number < len(lines) else ""))
        changed += 1
    return "".join(lines), changed


def without_suppressed(
    items: Iterable[T], source: str, key: Callable[[T], tuple[str, int]]
) -> tuple[list[T], int]:
    """``items`` minus those an inline comment hides, and how many were hidden. ``key`` gives an
    item's (code, line)."""
    items = list(items)
    if not items:
        return items, 0
    comments = InlineSuppressions(source)
    kept = [item for item in items if not comments.hides(*key(item))]
    return kept, len(items) - len(kept)


# --- per-file ignores --------------------------------------------------------------------------


class PerFileIgnoresError(ValueError):
    """A per-file-ignores value that is not a mapping of globs to codes."""


_TOKENS = (
    (re.compile(r"[A-Z]+[0-9]*(?=$|\s|,)"), "code"),
    (re.compile(r"[^\s:,]+"), "file"),
    (re.compile(r"\s*:\s*"), "colon"),
    (re.compile(r"\s*,\s*"), "sep"),
    (re.compile(r"\s+"), "sep"),
)


def parse_per_file_ignores(value: object) -> list[tuple[str, tuple[str, ...]]]:
    """[(glob, codes)] from a TOML table ({glob: [codes] or "codes"}) or from flake8's text form
    (``globs: codes`` entries separated by newlines or whitespace)."""
    if value is None:
        return []
    if isinstance(value, dict):
        entries = []
        for glob, codes in value.items():
            if isinstance(codes, str):
                codes = [item for item in _CODE_LIST_SEPARATOR.split(codes) if item]
            if not isinstance(codes, (list, tuple)) or not codes:
                raise PerFileIgnoresError(f"per-file-ignores: {glob!r} must map to a list of codes")
            entries.append((str(glob), tuple(str(code).strip() for code in codes)))
        return entries
    text = "\n".join(value) if isinstance(value, (list, tuple)) else str(value)
    entries: list[tuple[str, tuple[str, ...]]] = []
    globs: list[str] = []
    codes: list[str] = []
    seen_colon = False

    def flush() -> None:
        if globs and not codes:
            raise PerFileIgnoresError(
                f"per-file-ignores: no codes for {' '.join(globs)!r} "
                "(expected `glob: CODES`, e.g. `tests/*: KMP201,KMP4`)"
            )
        entries.extend((glob, tuple(codes)) for glob in globs)

    position = 0
    while position < len(text):
        for pattern, kind in _TOKENS:
            match = pattern.match(text, position)
            if match:
                break
        else:  # pragma: no cover - the patterns cover every character
            raise AssertionError(text, position)
        position = match.end()
        token = match.group().strip()
        if kind == "sep":
            continue
        if kind == "colon":
            if not globs or seen_colon:
                raise PerFileIgnoresError(f"per-file-ignores: unexpected ':' in {text.strip()!r}")
            seen_colon = True
        elif seen_colon and kind == "code":
            codes.append(token)
        elif kind in ("file", "code"):
            if seen_colon:  # a new entry starts
                flush()
                globs, codes, seen_colon = [], [], False
            globs.append(token)
    if globs and not seen_colon:
        raise PerFileIgnoresError(
            f"per-file-ignores: {' '.join(globs)!r} has no ':' and codes "
            "(expected `glob: CODES`, e.g. `tests/*: KMP201,KMP4`)"
        )
    flush()
    return entries


@dataclass(frozen=True)
class PerFileIgnores:
    """Globs and the codes they ignore; ``root`` is the folder relative globs are matched from."""

    entries: tuple[tuple[str, frozenset[str]], ...] = ()
    root: str = "."

    def ignored_codes(self, path: str) -> frozenset[str]:
        if not self.entries:
            return frozenset()
        candidates = _match_candidates(path, self.root)
        ignored: set[str] = set()
        for glob, codes in self.entries:
            pattern = glob.rstrip("/")
            if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates):
                ignored |= codes
        return frozenset(ignored)


def _match_candidates(path: str, root: str) -> set[str]:
    absolute = os.path.abspath(path)
    candidates = {os.path.basename(absolute), absolute.replace(os.sep, "/")}
    try:
        candidates.add(os.path.relpath(absolute, root).replace(os.sep, "/"))
    except ValueError:  # another drive on Windows
        pass
    return candidates


def expand_per_file_ignores(
    entries: Sequence[tuple[str, Sequence[str]]],
    expand: Callable[[Sequence[str], str], set[str]],
    root: str,
) -> PerFileIgnores:
    """Resolve each entry's codes and prefixes with ``expand`` (which reports unknown codes)."""
    return PerFileIgnores(
        tuple((glob, frozenset(expand(codes, "per-file-ignores"))) for glob, codes in entries),
        root,
    )
