"""Options shared by every front end (pylint, flake8, keras-mp-lint), declared once."""

from __future__ import annotations

from dataclasses import dataclass, field

KERAS_VERSIONS = ("auto", "2", "3")
KERAS_BACKENDS = ("auto", "jax", "tensorflow", "torch", "numpy", "openvino")
PLATFORMS = ("linux", "macos", "windows")
OLDEST_PYTHON = "3.10"


@dataclass(frozen=True)
class Options:
    """The analysis options, as every front end passes them to the engine."""

    sequence_bases: tuple[str, ...] = ()
    unpicklable_constructors: tuple[str, ...] = ()
    keras_version: str = "auto"
    keras_backend: str = "auto"
    assume_multiprocessing: bool = False
    docs_url: str | None = None
    source_roots: tuple[str, ...] = ()
    # where the code must run: how messages word where a pickling hazard fails (never the
    # Python or platform that runs the linter)
    target_platforms: tuple[str, ...] = PLATFORMS
    python_version: str = OLDEST_PYTHON
    # Codes to run; None means every rule. Front ends pass what the user enabled so
    # that disabled rules cost nothing.
    select: frozenset[str] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.keras_version not in KERAS_VERSIONS:
            raise ValueError(
                f"keras-version must be one of {', '.join(KERAS_VERSIONS)}, "
                f"not {self.keras_version!r}"
            )
        if self.keras_backend not in KERAS_BACKENDS:
            raise ValueError(
                f"keras-backend must be one of {', '.join(KERAS_BACKENDS)}, "
                f"not {self.keras_backend!r}"
            )
        if not self.target_platforms:  # an empty setting: every platform
            object.__setattr__(self, "target_platforms", PLATFORMS)
        if self.python_version is None or not str(self.python_version).strip():
            object.__setattr__(self, "python_version", OLDEST_PYTHON)
        unknown = [name for name in self.target_platforms if name not in PLATFORMS]
        if unknown:
            raise ValueError(
                f"target-platforms must name some of {', '.join(PLATFORMS)}, not {', '.join(unknown)}"
            )
        if self.python_minor is None:
            raise ValueError(f"python-version must look like 3.10, not {self.python_version!r}")

    @property
    def python_minor(self) -> tuple[int, int] | None:
        """(3, 10) from python-version "3.10"."""
        major, _, minor = str(self.python_version).strip().partition(".")
        if not (major.isdigit() and minor.isdigit()):
            return None
        return int(major), int(minor)


@dataclass(frozen=True)
class OptionSpec:
    """One user-facing option; front ends add their own prefix (``keras-mp-`` for pylint/flake8)."""

    name: str  # key without prefix, e.g. "sequence-bases"
    kind: str  # "csv", "choice", "bool", "string"
    default: object
    help: str
    attr: str  # Options field
    choices: tuple[str, ...] = ()
    metavar: str = ""


OPTION_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "sequence-bases",
        "csv",
        (),
        "Extra fully qualified base classes whose subclasses are Keras data loaders, "
        "e.g. myproj.data.BaseLoader (comma separated).",
        "sequence_bases",
        metavar="<qualified names>",
    ),
    OptionSpec(
        "unpicklable-constructors",
        "csv",
        (),
        "Extra fully qualified callables whose results cannot be pickled (KMP202), "
        "e.g. mydb.connect (comma separated).",
        "unpicklable_constructors",
        metavar="<qualified names>",
    ),
    OptionSpec(
        "keras-version",
        "choice",
        "auto",
        "Keras major version the code targets: 2, 3, or auto (from the module's imports, "
        "then the keras/tensorflow installed where the linter runs, read from package metadata; "
        "never imported). A module that imports tf_keras is Keras 2 whatever this says.",
        "keras_version",
        choices=KERAS_VERSIONS,
        metavar="<auto|2|3>",
    ),
    OptionSpec(
        "keras-backend",
        "choice",
        "auto",
        "Keras 3 backend the code runs on (KMP403): jax, tensorflow, torch, numpy, openvino, or "
        "auto (from the module's os.environ[\"KERAS_BACKEND\"] = ...; never from the environment).",
        "keras_backend",
        choices=KERAS_BACKENDS,
        metavar="<auto|jax|tensorflow|torch|numpy|openvino>",
    ),
    OptionSpec(
        "assume-multiprocessing",
        "bool",
        False,
        "Treat a use_multiprocessing value that cannot be resolved statically (a variable, "
        "argument or config entry), and **kwargs of a launch that cannot be read, as True.",
        "assume_multiprocessing",
        metavar="<yes or no>",
    ),
    OptionSpec(
        "source-roots",
        "csv",
        (),
        "Folders, relative to the project root, that hold the project's top-level packages "
        "(e.g. src for a src/ layout; comma separated). The project root is the nearest "
        "folder above the file with pyproject.toml, setup.cfg, setup.py or .git; it is "
        "always a source root.",
        "source_roots",
        metavar="<paths>",
    ),
    OptionSpec(
        "target-platforms",
        "csv",
        PLATFORMS,
        "Platforms the code must run on: linux, macos, windows (comma separated; default all). "
        "Decides how messages say where a pickling hazard fails, and that a program pinning the "
        "fork start method is safe when only linux is targeted.",
        "target_platforms",
        metavar="<platforms>",
    ),
    OptionSpec(
        "python-version",
        "string",
        OLDEST_PYTHON,
        "The oldest Python the code must run on (default 3.10): Linux starts workers with "
        "forkserver from Python 3.14, which pickles like spawn.",
        "python_version",
        metavar="<3.x>",
    ),
    OptionSpec(
        "docs-url",
        "string",
        "",
        "URL of the folder the rule pages live under: a message links to <url>/KMP201.md, or "
        "to <url> with {code} replaced when it contains {code} (default: the project's pages).",
        "docs_url",
        metavar="<url>",
    ),
)


def split_csv(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.replace("\n", ",").split(",")
    else:
        items = [str(v) for v in value]
    return tuple(item.strip() for item in items if item and item.strip())


BOOL_WORDS = ("true", "false", "yes", "no")
_TRUE = {"1", "y", "yes", "true", "on"}
_FALSE = {"0", "n", "no", "false", "off"}


class OptionValueError(ValueError):
    """An option with a value it cannot take; front ends add where the value came from."""

    def __init__(self, option: str, value: object, allowed: str):
        self.option, self.value, self.allowed = option, value, allowed
        super().__init__(f"{option}: invalid value {value!r} (allowed: {allowed})")

    def located(self, option: str | None = None, source: str | None = None) -> str:
        """One line naming the option (as the front end spells it), the value, the file it
        came from when there is one, and the allowed values."""
        where = f" in {source}" if source else ""
        name = option or self.option
        return f"{name}: invalid value {self.value!r}{where} (allowed: {self.allowed})"


def parse_bool(value: object, option: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise OptionValueError(option, value, ", ".join(BOOL_WORDS))


def options_from_mapping(values: dict[str, object], select=None) -> Options:
    """Build Options from {option name or attribute: raw value}. An unknown key raises
    ValueError; a value an option cannot take raises OptionValueError."""
    kwargs: dict[str, object] = {}
    by_key = {spec.name: spec for spec in OPTION_SPECS}
    by_key.update({spec.attr: spec for spec in OPTION_SPECS})
    for key, raw in values.items():
        spec = by_key.get(key.replace("_", "-")) or by_key.get(key)
        if spec is None:
            raise ValueError(f"unknown option {key!r}")
        if spec.kind == "csv":
            kwargs[spec.attr] = split_csv(raw)
            if spec.name == "target-platforms":
                unknown = [name for name in kwargs[spec.attr] if name not in PLATFORMS]
                if unknown:
                    raise OptionValueError(spec.name, ",".join(unknown), ", ".join(PLATFORMS))
        elif spec.kind == "bool":
            kwargs[spec.attr] = parse_bool(raw, spec.name)
        elif spec.kind == "choice":
            text = str(raw).strip()
            if text not in spec.choices:
                raise OptionValueError(spec.name, raw, ", ".join(spec.choices))
            kwargs[spec.attr] = text
        else:
            kwargs[spec.attr] = str(raw).strip() or None
            if spec.name == "python-version" and kwargs[spec.attr] and not _is_minor_version(raw):
                raise OptionValueError(spec.name, raw, "a version such as 3.10")
    return Options(select=select, **kwargs)


def _is_minor_version(value: object) -> bool:
    major, dot, minor = str(value).strip().partition(".")
    return bool(dot) and major.isdigit() and minor.isdigit()
