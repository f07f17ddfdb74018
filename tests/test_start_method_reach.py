"""Where a pickling hazard on a torch Dataset fails: worded from the start method the program
pins and the target-platforms / python-version options, never from the Python that runs the
linter (KMP201-KMP204, KMP301, as KMP601)."""

from __future__ import annotations

import sys
import textwrap

import pytest

from pylint_keras_mp.config import Options
from pylint_keras_mp.engine import analyze

DATASET = textwrap.dedent(
    """
    import multiprocessing
    import threading

    import torch
    from torch.utils.data import DataLoader, Dataset


    class Records(Dataset):
        def __init__(self):
            self.lock = threading.Lock()

        def __len__(self):
            return 8

        def __getitem__(self, index):
            return torch.tensor([index])


    def main():
        for batch in DataLoader(Records(), num_workers=2{context}):
            print(batch)


    if __name__ == "__main__":
        {pin}
        main()
    """
)


def kmp202(context="", pin="pass", **options) -> list[str]:
    source = DATASET.format(context=context, pin=pin)
    return [f.message for f in analyze(source, "train.py", Options(**options)) if f.code == "KMP202"]


@pytest.mark.parametrize(
    "context, pin, options, reach",
    [
        ("", "pass", {}, "it fails on Windows, macOS and on Linux with Python 3.14+"),
        ("", "pass", {"target_platforms": ("linux",)}, "it fails on Linux with Python 3.14+"),
        ("", "pass", {"target_platforms": ("linux",), "python_version": "3.14"}, "it fails on Linux)"),
        ("", "pass", {"target_platforms": ("macos",)}, "it fails on macOS)"),
        ("", 'multiprocessing.set_start_method("spawn")', {"target_platforms": ("linux",)},
         "set_start_method('spawn') on line 26 makes it fail on every platform"),
        (', multiprocessing_context="forkserver"', "pass", {"target_platforms": ("linux",)},
         "multiprocessing_context='forkserver' makes it fail on every platform"),
        ("", 'multiprocessing.set_start_method("fork")', {},
         "it runs on Linux only because of set_start_method('fork') on line 26: Windows and macOS cannot fork"),
    ],
)
def test_the_message_says_where_it_fails(context, pin, options, reach):
    messages = kmp202(context, pin, **options)
    assert len(messages) == 1 and reach in messages[0], messages


@pytest.mark.parametrize(
    "context, pin",
    [("", 'multiprocessing.set_start_method("fork")'), (', multiprocessing_context="fork"', "pass")],
)
def test_a_program_that_forks_on_linux_only_is_not_reported(context, pin):
    assert kmp202(context, pin, target_platforms=("linux",)) == []
    assert kmp202(context, pin) != []  # the same program targeting every platform is


def test_the_python_that_runs_the_linter_changes_nothing(monkeypatch):
    before = kmp202(target_platforms=("linux",))
    monkeypatch.setattr(sys, "version_info", (3, 14, 0, "final", 0))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert kmp202(target_platforms=("linux",)) == before
    assert "with Python 3.14+" in before[0]
