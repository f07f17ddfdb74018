"""Jupyter notebooks: read an ``.ipynb`` file as JSON, mask IPython syntax, map lines to cells.

A notebook is analysed as one module: its code cells concatenated in order (a class defined in
cell 2 and fitted in cell 5 are in one module), with IPython's magics, shell escapes and help
lines replaced by placeholders of the same line count, so every line of the module is a line of
one cell. Findings are then mapped back to (cell, line in cell). Nothing here executes or imports
the notebook, and nbformat is not needed: the file is read with ``json``.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import warnings
from dataclasses import dataclass, replace

from .config import Options
from .engine import Finding, analyze, internal_error, might_apply, unparsable_source, unreadable_file
from .faults import strict
from .files import read_bytes
from .fixes.notebooks import cell_fix, without_fix
from .registry import RULES_BY_CODE

# Cell magics whose body is Python that runs in the kernel (the rest of the cell stays code);
# every other cell magic (%%bash, %%writefile, %%html...) makes the whole cell something else.
PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"}
)
# A masked line magic or shell escape; `pass` keeps an indented block that held only it valid.
_PLACEHOLDER = "pass"
# ``files = !ls`` / ``t = %timeit -o f()``: the target stays bound, to a value nobody can resolve.
_ASSIGNED_MAGIC = re.compile(r"^(?P<indent>\s*)(?P<targets>[\w.]+(?:\s*,\s*[\w.]+)*)\s*=\s*[%!]")
# Line magics IPython runs without their `%` (automagic is on by default), followed by an
# argument that cannot continue a Python expression: `pip install keras`, `cd data`, `ls -l`.
_AUTOMAGIC = re.compile(
    r"^(pip|conda|mamba|cd|ls|pwd|env|load_ext|reload_ext|matplotlib|pylab|autoreload|time|timeit"
    r"|run|who|whos|reset|history|store|mkdir|rmdir|cat|cp|mv|rm|set_env|config|alias)"
    r"(\s+[^=\s(\[.,:+\-*/%<>!&|^~@].*|\s+-\S.*|)$"
)
_HELP = re.compile(r"^(\?{1,2}\s*\S.*|[\w.\[\]()]+\?{1,2})$")


class NotebookError(ValueError):
    """The file is not a notebook this tool reads (broken JSON, not nbformat 4)."""

    def __init__(self, reason: str, line: int = 1):
        super().__init__(reason)
        self.line = line


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based position among all the notebook's cells, as Ruff and editors count
    start: int  # line of the notebook's source (the concatenated code cells) where it starts
    lines: tuple[str, ...]  # the cell's source lines, each ending with a newline

    @property
    def end(self) -> int:
        """The last line of the cell in the notebook's source."""
        return self.start + len(self.lines) - 1


@dataclass(frozen=True)
class NotebookSource:
    """The code cells as one module, IPython syntax masked, with the map back to cells."""

    source: str
    cells: tuple[CodeCell, ...]
    unparsable: tuple[tuple[CodeCell, SyntaxError], ...]  # reported once each, then left out

    def cell_at(self, line: int) -> CodeCell | None:
        for cell in self.cells:
            if cell.start <= line <= cell.end:
                return cell
        return None


def read_notebook(data: bytes | str) -> dict:
    """The notebook's JSON document; NotebookError when it is not an nbformat 4 notebook."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotebookError(f"not a Jupyter notebook: not UTF-8 text ({exc.reason})") from None
    try:
        document = json.loads(data, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"not a Jupyter notebook: invalid JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno})",
            exc.lineno,
        ) from None
    except RecursionError:
        raise NotebookError("not a Jupyter notebook: JSON nested too deeply") from None
    if not isinstance(document, dict) or "nbformat" not in document:
        raise NotebookError("not a Jupyter notebook: a JSON document without 'nbformat'")
    version = document["nbformat"]
    if version != 4:
        raise NotebookError(
            f"unsupported notebook format nbformat={version!r}; only nbformat 4 is read "
            "(convert with `jupyter nbconvert --to notebook`)"
        )
    if not isinstance(document.get("cells"), list):
        raise NotebookError("not a Jupyter notebook: no list of cells")
    return document


def _json_int(text: str) -> int | str:
    """A JSON integer; one longer than Python converts (``sys.get_int_max_str_digits``) stays
    text: nothing here reads such a number, and it must not stop the notebook being read."""
    try:
        return int(text)
    except ValueError:
        return text


def _cell_text(cell: dict) -> str:
    source = cell.get("source") or ""
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    return str(source).replace("\r\n", "\n").replace("\r", "\n")


def cell_lines(text: str) -> tuple[str, ...]:
    """A code cell's lines as the notebook's module counts them, each ending with a newline."""
    return tuple(line + "\n" for line in text.removesuffix("\n").split("\n"))


def notebook_source(document: dict) -> NotebookSource:
    """Concatenate the code cells; mask IPython syntax; leave out cells that do not parse."""
    cells: list[CodeCell] = []
    unparsable: list[tuple[CodeCell, SyntaxError]] = []
    chunks: list[str] = []
    start = 1
    for number, raw in enumerate(document["cells"], 1):
        if not isinstance(raw, dict) or raw.get("cell_type") != "code":
            continue
        text = _cell_text(raw)
        if not text:
            continue
        lines = cell_lines(text)
        cell = CodeCell(number, start, lines)
        code = "".join(mask_ipython(list(lines)))
        failure = _parse_failure(code)
        if failure is not None:
            # IPython's automagic runs `pip install x` without the `%`; try that reading only
            # for a cell that is not Python otherwise (`ls` alone is a name in Python)
            automagic = "".join(mask_ipython(list(lines), automagic=True))
            if _parse_failure(automagic) is None:
                code, failure = automagic, None
        if failure is not None:
            unparsable.append((cell, failure))
            code = "\n" * len(lines)
        cells.append(cell)
        chunks.append(code)
        start += len(lines)
    return NotebookSource("".join(chunks), tuple(cells), tuple(unparsable))


def _parse_failure(code: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return SyntaxError(str(exc) or type(exc).__name__)
    return None


def mask_ipython(lines: list[str], automagic: bool = False) -> list[str]:
    """The cell's lines with IPython-only syntax replaced, one line for one line; with
    ``automagic``, also lines that start with a line magic's name and no ``%``."""
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if name not in PYTHON_CELL_MAGICS:
            return ["\n"] * len(lines)
        index = next(i for i, line in enumerate(lines) if line.strip())
        lines = ["\n"] * (index + 1) + lines[index + 1 :]
    scanner = _LogicalLines()
    masked: list[str] = []
    continued_magic = False
    for line in lines:
        if continued_magic:
            masked.append("\n")
            continued_magic = line.rstrip("\n").endswith("\\")
            continue
        if scanner.at_statement_start:
            replacement = _masked_line(line, automagic)
            if replacement is not None:
                masked.append(replacement)
                continued_magic = line.rstrip("\n").endswith("\\")
                continue
        scanner.feed(line)
        masked.append(line)
    return masked


def _masked_line(line: str, automagic: bool = False) -> str | None:
    """The placeholder for a line magic, shell escape or help line; None for Python."""
    stripped = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    if stripped.startswith(("%", "!")):
        return f"{indent}{_PLACEHOLDER}\n"
    if automagic and _AUTOMAGIC.match(stripped):
        return f"{indent}{_PLACEHOLDER}\n"
    assigned = _ASSIGNED_MAGIC.match(line)
    if assigned:
        return f"{assigned['indent']}{assigned['targets']} = __ipython_magic__()\n"
    if _HELP.match(stripped):
        return f"{indent}{_PLACEHOLDER}\n"
    return None


class _LogicalLines:
    """Just enough of Python's tokenizer to know whether a line starts a statement: open
    brackets, triple-quoted strings and backslash continuations carry a statement over."""

    def __init__(self) -> None:
        self.depth = 0
        self.string: str | None = None
        self.continued = False

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.string is None and not self.continued

    def feed(self, line: str) -> None:
        text = line.rstrip("\n")
        i, comment = 0, False
        while i < len(text):
            if self.string is not None:
                if text[i] == "\\":
                    i += 2
                elif text.startswith(self.string, i):
                    i += len(self.string)
                    self.string = None
                else:
                    i += 1
                continue
            char = text[i]
            if char == "#":
                comment = True
                break
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char in "'\"":
                quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
                self.string = quote
                i += len(quote)
                continue
            i += 1
        if self.string in ("'", '"') and not text.endswith("\\"):
            self.string = None  # an unterminated one-line string: a syntax error, not our concern
        self.continued = not comment and self.string is None and text.endswith("\\")


def analyze_notebook(
    data: bytes | str,
    filename: str = "<notebook>",
    options: Options | None = None,
    fixes: bool = True,
) -> list[Finding]:
    """Findings for a notebook, each with its cell and its line and column in that cell.
    Never raises: a file that is not a notebook is one KMP901 finding (without a cell), a cell
    that does not parse one KMP901 in that cell."""
    options = options or Options()
    try:
        notebook = notebook_source(read_notebook(data))
    except NotebookError as exc:
        rule = RULES_BY_CODE["KMP901"]
        message = rule.format({"what": "this notebook", "error": str(exc)})
        return [Finding(exc.line, 0, "KMP901", message, url=rule.url(options.docs_url))]
    except Exception as exc:  # the notebook's JSON had a shape nobody expected
        if strict():
            raise
        return [internal_error(f"cannot read notebook: {type(exc).__name__}: {exc}", options)]
    # the cells as written, those that do not parse included: a syntax error in the only cell
    # that names Keras is still reported (KMP901 for that cell)
    written = "".join(line for cell in notebook.cells for line in cell.lines)
    if not might_apply(written, options):
        return []
    findings = [
        _in_cell(unparsable_source(exc, options, f"cell {cell.number} of this notebook"), cell, exc)
        for cell, exc in notebook.unparsable
    ]
    for finding in analyze(
        notebook.source, filename, options, kind="notebook", fixes=fixes
    ):
        cell = notebook.cell_at(finding.line)
        if finding.fix is not None:
            fix = cell_fix(finding.fix, cell, notebook.source) if cell is not None else None
            finding = replace(finding, fix=fix) if fix is not None else without_fix(finding)
        findings.append(_located(finding, cell) if cell is not None else finding)
    return sorted(findings, key=lambda f: (f.cell or 0, f.line, f.col, f.code, f.message))


def _located(finding: Finding, cell: CodeCell) -> Finding:
    offset = cell.start - 1
    return replace(
        finding,
        line=finding.line - offset,
        end_line=None if finding.end_line is None else finding.end_line - offset,
        cell=cell.number,
        cell_offset=offset,
    )


def _in_cell(finding: Finding, cell: CodeCell, exc: SyntaxError) -> Finding:
    if not exc.lineno or exc.lineno > len(cell.lines):  # past the cell's end: its last line
        finding = replace(finding, line=len(cell.lines), col=0)
    return replace(finding, cell=cell.number, cell_offset=cell.start - 1)


def analyze_notebook_file(
    path: str, options: Options | None = None, fixes: bool = True
) -> list[Finding]:
    options = options or Options()
    try:
        data, _ = read_bytes(path)
    except OSError as exc:
        return [unreadable_file(exc, options)]
    return analyze_notebook(data, path, options, fixes)


@functools.lru_cache(maxsize=16)
def notebook_source_lines(path: str) -> tuple[str, ...]:
    """The lines of a notebook's source (its code cells concatenated, unmasked), as the SARIF
    regions count them; empty when the file cannot be read as a notebook."""
    try:
        with open(path, "rb") as handle:
            document = read_notebook(handle.read())
    except (OSError, NotebookError):
        return ()
    return tuple(line for cell in notebook_source(document).cells for line in cell.lines)


def notebook_module_source(path: str, data: str | bytes | None = None) -> str:
    """The module a notebook is analysed as (code cells concatenated, IPython syntax masked), of
    ``data`` when given (standard input), else of the file; "" when it is no notebook. Inline
    suppression comments are read from it, at the lines findings have in the notebook's source."""
    try:
        if data is None:
            with open(path, "rb") as handle:
                data = handle.read()
        return notebook_source(read_notebook(data)).source
    except (OSError, NotebookError):
        return ""
