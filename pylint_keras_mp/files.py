"""Reading the user's files: regular files only. A FIFO, a device or a socket named like a
source file (``x.py`` a symlink to ``/dev/zero``) is never read: opening a FIFO waits for a
writer, and a device can give bytes forever."""

from __future__ import annotations

import os
import stat


class NotARegularFile(OSError):
    """The path names something other than a regular file (after following symlinks)."""


def kind_of(mode: int) -> str:
    """What a file mode names, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: str | os.PathLike) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its ``stat``; OSError when it cannot be read,
    ``NotARegularFile`` (an OSError) for anything else, found without blocking on it."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = kind_of(info.st_mode)
            raise NotARegularFile(0, f"{what}, not a source file", os.fspath(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    finally:
        os.close(fd)
    return data, info


def unreadable_reason(exc: OSError) -> str:
    """Why a file could not be read, in one line (``Permission denied``, ``a FIFO, not a source
    file``, ``Too many levels of symbolic links``)."""
    return exc.strerror or str(exc) or type(exc).__name__
