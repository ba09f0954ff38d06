"""Reading input files: size limits before reading, UTF-8, and YAML or JSON with positions."""

from __future__ import annotations

from pathlib import Path

from compliance.core.errors import InputError
from compliance.core.yamlio import Located, load_text

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, label: str | None = None) -> str:
    """Read a UTF-8 text file, refusing files above `max_bytes` before reading them."""
    name = label or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError.single(name, "file not found") from None
    except OSError as exc:
        raise InputError.single(name, f"cannot read file: {exc.strerror}") from exc
    if not path.is_file():
        raise InputError.single(name, "not a regular file")
    if size > max_bytes:
        raise InputError.single(
            name, f"file is {size:,} bytes, above the limit of {max_bytes:,} bytes; refused"
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError.single(name, f"cannot read file: {exc.strerror}") from exc
    if len(raw) > max_bytes:
        raise InputError.single(name, f"file is above the limit of {max_bytes:,} bytes; refused")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.single(name, f"not UTF-8 text (byte {exc.start})") from exc


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, label: str | None = None) -> Located:
    """Load a YAML or JSON file from disk."""
    text = read_text(path, max_bytes=max_bytes, label=label)
    return load_text(text, label or str(path))
