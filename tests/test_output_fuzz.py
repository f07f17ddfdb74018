"""Every output format renders any finding without an exception, and what it writes can be
encoded for any stream: hostile file names (bytes that are not UTF-8, control characters,
separators), messages and codes."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from pylint_keras_mp.output import FORMATS, Diagnostic, encode_output, render
from pylint_keras_mp.registry import RULES

# a file name as os.fsdecode gives it: any bytes but "/" and NUL, undecodable ones as surrogates
names = st.binary(min_size=1, max_size=24).map(
    lambda raw: os.fsdecode(raw.replace(b"/", b"_").replace(b"\0", b"_"))
)
paths = st.lists(names, min_size=1, max_size=3).map(lambda parts: os.path.join(*parts))
hostile_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from("\n\r%:,\x1b\"'<>&]]>"),
    max_size=60,
)
codes = st.sampled_from([rule.code for rule in RULES]) | st.from_regex(r"[A-Z]{1,4}[0-9]{1,4}", fullmatch=True)


@st.composite
def diagnostics(draw):
    line = draw(st.integers(1, 10_000))
    return Diagnostic(
        path=draw(paths),
        line=line,
        column=draw(st.integers(1, 500)),
        code=draw(codes),
        message=draw(hostile_text),
        end_line=draw(st.none() | st.integers(line, line + 5)),
        end_column=draw(st.none() | st.integers(1, 500)),
        url=draw(st.sampled_from(["", "https://example.org/KMP201.md"])),
        severity=draw(st.sampled_from(["error", "warning", "fatal", "convention", ""])),
        symbol=draw(st.sampled_from(["", "sequence-lambda-attribute"])),
        cell=draw(st.none() | st.integers(1, 9)),
        lines=tuple(draw(st.lists(hostile_text.map(lambda t: t + "\n"), max_size=4))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(diagnostics(), max_size=5), st.sampled_from(["utf-8", "cp1252", "ascii"]))
def test_every_format_renders_and_encodes_hostile_findings(found, encoding):
    for format_name in FORMATS:
        document = render(format_name, found, docs_url=None)
        data = encode_output(document, encoding)  # never raises
        if format_name == "text":
            # names as the OS gave them: their own bytes, whatever the stream's encoding
            for d in found:
                if d.path.isascii() or not d.path.encode("utf-8", "surrogateescape").isascii():
                    assert encode_output(d.path, encoding) in data
        if format_name in ("json", "sarif", "gitlab", "rdjson"):
            parsed = json.loads(document)
            results = {
                "json": lambda: parsed,
                "gitlab": lambda: parsed,
                "sarif": lambda: parsed["runs"][0]["results"],
                "rdjson": lambda: parsed["diagnostics"],
            }[format_name]()
            assert len(results) == len(found)
        if format_name == "json-lines":
            assert [json.loads(line)["code"] for line in document.splitlines()] == [d.code for d in found]
        if format_name == "junit":
            from xml.etree import ElementTree

            root = ElementTree.fromstring(encode_output(document, "utf-8"))
            assert len(root.findall("./testsuite/testcase/failure")) == len(found)
        if format_name in ("text", "concise", "pylint"):
            assert document.count("\n") >= len(found)
        if format_name == "github":
            # one workflow command per finding: newlines in names and messages are escaped
            assert document.count("\n") == len(found)
