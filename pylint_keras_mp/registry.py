"""The rule catalog: one entry per code, read by every front end and by the docs tests.

Codes are stable. The pylint message id of ``KMPabc`` is ``<severity>7abc`` with the same digits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

DEFAULT_DOCS_URL = "https://github.com/pylint-keras-mp/pylint-keras-mp/blob/main/docs"

SEVERITY_NAMES = {"W": "warning", "E": "error", "F": "fatal"}


@dataclass(frozen=True)
class Rule:
    code: str  # KMP201
    symbol: str  # sequence-lambda-attribute
    severity: str  # "W", "E" or "F"
    summary: str  # one line for tables and --list
    template: str  # message text, formatted with the fields a check supplies
    fix: str  # one clause: what to do instead
    # other wordings for special cases, (form, template, fix): a check picks one with the field
    # form=...; findings without it, and descriptions, use the main template and fix
    forms: tuple[tuple[str, str, str], ...] = ()

    @property
    def msgid(self) -> str:
        return f"{self.severity}7{self.code[3:]}"

    @property
    def level(self) -> str:
        return SEVERITY_NAMES[self.severity]

    def url(self, base: str | None = None) -> str:
        """The rule's page. ``base`` (the docs-url option) is the folder the pages live under,
        or a template with ``{code}``; without it, the project's docs/rules/."""
        if not base:
            return f"{docs_base_url().rstrip('/')}/rules/{self.code}.md"
        if "{code}" in base:
            return base.replace("{code}", self.code)
        return f"{base.rstrip('/')}/{self.code}.md"

    def format(self, fields: dict[str, object]) -> str:
        """The message without code or link: what, why, and the fix."""
        template, fix = self.template, self.fix
        if fields.get("form"):
            template, fix = {form: (t, f) for form, t, f in self.forms}[fields["form"]]
        return f"{template.format(**fields)}; {fix.format(**fields)}"

    @property
    def generic_fix(self) -> str:
        """The fix with its placeholders named, for descriptions without a finding."""
        import string

        names = [field for _, field, _, _ in string.Formatter().parse(self.fix) if field]
        return self.fix.format(**{name: f"<{name}>" for name in names})


RULES: tuple[Rule, ...] = (
    Rule(
        "KMP101",
        "sequence-global-write",
        "W",
        "Worker code of a data loader writes a module global; the write never reaches the parent",
        "{loader}.{method} {action} module global '{name}': updates made in worker processes "
        "never reach the parent and race on threads",
        "keep the state on the parent side (on_epoch_end) or return it with the batch",
    ),
    Rule(
        "KMP102",
        "sequence-main-only-global",
        "E",
        "Worker code reads a name bound only under the main guard (NameError under spawn/forkserver)",
        "{loader}.{method} reads '{name}', which is bound only {where}: spawn/forkserver "
        "workers re-import the module without it and raise NameError",
        "define it at module level or pass it to the constructor",
    ),
    Rule(
        "KMP201",
        "sequence-lambda-attribute",
        "E",
        "Data loader stores a lambda, nested function or local class on self (cannot be pickled)",
        "{loader} stores {what} in self.{attr}: it cannot be pickled into spawn/forkserver workers",
        "use a module-level function, or functools.partial of one",
    ),
    Rule(
        "KMP202",
        "sequence-unpicklable-attribute",
        "E",
        "Data loader stores an unpicklable object (file, lock, generator, connection...) on self",
        "{loader} stores {what} in self.{attr}: it cannot be pickled into spawn/forkserver "
        "workers{extra}",
        "store the path or settings and open it lazily in __getitem__ (if self.{attr} is None: ...)",
        (
            (
                "launch",
                "{launch} feeds {what} that holds a threading.Lock, to worker processes{when}: it cannot "
                "be pickled into spawn/forkserver workers",
                "feed the workers a PyDataset that loads and augments each batch by index, or use "
                "threads (use_multiprocessing=False)",
            ),
        ),
    ),
    Rule(
        "KMP203",
        "notebook-defined-loader",
        "E",
        "Data loader class defined in a notebook runs in worker processes (spawn/forkserver hang)",
        "data loader '{loader}' is defined in a notebook and {how}: spawn/forkserver workers "
        "cannot import a class from a notebook and the call never returns",
        "move the class into a .py module next to the notebook and import it",
    ),
    Rule(
        "KMP204",
        "function-local-loader-class",
        "E",
        "Data loader class defined inside a function runs in worker processes (cannot be pickled)",
        "data loader '{loader}' is defined inside {function}() and runs in worker processes{when}: "
        "a class defined in a function cannot be pickled into spawn/forkserver workers "
        "(AttributeError: Can't pickle local object '{qualname}')",
        "define the class at module level and pass what it takes from {function}() to its "
        "constructor",
    ),
    Rule(
        "KMP301",
        "multiprocessing-launch-without-main-guard",
        "E",
        "Multiprocessing fit/predict runs at import time, outside if __name__ == '__main__'",
        "{launch} starts worker processes at import time{via}{when}: spawn/forkserver workers "
        "re-import the module, fail to bootstrap and the parent hangs",
        "move the call under if __name__ == \"__main__\":",
    ),
    Rule(
        "KMP302",
        "generator-with-multiprocessing",
        "W",
        "A plain Python generator is fed to fit/predict with worker processes or several threads",
        "{launch} feeds {what} as {argument} to {workers}{when}: {consequence}",
        "wrap the data in a keras.utils.PyDataset/Sequence subclass (each batch by index)",
    ),
    Rule(
        "KMP303",
        "ignored-worker-arguments",
        "W",
        "workers/use_multiprocessing/max_queue_size are passed where Keras silently ignores them",
        "{launch} passes {args}{context}: {consequence}",
        "drop them, or give a data loader a positive workers count such as os.cpu_count()",
    ),
    Rule(
        "KMP304",
        "pool-inside-worker",
        "E",
        "Worker code of a data loader starts a process pool (daemonic processes cannot have children)",
        "{loader}.{method} {what} in worker code: Keras worker processes are daemonic and "
        "cannot have children (AssertionError)",
        "parallelise with the loader's own workers, or use threads inside __getitem__",
    ),
    Rule(
        "KMP305",
        "worker-arguments-rejected-by-keras3",
        "E",
        "workers/use_multiprocessing/max_queue_size passed to fit/evaluate/predict under Keras 3",
        "{launch} passes {args}, which Keras 3 rejects ({error}){decided}",
        "drop them, or pass them to the data loader's constructor, which forwards them with "
        "super().__init__(**kwargs)",
    ),
    Rule(
        "KMP306",
        "generator-method-removed-in-keras3",
        "E",
        "fit_generator/evaluate_generator/predict_generator called under Keras 3, which removed them",
        "{launch} does not exist in Keras 3 (AttributeError: ... object has no attribute "
        "'{method}'){decided}",
        "call {replacement}(...), which takes the same data loader or generator{move}",
    ),
    Rule(
        "KMP307",
        "argparse-bool-worker-switch",
        "W",
        "A type=bool command-line option turns worker processes on for any value, False included",
        "option {option} is declared type=bool and reaches the worker processes of {setting} "
        "({read}, line {line}): bool() is True for every non-empty string, so '{option} False' "
        "starts them too",
        "declare it with action=\"store_true\", or argparse.BooleanOptionalAction when it "
        "defaults to True",
    ),
    Rule(
        "KMP401",
        "sequence-getitem-state-write",
        "W",
        "Worker code of a data loader mutates self state that is lost in worker processes",
        "{loader}.{method} {action} self.{attr}: in worker processes the change is made on a "
        "copy and lost, on threads it races",
        "compute it in __init__ or on_epoch_end, or return it with the batch",
        (
            (
                "iterator",
                "{loader}.{method} advances the iterator self.{attr}: each worker process advances "
                "its own copy and replays the stream, on threads the workers race on it",
                "read the item for the index (self.items[index]) instead of advancing an iterator",
            ),
        ),
    ),
    Rule(
        "KMP402",
        "sequence-unseeded-random",
        "W",
        "Worker code draws from a global or shared random generator while workers are in use",
        "{loader}.{method} draws from {what}: worker processes start from copies of one RNG "
        "state and repeat the same 'random' values",
        "derive a generator per batch, e.g. np.random.default_rng((self.seed, self.epoch, index))",
        (
            (
                "why",
                "{loader}.{method} draws from {what}{when}: {why}",
                "derive a generator per batch, e.g. np.random.default_rng((self.seed, self.epoch, "
                "index))",
            ),
        ),
    ),
    Rule(
        "KMP403",
        "framework-call-in-worker",
        "W",
        "Worker code of a data loader calls JAX while JAX runs in the parent (fork workers deadlock)",
        "{loader}.{method} calls {what} in worker processes{when}: {why}",
        "compute with numpy or PIL in the loader and leave the framework to the model, or use "
        "threads (use_multiprocessing=False) or the spawn start method",
    ),
    Rule(
        "KMP501",
        "pydataset-super-init-not-called",
        "W",
        "Keras 3 data loader's __init__ does not call super().__init__(**kwargs)",
        "{loader}.__init__ does not call super().__init__(){path}{decided}: Keras warns and silently "
        "ignores workers/use_multiprocessing",
        "call super().__init__(**kwargs) at the top of __init__",
    ),
    Rule(
        "KMP502",
        "pydataset-kwargs-not-forwarded",
        "W",
        "Keras 3 data loader accepts **kwargs but does not forward them to super().__init__",
        "{loader}.__init__ accepts **{kwargs} but does not pass it to super().__init__(){decided}: "
        "a caller's workers/use_multiprocessing vanish",
        "call super().__init__(**{kwargs})",
    ),
    Rule(
        "KMP503",
        "pydataset-reserved-attribute",
        "W",
        "Keras 3 data loader assigns self.workers/use_multiprocessing/max_queue_size itself",
        "{loader} assigns self.{attr}, which is a PyDataset property{decided}: {consequence}",
        "rename the attribute, or pass {attr}= to super().__init__()",
    ),
    Rule(
        "KMP900",
        "internal-error",
        "F",
        "The linter could not analyse this file (reported once; the run goes on)",
        "keras-mp could not analyse this file: {reason}",
        "please report it with the file that triggers it",
    ),
    Rule(
        "KMP901",
        "unparsable-source",
        "E",
        "Python cannot parse or decode this file, so it was not checked (keras-mp-lint only)",
        "Python cannot parse {what} ({error}), so keras-mp did not check it",
        "fix the error and lint again",
    ),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
RULES_BY_SYMBOL: dict[str, Rule] = {rule.symbol: rule for rule in RULES}
RULES_BY_MSGID: dict[str, Rule] = {rule.msgid: rule for rule in RULES}


def get_rule(key: str) -> Rule:
    """Look a rule up by code (KMP201), pylint id (E7201) or symbol."""
    key = key.strip()
    for table in (RULES_BY_CODE, RULES_BY_MSGID, RULES_BY_SYMBOL):
        if key.upper() in table:
            return table[key.upper()]
        if key in table:
            return table[key]
    raise KeyError(key)


@functools.lru_cache(maxsize=1)
def docs_base_url() -> str:
    """The Documentation URL from the installed package metadata (setup.cfg), else the default."""
    from .installed import metadata

    try:
        urls = (metadata("pylint-keras-mp") or {}).get("project-url", [])
    except Exception:
        return DEFAULT_DOCS_URL
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip()
    return DEFAULT_DOCS_URL
