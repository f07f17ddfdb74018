"""The project layer: finds the project a file belongs to, maps modules to files, resolves
imports, and answers cross-module questions from per-module summaries computed once."""

from __future__ import annotations

from .index import ProjectIndex, buffer_changed, index_for
from .model import Project, SkippedPath, find_project_root, project_for

__all__ = [
    "Project", "ProjectIndex", "SkippedPath", "buffer_changed", "find_project_root", "index_for",
    "project_for",
]
