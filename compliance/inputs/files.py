"""Reading input files: size limits before reading, UTF-8, and YAML or JSON with positions.

Every file named by the party being assessed is opened without blocking and checked on the open
descriptor to be a regular file: a FIFO, a device or a socket (or a link to one, such as
`/dev/zero`) would make a reader wait forever or read without end, and checking the path first
and opening it after would leave a moment in which the path could be swapped.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from compliance.core.errors import InputError
from compliance.core.yamlio import Located, load_text

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def file_kind(mode: int) -> str:
    """What a file of this mode is, in words for a message ("a FIFO", "a folder")."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file"


class NotRegularFileError(OSError):
    """What was opened is no regular file (a FIFO, a device, a folder...): `kind` says which."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(f"{os.fspath(path)}: not a regular file ({kind})")
        self.kind = kind


def open_regular_file(path: str | os.PathLike[str], *, follow_links: bool = True) -> io.BufferedReader:
    """Open a regular file for reading without ever waiting; OSError for anything else.

    `O_NONBLOCK` makes opening a FIFO or a device return at once (a plain open waits for a
    writer); the type is then read from the opened descriptor, so what is checked is what is read.
    Without `follow_links`, a link in the last part of the name is refused (`O_NOFOLLOW`): the
    bandit runner resolves links itself and checks where they lead.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(path, file_kind(mode))
        # Back to blocking reads: a regular file never blocks, and buffered reads expect it.
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_regular(path: Path, *, label: str | None = None) -> BinaryIO:
    """Open a regular file for reading; anything else is an input error, found without waiting."""
    name = label or str(path)
    try:
        return open_regular_file(path)
    except FileNotFoundError:
        raise InputError.single(name, "file not found") from None
    except NotRegularFileError as exc:
        raise InputError.single(name, f"not a regular file ({exc.kind}): refused") from None
    except OSError as exc:
        # A socket cannot be opened at all (ENXIO); say what it is rather than the errno's words.
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode
            if not stat.S_ISREG(mode):
                raise InputError.single(name, f"not a regular file ({file_kind(mode)}): refused") from None
        raise InputError.single(name, f"cannot read file: {exc.strerror}") from None


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, label: str | None = None) -> bytes:
    """The bytes of a regular file, refusing files above `max_bytes` before reading them."""
    name = label or str(path)
    with open_regular(path, label=label) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            raise InputError.single(
                name, f"file is {size:,} bytes, above the limit of {max_bytes:,} bytes; refused"
            )
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError.single(name, f"cannot read file: {exc.strerror}") from exc
    if len(raw) > max_bytes:
        raise InputError.single(name, f"file is above the limit of {max_bytes:,} bytes; refused")
    return raw


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, label: str | None = None) -> str:
    """Read a UTF-8 text file, refusing files above `max_bytes` before reading them."""
    name = label or str(path)
    raw = read_bytes(path, max_bytes=max_bytes, label=label)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.single(name, f"not UTF-8 text (byte {exc.start})") from exc


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, label: str | None = None) -> Located:
    """Load a YAML or JSON file from disk."""
    text = read_text(path, max_bytes=max_bytes, label=label)
    return load_text(text, label or str(path))
