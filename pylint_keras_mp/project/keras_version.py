"""The Keras version of a project, for its modules that show none of their own: what the project
declares (``dependencies.py``), else what its modules show (Keras-3-only API such as
``keras.utils.PyDataset`` or a loader passing worker arguments to ``super().__init__``, or
Keras-2-only paths such as ``keras.utils.data_utils``), when every module that shows a version
agrees."""

from __future__ import annotations

import re

from ..facts.version import evidence_text
from .dependencies import declared_keras_version

# Text a module must contain to show a version (the files without it are not parsed).
VERSION_MARKERS = re.compile(
    rb"PyDataset|keras\.src|keras\.ops|keras import ops|keras\.random|keras\.config|tf_keras|"
    rb"data_utils|keras\.engine|tensorflow\.python\.keras|__init__\([^)]*\bworkers\s*=|"
    rb"keras\.layers\.(core|convolutional|normalization|recurrent|cudnn_recurrent|pooling|merge|"
    rb"advanced_activations|embeddings|wrappers|noise|local)\b|CuDNNLSTM|CuDNNGRU|"
    rb"keras\.utils\.(np_utils|generic_utils|vis_utils|conv_utils|layer_utils|io_utils|"
    rb"multi_gpu_utils)\b|multi_gpu_model|tensorflow_backend|wrappers\.scikit_learn"
)
# A project with more modules that show a version than this is read no further.
MAX_EVIDENCE_MODULES = 200


def project_keras_version(index) -> tuple[int, str] | None:
    """(2 or 3, what decided it) for a project index, or None."""
    project = index.project
    declared = declared_keras_version(project.root, project.source_roots)
    if declared is not None:
        major, where = declared
        return major, f"the project's dependencies: {where}"
    seen: dict[int, str] = {}
    read = 0
    for path in project.all_files():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if VERSION_MARKERS.search(data) is None:
            continue
        read += 1
        if read > MAX_EVIDENCE_MODULES:
            break
        facts = index.facts_of(path)
        if facts is None or facts.version.imports_tf_keras:
            if facts is not None:
                seen.setdefault(2, f"{_relative(project, path)} imports tf_keras")
            continue
        for version, node in facts.version.keras_version_evidence.items():
            where = f"{_relative(project, path)} ({evidence_text(node)}, line {node.lineno})"
            seen.setdefault(version, where)
        if len(seen) > 1:
            return None  # the project's modules disagree: no project fact
    if len(seen) != 1:
        return None
    version, where = next(iter(seen.items()))
    return version, f"another module of the project: {where}"


def _relative(project, path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return path.name
