"""KMP503 pydataset-reserved-attribute: a Keras 3 loader assigns self.workers & co. itself."""

from __future__ import annotations

import ast

from ..facts import WORKER_ARGUMENTS, keyword, target_names
from ..rule import Rule
from ._common import keras3_decided, loader_init, super_init_calls

RULE = Rule(
    code="KMP503",
    symbol="pydataset-reserved-attribute",
    severity="W",
    summary="Keras 3 data loader assigns self.workers/use_multiprocessing/max_queue_size itself",
    template="{loader} assigns self.{attr}, which is a PyDataset property{decided}: {consequence}",
    fix="rename the attribute, or pass {attr}= to super().__init__()",
    words=("Sequence", "PyDataset"),
    options=("sequence-bases", "keras-version"),
)

DEFAULTS = {"workers": "1", "use_multiprocessing": "False", "max_queue_size": "10"}
MEANINGS = {
    "workers": "the number of workers it starts",
    "use_multiprocessing": "its choice between worker processes and threads",
    "max_queue_size": "the size of its batch queue",
}
WRITES = frozenset({"rebind", "augment"})


def _class_defines(loader, attr: str) -> bool:
    """The class overrides the name itself (a property, method or class attribute)."""
    if attr in loader.methods:
        return True
    for cls in loader.mro:
        for stmt in cls.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            )
            if any(attr in target_names(t) for t in targets):
                return True
    return False


def _same_expression(a, b) -> bool:
    return a is not None and b is not None and ast.dump(a) == ast.dump(b)


def check(facts, report) -> None:
    for loader in facts.hierarchy.data_loaders:
        if not facts.version.is_keras3_loader(loader):
            continue
        init = loader_init(facts, loader)
        calls = super_init_calls(init) if init is not None else []
        uses = facts.self_state.self_attribute_uses(loader)
        for use in uses:
            attr = use.attr
            if use.use not in WRITES or attr not in WORKER_ARGUMENTS or _class_defines(loader, attr):
                continue
            passed = [keyword(call, attr) for call in calls]
            if any(_same_expression(use.value, value) for value in passed):
                continue  # self.workers = workers next to super().__init__(workers=workers)
            later = [
                call
                for call in calls
                if use.method is init and call.lineno > use.stmt.lineno and keyword(call, attr) is None
            ]
            if later:
                consequence = (
                    f"super().__init__() on line {later[0].lineno} then resets it to the "
                    f"caller's value or the default ({DEFAULTS[attr]})"
                )
            elif use.method is init and any(call.lineno > use.stmt.lineno for call in calls):
                continue  # super().__init__(workers=...) sets it again right after
            elif any(
                other.attr == attr and other.use not in WRITES and other.stmt is not use.stmt
                for other in uses
            ):
                consequence = f"Keras also reads it as {MEANINGS[attr]}"
            else:
                continue  # only written, so it sets Keras' own setting, which works
            report(
                "KMP503",
                use.stmt,
                loader=loader.name,
                attr=attr,
                consequence=consequence,
                decided=keras3_decided(facts, loader),
            )
