"""The facts of a module are small objects, the seams, each built on the module walk and the seams
before it (``facts/module_facts.py``): a seam never reaches a later one, in its own module or in
another module's facts, and never reaches a seam through ``walk.facts``."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.facts import ModuleFacts
from pylint_keras_mp.facts import module_facts
from pylint_keras_mp.facts.syntax import walk_scope

FACTS = Path(module_facts.__file__).parent

# (attribute of ModuleFacts, module of facts/ that defines the seam), in dependency order
SEAMS = [
    ("walk", "module"),
    ("resolver", "resolver"),
    ("version", "version"),
    ("switches", "switches"),
    ("hierarchy", "hierarchy"),
    ("returns", "returns"),
    ("worker_code", "worker_code"),
    ("self_state", "self_state"),
    ("data_kinds", "data_kinds"),
    ("pipelines", "pipelines"),
    ("launches", "launches"),
    ("constructors", "constructors"),
]
NAMES = [name for name, _module in SEAMS]


def test_module_facts_builds_the_seams_in_order():
    init = next(
        node
        for node in ast.walk(ast.parse(inspect.getsource(ModuleFacts)))
        if isinstance(node, ast.FunctionDef) and node.name == "__init__"
    )
    built = [
        target.attr
        for node in ast.walk(init)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and target.attr in NAMES
    ]
    assert sorted(built) == sorted(NAMES)
    lines = {
        target.attr: node.lineno
        for node in ast.walk(init)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and target.attr in NAMES
    }
    assert sorted(NAMES, key=lines.get) == NAMES


@pytest.mark.parametrize(("seam", "module"), SEAMS[1:], ids=NAMES[1:])
def test_a_seam_uses_only_the_seams_before_it(seam, module):
    earlier = set(NAMES[: NAMES.index(seam)])
    tree = ast.parse((FACTS / f"{module}.py").read_text(encoding="utf-8"))
    reached = set()
    through_facts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in NAMES:
            reached.add(node.attr)
            if isinstance(node.value, ast.Attribute) and node.value.attr == "facts":
                through_facts.append(node.lineno)
    assert reached <= earlier | {seam}, f"{module}.py reaches later seams: {reached - earlier - {seam}}"
    assert not through_facts, f"{module}.py reaches a seam through walk.facts on lines {through_facts}"


@pytest.mark.parametrize(("seam", "module"), SEAMS[1:], ids=NAMES[1:])
def test_a_seam_is_given_what_it_uses(seam, module):
    """The constructor names every seam of its own module the seam uses, and nothing more."""
    cls = type(getattr(ModuleFacts(ast.parse(""), "", "m.py", Options()), seam))
    given = [name for name in inspect.signature(cls).parameters if name != "self"]
    assert given[0] == "walk"
    assert set(given) <= set(NAMES[: NAMES.index(seam)])
    source = (FACTS / f"{module}.py").read_text(encoding="utf-8")
    used = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr in NAMES
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    }
    assert used <= set(given), f"{seam} uses seams it is not given: {used - set(given)}"


def _seam_of_name() -> dict[str, str]:
    """Public attribute of a seam -> the seam's attribute on ModuleFacts."""
    facts = ModuleFacts(ast.parse(""), "", "m.py", Options())
    found: dict[str, str] = {}
    for seam in NAMES:
        for name in dir(getattr(facts, seam)):
            if not name.startswith("_") and name not in NAMES and not hasattr(facts, name):
                found.setdefault(name, seam)
    return found


def test_callers_ask_the_seam():
    """Rules, fixes, the project layer and the engine ask a seam (``facts.resolver.follow``),
    never ``ModuleFacts`` for a seam's method (``facts.follow``): the message says which seam."""
    seam_of = _seam_of_name()
    package = FACTS.parent
    sources = [*package.glob("rules/*.py"), *package.glob("fixes/*.py"), *package.glob("project/*.py")]
    sources += [package / "engine.py", package / "service.py", package / "notebook.py"]
    wrong = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in seam_of
                and isinstance(node.value, (ast.Name, ast.Attribute))
                and (node.value.id if isinstance(node.value, ast.Name) else node.value.attr)
                in ("facts", "owner", "fn_owner", "held_owner")
            ):
                where = f"{path.relative_to(package)}:{node.lineno}"
                wrong.append(f"{where}: .{node.attr} -> .{seam_of[node.attr]}.{node.attr}")
    assert not wrong, "ask the seam:\n" + "\n".join(wrong)


def _walked_modules():
    root = Path(__file__).resolve().parent.parent
    paths = sorted((root / "fixtures").rglob("*.py")) + sorted((root / "pylint_keras_mp").rglob("*.py"))
    assert len(paths) > 200
    return paths


def test_the_module_walk_indexes_every_node_in_ast_walks_order_but_the_shared_leaves():
    """``nodes_of`` and ``calls_by_function`` answer from one level-by-level walk, and
    ``walk_scope`` from a depth-first one, that skip the fields of ``syntax.LEAF_FIELDS``
    (``Load()``, ``Add()``, names): for every other node type they must give what ``ast.walk``
    and ``ast.iter_child_nodes`` give, in the same order."""
    leaf_types = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
    compared = 0
    for path in _walked_modules():
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        facts = ModuleFacts(tree, source, str(path), Options())
        expected: dict[type, list[ast.AST]] = {}
        for node in ast.walk(tree):
            expected.setdefault(type(node), []).append(node)
        for node_type, nodes in expected.items():
            if issubclass(node_type, leaf_types):
                continue
            assert facts.walk.nodes_of(node_type) == nodes, (path, node_type.__name__)
            compared += len(nodes)
        calls = [node for node, _fn in facts.walk.calls_by_function]
        assert sorted(map(id, calls)) == sorted(map(id, expected.get(ast.Call, []))), path
        for scope in [tree, *expected.get(ast.FunctionDef, [])[:20]]:
            assert list(walk_scope(scope)) == _scope_nodes(scope, leaf_types), path
    assert compared > 100_000


def _scope_nodes(scope: ast.AST, leaf_types: tuple[type, ...]) -> list[ast.AST]:
    """``walk_scope``'s nodes the slow way: ``ast.iter_child_nodes``, depth first from the last
    child, not into nested scopes, without the shared leaves."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, leaf_types):
            continue
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return found
