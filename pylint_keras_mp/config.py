"""Options shared by every front end (pylint, flake8, keras-mp-lint), declared once."""

from __future__ import annotations

from dataclasses import dataclass, field

KERAS_VERSIONS = ("auto", "2", "3")
KERAS_BACKENDS = ("auto", "jax", "tensorflow", "torch", "numpy", "openvino")


@dataclass(frozen=True)
class Options:
    sequence_bases: tuple[str, ...] = ()
    unpicklable_constructors: tuple[str, ...] = ()
    keras_version: str = "auto"
    keras_backend: str = "auto"
    assume_multiprocessing: bool = False
    docs_url: str | None = None
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
        "then the installed keras distribution's metadata; never imported).",
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
        "argument or config entry) as True.",
        "assume_multiprocessing",
        metavar="<y or n>",
    ),
    OptionSpec(
        "docs-url",
        "string",
        "",
        "Base URL of the rule documentation used in messages (default: the project's "
        "Documentation URL).",
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


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "y", "yes", "true", "on"}:
        return True
    if text in {"0", "n", "no", "false", "off", ""}:
        return False
    raise ValueError(f"expected yes or no, not {value!r}")


def options_from_mapping(values: dict[str, object], select=None) -> Options:
    """Build Options from {option name or attribute: raw value}; unknown keys raise ValueError."""
    kwargs: dict[str, object] = {}
    by_key = {spec.name: spec for spec in OPTION_SPECS}
    by_key.update({spec.attr: spec for spec in OPTION_SPECS})
    for key, raw in values.items():
        spec = by_key.get(key.replace("_", "-")) or by_key.get(key)
        if spec is None:
            raise ValueError(f"unknown option {key!r}")
        if spec.kind == "csv":
            kwargs[spec.attr] = split_csv(raw)
        elif spec.kind == "bool":
            kwargs[spec.attr] = parse_bool(raw)
        elif spec.kind == "choice":
            kwargs[spec.attr] = str(raw).strip()
        else:
            kwargs[spec.attr] = str(raw).strip() or None
    return Options(select=select, **kwargs)
