"""The project layer: finds the project a file belongs to, maps modules to files, resolves
imports, and answers cross-module questions from per-module summaries computed once."""

from __future__ import annotations

from .model import Project, SkippedPath, find_project_root, project_for

__all__ = [
    "Project", "ProjectIndex", "SkippedPath", "buffer_changed", "find_project_root", "index_for",
    "project_for",
]


def __getattr__(name: str) -> object:
    """The project index's names, imported on first use (start-up cost: the index imports the
    facts, which the results cache, asking only ``project.model``, never needs)."""
    if name not in ("ProjectIndex", "buffer_changed", "index_for"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import index  # start-up cost (above)

    return getattr(index, name)
