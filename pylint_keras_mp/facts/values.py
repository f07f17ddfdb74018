"""The values the resolver can know: literals, UNKNOWN, and the two special ints."""

from __future__ import annotations


class _Unknown:
    """A value the analysis cannot resolve. Unknown is silent."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


class Many(int):
    """``os.cpu_count()`` and friends: an int known to be greater than one."""

    def __new__(cls, source: str):
        obj = super().__new__(cls, 2)
        obj.source = source
        return obj

    def __repr__(self) -> str:
        return self.source


MANY_CALLS = frozenset(
    {
        "os.cpu_count",
        "multiprocessing.cpu_count",
        "psutil.cpu_count",
        "os.process_cpu_count",
    }
)


class Autotune(int):
    """``tf.data.AUTOTUNE``: the constant is -1, so as ``workers`` it means no workers at all."""

    def __new__(cls, source: str):
        obj = super().__new__(cls, -1)
        obj.source = source
        return obj

    def __repr__(self) -> str:
        return self.source


AUTOTUNE_ATTRIBUTES = frozenset(
    {
        "tensorflow.data.AUTOTUNE",
        "tensorflow.data.experimental.AUTOTUNE",
    }
)
