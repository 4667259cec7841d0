"""The one way stagespec reads a file: bounded, and refused with a reason, never a traceback.

Specs, configs, env files, compose files, manifests and old output are all read here, so
that every one has the same limit and the same messages. What may be read: a regular
file, or a stream (a FIFO such as the `/dev/fd/N` of a shell's `<(...)`, a character
device) read once, never past the limit: `/dev/zero` is refused after `limit + 1` bytes.
A regular file over the limit is refused by its size, before a byte of it is read. A
directory, or a path that cannot be opened, is refused with the reason.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from stagespec.errors import StagespecError

MAX_BYTES = 8 * 1024 * 1024
"""The most any input file may hold: 8 MiB."""

_CHUNK = 1024 * 1024


class ReadError(StagespecError):
    """A file that cannot be read within the rules above (exit 2).

    `reason` says why without the path, for a diagnostic at the file. For text that is not
    UTF-8, `offset` is the first bad byte's and `line` and `column` its place (1-based);
    no byte of the file is in the message, which may be about an env file of secrets.
    """

    def __init__(self, file: str, reason: str, errno: int | None = None) -> None:
        self.file, self.reason = file, reason
        self.errno = errno  # set when the system refused; None for the size or the encoding
        self.offset: int | None = None
        self.line = self.column = 1
        self.where = ""
        super().__init__(f"cannot read {file}: {reason}")

    def at(self, raw: bytes, offset: int) -> ReadError:
        """This error placed at byte `offset` of `raw`."""
        self.offset = offset
        self.line = raw.count(b"\n", 0, offset) + 1
        self.column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        self.where = f" (line {self.line}, column {self.column})"
        self.args = (f"cannot read {self.file}: {self.reason}{self.where}",)
        return self


def limit_text(limit: int) -> str:
    """A byte limit for messages: `8 MiB`, or a number of bytes when not whole MiB."""
    mib, rest = divmod(limit, 1024 * 1024)
    return f"{mib} MiB" if mib and not rest else f"{limit} bytes"


def _reason(e: OSError) -> str:
    if e.errno == errno.ENOENT:
        return "no such file"
    if e.errno == errno.ELOOP:
        return "its path goes through a loop of symbolic links"
    if e.errno == errno.EISDIR:
        return "is a directory, not a file"
    return e.strerror or str(e)


def _open(path: Path, name: str) -> int:
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise ReadError(name, _reason(e), errno=e.errno) from e


def read_bytes(path: Path, *, limit: int = MAX_BYTES, display: str | None = None) -> bytes:
    """The bytes of `path`, at most `limit` of them; ReadError when there are more."""
    name = display or str(path)
    too_large = f"file is larger than {limit_text(limit)}, the most stagespec reads"
    fd = _open(path, name)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(name, "is a directory, not a file", errno=errno.EISDIR)
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise ReadError(name, too_large)  # known from its size: nothing is read
        chunks, total = [], 0
        while total <= limit:  # a stream may never end: stop one byte past the limit
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as e:
        raise ReadError(name, _reason(e), errno=e.errno) from e
    finally:
        os.close(fd)
    if total > limit:
        raise ReadError(name, too_large)
    return b"".join(chunks)


def decode_utf8(name: str, raw: bytes) -> str:
    """`raw` as UTF-8 text without a byte order mark; ReadError at the first bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReadError(name, "file is not UTF-8 text").at(raw, e.start) from e
    return text.removeprefix("\ufeff")


def read_text(path: Path, *, limit: int = MAX_BYTES, display: str | None = None) -> str:
    """The UTF-8 text of `path` (see read_bytes), without a byte order mark."""
    name = display or str(path)
    return decode_utf8(name, read_bytes(path, limit=limit, display=name))
