"""KMP501 pydataset-super-init-not-called: a Keras 3 loader's __init__ skips super().__init__."""

from __future__ import annotations

import ast

from ..facts import is_self_attribute, is_super_init, self_name_of
from ..rule import Rule
from ._common import keras3_decided, loader_init, super_init_calls

RULE = Rule(
    code="KMP501",
    symbol="pydataset-super-init-not-called",
    severity="W",
    summary="Keras 3 data loader's __init__ does not call super().__init__(**kwargs)",
    template=(
        "{loader}.__init__ does not call super().__init__(){path}{decided}: Keras warns and silently "
        "ignores workers/use_multiprocessing"
    ),
    fix="call super().__init__(**kwargs) at the top of __init__",
    words=("Sequence", "PyDataset"),
    options=("sequence-bases", "keras-version"),
    autofix="kmp501_fix",
)


class _SuperInitFlow:
    """Follows the paths through ``__init__`` and finds one that ends without the call."""

    def __init__(self, loader, init):
        self.self_name = self_name_of(init)
        # self.<helper>(...) calls of methods that call super().__init__ themselves
        self.helpers = {
            name
            for name, fn in loader.methods.items()
            if fn is not init and super_init_calls(fn)
        }

    def calls_super(self, node: ast.AST) -> bool:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Call):
                if is_super_init(current):
                    return True
                if is_self_attribute(current.func, self.self_name or "self") in self.helpers:
                    return True
            for child in ast.iter_child_nodes(current):
                if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    stack.append(child)
        return False

    def walk(self, body, called: bool):
        """(whether the call was made when the block falls through, None when it never does;
        the first ``return`` reached without the call, or None)."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, ast.Return):
                skipped = not called and not self.calls_super(stmt)
                return None, (stmt if skipped else None)
            if isinstance(stmt, ast.Raise):
                return None, None
            if isinstance(stmt, ast.If):
                called = called or self.calls_super(stmt.test)
                branches = [(stmt.body, called), (stmt.orelse, called)]
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                # a call inside a loop is taken as made: whether the loop runs is unknown
                called = called or self.calls_super(stmt)
                branches = [(stmt.body, called), (stmt.orelse, called)]
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                called = called or any(self.calls_super(item) for item in stmt.items)
                branches = [(stmt.body, called)]
            elif isinstance(stmt, ast.Try) or (hasattr(ast, "TryStar") and isinstance(stmt, ast.TryStar)):
                if any(self.calls_super(s) for s in stmt.finalbody):
                    called = True  # finally runs on every path
                # in a handler the call in the try body may or may not have run: taken as made
                in_handler = called or any(self.calls_super(s) for s in stmt.body)
                branches = [(stmt.body + stmt.orelse, called)]
                branches += [(handler.body, in_handler) for handler in stmt.handlers]
            elif hasattr(ast, "Match") and isinstance(stmt, ast.Match):
                called = called or self.calls_super(stmt.subject)
                branches = [(case.body, called) for case in stmt.cases]
                if not any(_is_wildcard(case) for case in stmt.cases):
                    branches.append(([], called))  # no case matched
            else:
                called = called or self.calls_super(stmt)
                continue
            ends = []
            for branch, entry in branches:
                out, skipped = self.walk(branch, entry)
                if skipped is not None:
                    return None, skipped
                if out is not None:
                    ends.append(out)
            if not ends:
                return None, None
            called = all(ends)
        return called, None


def _is_wildcard(case) -> bool:
    return isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None and case.guard is None


def missing_path(loader, init) -> str | None:
    """None when every path calls super().__init__; else how it is skipped, for the message."""
    calls = super_init_calls(init)
    flow = _SuperInitFlow(loader, init)
    if not calls and not any(flow.calls_super(stmt) for stmt in init.body):
        return ""
    end_called, skipped = flow.walk(init.body, False)
    if skipped is not None:
        return f" before the return on line {skipped.lineno}"
    if end_called is False:
        line = calls[0].lineno if calls else init.lineno
        return f" on every path (the call on line {line} can be skipped)"
    return None


def check(facts, report) -> None:
    for loader in facts.hierarchy.data_loaders:
        if not facts.version.is_keras3_loader(loader):
            continue
        init = loader_init(facts, loader)
        if init is None:
            continue
        path = missing_path(loader, init)
        if path is not None:
            report("KMP501", init, loader=loader.name, path=path, decided=keras3_decided(facts, loader))
