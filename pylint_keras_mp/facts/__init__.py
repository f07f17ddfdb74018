"""Facts about one module, computed once and shared by every rule.

Everything here works on the standard library's ``ast``: the linted code is never imported,
and neither Keras nor TensorFlow needs to be installed. The modules, in dependency order (a
seam is a small object, ``ModuleFacts.<attribute>``, built on the module walk and the seams
before it):

- ``syntax``: the shape of the tree (scopes, targets, ``self.x``, the main guard test);
- ``keras_api`` and ``values``: Keras names, and the values the resolver can know;
- ``bindings``: the binding table, one answer to "bound exactly once, to what";
- ``module``: the module walk (imports, import-time code, the main guard), ``walk``;
- ``resolver``: qualified names, ``follow`` (a name to its value) and literal values, the class
  a name is an instance of, ``resolver``;
- ``version``: the Keras version a module is written for, ``version``;
- ``switches``: worker switches the code leaves open and ``WorkerSettings``, ``switches``;
- ``hierarchy``: the class-hierarchy walk and the data loaders, ``hierarchy``;
- ``returns``: what calls run and project functions return, the project objects a class holds,
  ``returns``;
- ``worker_code``: the functions and held objects' methods worker code reaches, ``worker_code``;
- ``self_state``: what a loader's methods do with ``self.<attr>``, ``self_state``;
- ``data_kinds``: datasets, in-memory arrays and plain iterators, ``data_kinds``;
- ``pipelines``: torch DataLoaders and grain, and the torch datasets they run, ``pipelines``;
- ``launches``: fit/evaluate/predict, the worker settings, and which loaders run in worker
  processes (a torch dataset's answer comes from ``pipelines``), ``launches``;
- ``constructors``: what a loader's constructor stores from its arguments, ``constructors``;
- ``module_facts``: ``ModuleFacts``, the module and its seams, what the rules receive.
"""

from __future__ import annotations

from .bindings import BindingTable, FunctionScope
from .data_kinds import is_array_constructor, is_dataset_constructor
from .hierarchy import DataLoader
from .keras_api import (
    KERAS_ROOTS,
    LAUNCH_METHODS,
    WORKER_ARGUMENTS,
    WORKER_ENTRY,
    is_keras_loader_base,
)
from .launches import Launch
from .module_facts import ModuleFacts
from .self_state import SelfAssignment, SelfAttributeUse
from .syntax import (
    BUILTIN_NAMES,
    FunctionNode,
    has_star_kwargs,
    is_generator_function,
    is_main_guard,
    is_self_attribute,
    is_super_init,
    keyword,
    root_name,
    self_name_of,
    source_text,
    target_names,
    walk_scope,
)
from .values import UNKNOWN, Autotune, Many
from .version import installed_keras_major, installed_version

__all__ = [
    "BUILTIN_NAMES",
    "KERAS_ROOTS",
    "LAUNCH_METHODS",
    "UNKNOWN",
    "WORKER_ARGUMENTS",
    "WORKER_ENTRY",
    "Autotune",
    "BindingTable",
    "DataLoader",
    "FunctionNode",
    "FunctionScope",
    "Launch",
    "Many",
    "ModuleFacts",
    "SelfAssignment",
    "SelfAttributeUse",
    "has_star_kwargs",
    "installed_keras_major",
    "installed_version",
    "is_array_constructor",
    "is_dataset_constructor",
    "is_generator_function",
    "is_keras_loader_base",
    "is_main_guard",
    "is_self_attribute",
    "is_super_init",
    "keyword",
    "root_name",
    "self_name_of",
    "source_text",
    "target_names",
    "walk_scope",
]
