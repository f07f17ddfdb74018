"""Reading source text: decoding bytes as the interpreter does, the parser's NFKC
normalisation, and finding words that may be identifiers of the code (not prose in a docstring or
a comment). The pre-filter and the project scan read modules with these."""

from __future__ import annotations

import functools
import io
import keyword
import re
import tokenize
import unicodedata


def normalised(source: str) -> str:
    # The parser NFKC-normalises identifiers: ``class L(ＰｙＤａｔａｓｅｔ)`` names PyDataset.
    if source.isascii() or unicodedata.is_normalized("NFKC", source):
        return source
    return unicodedata.normalize("NFKC", source)


# In valid Python an identifier is never followed, on the same line, by another name that is
# not a keyword ("Sequence of tensors" is prose in a docstring or a comment), never touches a
# backquote (no Python 3 token; Markdown in docstrings), and is never just after a "#" (a
# comment), so such an occurrence cannot be the identifier. The other whole words count.
_KEYWORDS = "|".join(keyword.kwlist)
_PROSE_BEFORE = re.compile(r"(?:\w|[`#]|# )\Z")
_PROSE_AFTER = re.compile(rf"\w|`|[ \t\f]+(?!(?:{_KEYWORDS})(?!\w))[^\W\d]")


@functools.lru_cache(maxsize=64)
def _words_pattern(words: frozenset[str] | tuple[str, ...]) -> re.Pattern:
    # the longest first: a word may begin with another, and identifiers are whole words
    return re.compile("|".join(map(re.escape, sorted(words, key=lambda w: (-len(w), w)))))


def names_code_word(text: str, words: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether one of ``words`` occurs in ``text`` where it may be an identifier of the code:
    a whole word, not prose (above). A plain search for the words finds the few candidates, and
    their surroundings decide (one pattern with look-behinds costs a test at every position)."""
    for match in _words_pattern(words).finditer(text):
        start, end = match.span()
        if start and _PROSE_BEFORE.search(text, max(start - 2, 0), start):
            continue
        if _PROSE_AFTER.match(text, end):
            continue
        return True
    return False


def names_a_word(
    text: str, words: frozenset[str] | tuple[str, ...], probes: tuple[str, ...] | None = None
) -> bool:
    """Whether one of ``words`` may be an identifier of the (normalised) text: the substring
    test (``probes``: substrings of which each word holds one, default the words) is cheap and
    refuses most modules, the pattern decides."""
    # map over the bound method: no generator frame per probe (a module is tested against
    # thirty probes, and most modules name none)
    return any(map(text.__contains__, probes or words)) and names_code_word(text, words)


def _first_two_lines(data: bytes) -> bytes:
    """Where a coding cookie can be: the first two lines, as tokenize reads them (split at
    newline characters only)."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    return data if second < 0 else data[: second + 1]


def decode_source(data: bytes) -> str:
    """Decode Python source honouring the BOM and a coding cookie, like the interpreter."""
    if not data.startswith(b"\xef\xbb\xbf") and b"coding" not in _first_two_lines(data):
        # no BOM, and no cookie possible on the first two lines: UTF-8, the default (an
        # undecodable text raises UnicodeDecodeError, which every caller handles as before)
        return data.decode("utf-8")
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def utf16_column(text: str, column: int) -> int:
    """``column`` of the line ``text`` (1-based, in UTF-8 bytes as Python's ``ast`` counts) in
    UTF-16 code units (1-based), the unit of SARIF's ``columnKind`` and of LSP positions."""
    if text.isascii():
        return column
    prefix = text.encode("utf-8")[: column - 1].decode("utf-8", errors="ignore")
    return len(prefix.encode("utf-16-le")) // 2 + 1
