"""Output formats, written once: text, JSON, SARIF 2.1.0 and GitHub workflow commands.

keras-mp-lint, the flake8 formatter (``--format=keras-mp-sarif``) and the pylint reporter all turn
what they found into ``Diagnostic`` records and render them here, so the three SARIF documents
have the same rules, ids, levels, regions and fingerprints.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import quote

from .version import __version__
from . import registry
from .findings import Finding
from .registry import DEFAULT_DOCS_URL, Rule
from .settings import FORMATS
from .text import utf16_column

TOOL_NAME = "pylint-keras-mp"
INFORMATION_URI = DEFAULT_DOCS_URL.rsplit("/blob/", 1)[0]
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"

# registry level or host-linter category -> SARIF level
_SARIF_LEVELS = {"fatal": "error", "error": "error", "warning": "warning"}
_LINK = re.compile(r"^(?P<message>.*) \(see (?P<url>\S+)\)$", re.DOTALL)


@dataclass(frozen=True)
class Diagnostic:
    """One finding as every output format sees it; columns are 1-based, the end is exclusive."""

    path: str  # as the user named it, relative to the working directory when possible
    line: int
    column: int
    code: str  # KMP201, or a host linter's code (E501, C0114) in the flake8/pylint formatters
    message: str  # what, why and fix, without code or link
    end_line: int | None = None
    end_column: int | None = None
    url: str = ""
    severity: str = ""  # "error", "warning", "fatal" (registry level) or the host's category
    symbol: str = ""
    # In a notebook: the cell (1-based) that ``line`` counts in, and the lines of the notebook's
    # source (its code cells concatenated) before that cell.
    cell: int | None = None
    cell_offset: int = 0
    fix: object = None  # pylint_keras_mp.fixes.Fix, when keras-mp-lint --fix can fix it
    # The lines of the linted text (a notebook: its code cells concatenated), from the lint
    # service; empty when the front end has none (the file is then read for them).
    lines: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_finding(
        cls, path: str, finding: Finding, lines: tuple[str, ...] = ()
    ) -> Diagnostic:
        return cls(
            path=path,
            line=finding.line,
            column=finding.col + 1,
            code=finding.code,
            message=finding.message,
            end_line=finding.end_line,
            end_column=None if finding.end_col is None else finding.end_col + 1,
            url=finding.url,
            severity=finding.rule.level,
            symbol=finding.rule.symbol,
            cell=finding.cell,
            cell_offset=finding.cell_offset,
            fix=finding.fix,
            lines=lines,
        )

    def line_text(self, line: int) -> str:
        """The text of ``line`` of the linted source (for a notebook: of its code cells
        concatenated)."""
        if self.lines:
            return self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return _line_text(os.path.abspath(self.path), line, self.cell is not None)

    @property
    def rule(self) -> Rule | None:
        return registry.rule_of(self.code)

    @property
    def text(self) -> str:
        """The message with its one link, as in Finding.text."""
        return f"{self.message} (see {self.url})" if self.url else self.message

    @property
    def source_line(self) -> int:
        """``line`` in the file's source: for a notebook, in its code cells concatenated."""
        return self.line + self.cell_offset

    @property
    def location(self) -> str:
        """``line:col``, or ``cell N:line:col`` in a notebook, as Ruff writes it."""
        where = f"{self.line}:{self.column}"
        return f"cell {self.cell}:{where}" if self.cell is not None else where

    @property
    def sarif_level(self) -> str:
        return _SARIF_LEVELS.get(self.severity, "note")


def split_link(text: str) -> tuple[str, str]:
    """'message (see URL)' -> ('message', 'URL'); text without a link -> (text, '')."""
    match = _LINK.match(text)
    return (match["message"], match["url"]) if match else (text, "")


def sort_key(diagnostic: Diagnostic) -> tuple:
    return (
        diagnostic.path,
        diagnostic.cell or 0,
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
        diagnostic.message,
    )


def render(
    format_name: str,
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    root: str | os.PathLike | None = None,
    docs_url: str | None = None,
    unsafe_fixes: bool = False,
) -> str:
    """The whole output document for ``diagnostics`` in one of FORMATS."""
    if format_name in ("text", "concise"):
        return format_text(diagnostics, color=color)
    if format_name == "full":
        return format_full(diagnostics, color=color, unsafe_fixes=unsafe_fixes)
    if format_name == "json":
        return format_json(diagnostics)
    if format_name == "json-lines":
        return format_json_lines(diagnostics)
    if format_name == "gitlab":
        return format_gitlab(diagnostics, root=root)
    if format_name == "junit":
        return format_junit(diagnostics)
    if format_name == "pylint":
        return format_pylint(diagnostics)
    if format_name == "rdjson":
        return format_rdjson(diagnostics)
    if format_name == "sarif":
        return format_sarif(diagnostics, root=root, docs_url=docs_url)
    if format_name == "github":
        return format_github(diagnostics, root=root)
    raise ValueError(f"unknown format {format_name!r}; expected one of {', '.join(FORMATS)}")


# --- writing ---------------------------------------------------------------------------------


def _output_errors(error: UnicodeError):
    """What cannot be encoded: a byte of a file name the OS gave undecoded (a lone surrogate from
    ``surrogateescape``) is written back as that byte; any other character the stream cannot
    show is written as a backslash escape."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start : error.end]
    if all("\udc80" <= char <= "\udcff" for char in chunk):
        return bytes(ord(char) - 0xDC00 for char in chunk), error.end
    return codecs.backslashreplace_errors(error)


OUTPUT_ERRORS = "keras-mp-lint-output"
codecs.register_error(OUTPUT_ERRORS, _output_errors)


def encode_output(text: str, encoding: str | None) -> bytes:
    """``text`` in ``encoding`` (default UTF-8), never failing (see _output_errors)."""
    return text.encode(encoding or "utf-8", errors=OUTPUT_ERRORS)


def write_text(stream, text: str) -> None:
    """Write to a text stream (stdout, stderr) whatever its encoding can show: through its
    binary buffer when it has one, else with its own error handler."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
    else:
        stream.flush()
        buffer.write(encode_output(text, getattr(stream, "encoding", None)))
    stream.flush()


# --- text --------------------------------------------------------------------------------------

_BOLD, _RED, _YELLOW, _CYAN, _RESET = "\033[1m", "\033[31m", "\033[33m", "\033[36m", "\033[0m"


def format_text(diagnostics: Iterable[Diagnostic], *, color: bool = False) -> str:
    """``path:line:col: CODE message (see URL)``, one per line, like flake8."""
    lines = []
    for d in diagnostics:
        if color:
            code_color = _YELLOW if d.sarif_level == "warning" else _RED
            lines.append(
                f"{_BOLD}{d.path}{_RESET}:{d.location}: "
                f"{_BOLD}{code_color}{d.code}{_RESET} {d.message}"
                + (f" (see {_CYAN}{d.url}{_RESET})" if d.url else "")
            )
        else:
            lines.append(f"{d.path}:{d.location}: {d.code} {d.text}")
    return "".join(line + "\n" for line in lines)


# --- JSON --------------------------------------------------------------------------------------


def _json_record(d: Diagnostic) -> dict:
    return {
            "path": d.path,
            **({"cell": d.cell} if d.cell is not None else {}),
            "line": d.line,
            "column": d.column,
            "end_line": d.end_line,
            "end_column": d.end_column,
            "code": d.code,
            "symbol": d.symbol,
            "severity": d.severity,
            "message": d.message,
            "url": d.url,
            "fix": d.fix.to_json() if d.fix is not None else None,
        }


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([_json_record(d) for d in diagnostics], indent=2) + "\n"


def format_json_lines(diagnostics: Iterable[Diagnostic]) -> str:
    """One JSON record per line (the records of the json format)."""
    return "".join(json.dumps(_json_record(d)) + "\n" for d in diagnostics)


# --- full: the finding with its source lines (Ruff's default) ------------------------------------


def format_full(
    diagnostics: Iterable[Diagnostic], *, color: bool = False, unsafe_fixes: bool = False
) -> str:
    """``CODE message``, the location, the reported lines with the range underlined, the fix
    and the link. ``[*]`` marks a finding that ``--fix`` fixes as the run is set (an unsafe fix
    only with ``--unsafe-fixes``), as in Ruff::

        KMP201 Sequence 'Frames' stores a lambda in self.post: ...
         --> train.py:8:9
          |
        8 |         self.post = lambda batch: batch
          |         ^^^^^^^^^
          |
        help: move the lambda to a module-level function (unsafe fix)
        see https://.../KMP201.md
    """
    blocks = []
    for d in diagnostics:
        fixed_by_fix = d.fix is not None and (unsafe_fixes or d.fix.applicability == "safe")
        marker = " [*]" if fixed_by_fix else ""
        code = f"{_BOLD}{_RED}{d.code}{_RESET}" if color else d.code
        lines = [f"{code}{marker} {d.message}", f" --> {d.path}:{d.location}"]
        last = d.end_line if d.end_line is not None and d.end_line >= d.line else d.line
        last = min(last, d.line + 5)
        shown = [(n, d.line_text(n + d.cell_offset).rstrip("\r\n")) for n in range(d.line, last + 1)]
        while len(shown) > 1 and not shown[-1][1].strip():  # blank lines inside the range stay
            shown.pop()
        if any(text for _, text in shown):
            width = len(str(last))
            gutter = " " * width + " |"
            lines.append(gutter)
            for number, text in shown:
                lines.append(f"{number:>{width}} |" + (f" {_printable(text)}" if text else ""))
                if number == d.line:
                    start = _character_column(text, d.column)
                    if d.end_line == d.line and d.end_column is not None:
                        end = max(_character_column(text, d.end_column), start + 1)
                    else:
                        end = max(len(text), start + 1)
                    lines.append(f"{gutter} {' ' * (start - 1)}{'^' * (end - start)}")
            lines.append(gutter)
        if d.fix is not None:
            lines.append(f"help: {d.fix.message} ({d.fix.applicability} fix)")
        if d.url:
            lines.append(f"see {d.url}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _character_column(text: str, column: int) -> int:
    """A 1-based UTF-8 byte column of ``text`` as a 1-based character column."""
    if text.isascii():
        return column
    return len(text.encode("utf-8")[: column - 1].decode("utf-8", errors="ignore")) + 1


def _printable(text: str) -> str:
    """A source line shown in a terminal: tabs kept, other control characters escaped."""
    return "".join(
        char if char == "\t" or char.isprintable() or "\udc80" <= char <= "\udcff"
        else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


# --- pylint's parseable line (Ruff's pylint format) ---------------------------------------------


def format_pylint(diagnostics: Iterable[Diagnostic]) -> str:
    """``path:line: [CODE(symbol)] message``, as pylint's parseable output and Ruff write it; in
    a notebook ``path:cell N:line: ...``, the line counted in the cell, as the text format
    names it."""
    lines = []
    for d in diagnostics:
        name = f"{d.code}({d.symbol})" if d.symbol else d.code
        where = f"cell {d.cell}:{d.line}" if d.cell is not None else str(d.line)
        lines.append(f"{d.path}:{where}: [{name}] {_one_line(d.message)}")
    return "".join(line + "\n" for line in lines)


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text


# --- GitLab Code Quality (Code Climate) ---------------------------------------------------------

_GITLAB_SEVERITY = {"fatal": "blocker", "error": "major", "warning": "minor"}


def format_gitlab(
    diagnostics: Iterable[Diagnostic], *, root: str | os.PathLike | None = None
) -> str:
    """A GitLab Code Quality report: a JSON array of Code Climate issues, each with a
    fingerprint that survives line moves (the baseline's)."""
    root_dir = os.path.abspath(root or os.getcwd())
    issues = []
    for d, _location, _text, fingerprint in fingerprinted(diagnostics, root_dir):
        path = _relative_to_root(d.path, root_dir) or os.path.abspath(d.path)
        begin = {"line": d.source_line, "column": d.column}
        end_line = (d.end_line if d.end_line is not None else d.line) + d.cell_offset
        end = {"line": end_line, "column": d.end_column if d.end_column is not None else d.column}
        issues.append(
            {
                "type": "issue",
                "check_name": d.code,
                "description": f"{d.code}: {d.message}",
                "categories": ["Bug Risk"],
                "severity": _GITLAB_SEVERITY.get(d.severity, "info"),
                "fingerprint": fingerprint,
                "location": {"path": path, "positions": {"begin": begin, "end": end}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"


# --- Reviewdog Diagnostic Format ----------------------------------------------------------------

_RDJSON_SEVERITY = {"fatal": "ERROR", "error": "ERROR", "warning": "WARNING"}


def format_rdjson(diagnostics: Iterable[Diagnostic]) -> str:
    """reviewdog's rdjson: one DiagnosticResult, suggestions from the fixes."""
    results = []
    for d in diagnostics:
        end_line = (d.end_line if d.end_line is not None else d.line) + d.cell_offset
        record: dict[str, object] = {
            "message": d.message,
            "location": {
                "path": d.path,
                "range": {
                    "start": {"line": d.source_line, "column": d.column},
                    "end": {
                        "line": end_line,
                        "column": d.end_column if d.end_column is not None else d.column,
                    },
                },
            },
            "severity": _RDJSON_SEVERITY.get(d.severity, "INFO"),
            "code": {"value": d.code, **({"url": d.url} if d.url else {})},
        }
        if d.fix is not None and d.cell is None:
            record["suggestions"] = [
                {
                    "range": {
                        "start": {"line": edit.start_line, "column": 1},
                        "end": {"line": edit.end_line, "column": 1},
                    },
                    "text": edit.content,
                }
                for edit in d.fix.edits
            ]
        results.append(record)
    document = {
        "source": {"name": TOOL_NAME, "url": INFORMATION_URI},
        "severity": "WARNING",
        "diagnostics": results,
    }
    return json.dumps(document, indent=2) + "\n"


# --- JUnit XML ----------------------------------------------------------------------------------

# compiled when first used (start-up cost: 3 ms, for the JUnit format only)
_XML_UNSAFE = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def _xml_escape(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte of a file name that is not UTF-8
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def _xml_text(text: str) -> str:
    """Characters XML 1.0 cannot carry (control characters, undecodable name bytes) escaped."""
    return re.sub(_XML_UNSAFE, lambda match: _xml_escape(match.group()), text)


def format_junit(diagnostics: Iterable[Diagnostic]) -> str:
    """JUnit XML as Ruff writes it: a test suite per file, a failed test case per finding."""
    from xml.etree import ElementTree as ET  # only this format needs it

    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    total = sum(len(found) for found in by_path.values())
    suites = ET.Element(
        "testsuites", name=TOOL_NAME, tests=str(total), failures=str(total), errors="0"
    )
    for path, found in by_path.items():
        suite = ET.SubElement(
            suites, "testsuite", name=_xml_text(path), tests=str(len(found)),
            failures=str(len(found)), errors="0",
        )
        for d in found:
            # in a notebook: the cell beside the line counted in it, as the JSON format has them
            cell = {"cell": str(d.cell)} if d.cell is not None else {}
            case = ET.SubElement(
                suite, "testcase", name=f"{TOOL_NAME}.{d.code}", classname=_xml_text(path),
                **cell, line=str(d.line), column=str(d.column),
            )
            failure = ET.SubElement(case, "failure", message=_xml_text(d.message))
            where = f"cell {d.cell}, " if d.cell is not None else ""
            failure.text = _xml_text(f"{where}line {d.line}, col {d.column}, {d.message}")
    if total == 0:
        suite = ET.SubElement(suites, "testsuite", name=TOOL_NAME, tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No findings")
        suites.set("tests", "1")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- SARIF 2.1.0 -------------------------------------------------------------------------------


def _sarif_rule(rule: Rule, docs_url: str | None) -> dict:
    url = rule.url(docs_url)
    fix = rule.generic_fix
    return {
        "id": rule.code,
        "name": rule.symbol,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary}. Fix: {fix}."},
        "helpUri": url,
        "help": {
            "text": f"Fix: {fix}. Documentation: {url}",
            "markdown": f"**Fix:** {fix}.\n\n[{rule.code} `{rule.symbol}`]({url})",
        },
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.level]},
        "properties": {"pylintMessageId": rule.msgid, "tags": ["keras", "multiprocessing"]},
    }


def _relative_to_root(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` in POSIX form, or None when it lies outside."""
    try:
        relative = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive on Windows
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return None
    return relative.replace(os.sep, "/")


def _artifact_location(path: str, root: str) -> dict:
    relative = _relative_to_root(path, root)
    if relative is None:
        return {"uri": "file://" + quote(os.fsencode(Path(os.path.abspath(path)).as_posix()), safe="/:")}
    # the bytes of the name as the OS gives them, percent-encoded (a name that is not UTF-8 too)
    return {"uri": quote(os.fsencode(relative), safe="/"), "uriBaseId": SRCROOT}


def _fingerprint(uri: str, code: str, line_text: str, occurrence: int) -> str:
    """Stable across unrelated edits: no line number, only the path, the code and the line's text;
    the occurrence index tells apart identical lines in one file."""
    import hashlib  # only SARIF needs it: the linters that load the plugins never pay for it

    digest = hashlib.sha256(f"{uri}\0{code}\0{line_text.strip()}".encode("utf-8")).hexdigest()
    return f"{digest[:16]}:{occurrence}"


def _sarif_fix(fix, location: dict) -> dict:
    """A fix as SARIF ``fixes``: whole-line replacements (columns 1, end exclusive)."""
    return {
        "description": {"text": f"{fix.message} ({fix.applicability} fix)"},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": edit.start_line,
                            "startColumn": 1,
                            "endLine": edit.end_line,
                            "endColumn": 1,
                        },
                        "insertedContent": {"text": edit.content},
                    }
                    for edit in fix.edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability},
    }


def _line_text(path: str, line: int, notebook: bool) -> str:
    """A line of the file; for a notebook, of its code cells concatenated."""
    if not notebook:
        import linecache  # only fingerprints and SARIF regions read lines back

        return linecache.getline(path, line)
    from .notebook import notebook_source_lines

    lines = notebook_source_lines(path)
    return lines[line - 1] if 0 < line <= len(lines) else ""


def fingerprinted(
    diagnostics: Iterable[Diagnostic], root: str | os.PathLike | None = None
) -> list[tuple[Diagnostic, dict, str, str]]:
    """Each diagnostic, sorted, with its artifact location relative to ``root`` (default: the
    working directory), the text of its line and its fingerprint: a hash of the path, the code and
    the stripped line text plus an occurrence index, with no line number, so it survives edits
    elsewhere in the file. SARIF's ``primaryLocationLineHash`` and the baseline use it."""
    root_dir = os.path.abspath(root or os.getcwd())
    occurrences: Counter[tuple[str, str, str]] = Counter()
    located = []
    for d in sorted(diagnostics, key=sort_key):
        location = _artifact_location(d.path, root_dir)
        line_text = d.line_text(d.source_line)
        key = (location["uri"], d.code, line_text.strip())
        occurrences[key] += 1
        located.append((d, location, line_text, _fingerprint(*key, occurrences[key])))
    return located


def sarif_log(
    diagnostics: Iterable[Diagnostic],
    *,
    root: str | os.PathLike | None = None,
    docs_url: str | None = None,
) -> dict:
    """The SARIF 2.1.0 log. Paths under ``root`` (default: the working directory) are relative
    to the ``%SRCROOT%`` base id."""
    root_dir = os.path.abspath(root or os.getcwd())
    rule_index = {rule.code: index for index, rule in enumerate(registry.RULES)}
    results = []
    for d, location, line_text, fingerprint in fingerprinted(diagnostics, root_dir):
        region: dict[str, int] = {
            "startLine": d.source_line,
            "startColumn": utf16_column(line_text, d.column),
        }
        if d.end_line is not None and d.end_column is not None:
            end_line = d.end_line + d.cell_offset
            end_text = line_text if end_line == d.source_line else d.line_text(end_line)
            region.update(endLine=end_line, endColumn=utf16_column(end_text, d.end_column))
        result: dict[str, object] = {"ruleId": d.code}
        if d.code in rule_index:
            result["ruleIndex"] = rule_index[d.code]
        result.update(
            level=d.sarif_level,
            message={"text": d.message},
            locations=[{"physicalLocation": {"artifactLocation": location, "region": region}}],
            partialFingerprints={"primaryLocationLineHash": fingerprint},
        )
        if d.fix is not None and d.cell is None:
            # a notebook's fix edits lines of a cell's source, not of the .ipynb file's JSON
            result["fixes"] = [_sarif_fix(d.fix, location)]


        if d.cell is not None:
            result["properties"] = {"cell": d.cell, "lineInCell": d.line}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_sarif_rule(rule, docs_url) for rule in registry.RULES],
                    }
                },
                "columnKind": "utf16CodeUnits",
                "originalUriBaseIds": {SRCROOT: {"uri": Path(root_dir).as_uri().rstrip("/") + "/"}},
                "results": results,
            }
        ],
    }


def format_sarif(
    diagnostics: Iterable[Diagnostic],
    *,
    root: str | os.PathLike | None = None,
    docs_url: str | None = None,
) -> str:
    return json.dumps(sarif_log(diagnostics, root=root, docs_url=docs_url), indent=2) + "\n"


# --- GitHub workflow commands ------------------------------------------------------------------

_GITHUB_COMMANDS = {"error": "error", "warning": "warning"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(
    diagnostics: Iterable[Diagnostic], *, root: str | os.PathLike | None = None
) -> str:
    """``::error file=...,line=...,col=...,endLine=...,endColumn=...,title=CODE symbol::message``.

    ``col`` is 1-based; ``endColumn`` is the last character of the range (1-based, inclusive).
    Warnings use ``::warning``.
    """
    root_dir = os.path.abspath(root or os.getcwd())
    lines = []
    for d in diagnostics:
        path = _relative_to_root(d.path, root_dir) or os.path.abspath(d.path)
        properties = [("file", path), ("line", d.source_line), ("col", d.column)]
        if d.end_line is not None and d.end_column is not None:
            properties += [
                ("endLine", d.end_line + d.cell_offset),
                ("endColumn", max(d.end_column - 1, 1)),
            ]
        title = f"{d.code} {d.symbol}".strip()
        properties.append(("title", f"{title} (cell {d.cell})" if d.cell is not None else title))
        rendered = ",".join(f"{name}={_escape_property(str(value))}" for name, value in properties)
        command = _GITHUB_COMMANDS.get(d.sarif_level, "notice")
        lines.append(f"::{command} {rendered}::{_escape_data(d.text)}")
    return "".join(line + "\n" for line in lines)
