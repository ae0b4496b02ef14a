"""The installation's keys, one file each in ``REVALUE_SECRETS_DIR``, kept apart from the
database so a copy of the database alone reveals no secret.

A key file is made at first use: the directory with mode 0700, the file with mode 0600. Two
processes starting at once must end up with the same key, so a new key is written to a
private temporary file and then hard-linked into place, which fails if another process won:
the loser reads the winner's key, and nobody ever reads a half-written file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def key(directory: str | Path, name: str, generate: Callable[[], bytes]) -> bytes:
    """The key ``name`` in ``directory``; made with ``generate`` if it does not exist yet."""
    folder = Path(directory)
    path = folder / f"{name}.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    make_private_dir(folder)
    temporary = folder / f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(generate())
            out.flush()
            os.fsync(out.fileno())
        # If another process made it first, its key is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()
    return path.read_bytes()


def fernet(directory: str | Path, name: str) -> Fernet:
    """Authenticated symmetric encryption under the key ``name`` (made at first use)."""
    return Fernet(key(directory, name, Fernet.generate_key))


def make_private_dir(folder: Path) -> None:
    """Create the folder and any missing parents, each readable by the owner alone."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for part in reversed(missing):
        try:
            part.mkdir(mode=0o700)
        except FileExistsError:
            continue
        # mkdir's mode is filtered by the umask; the folders we make are the owner's alone.
        part.chmod(0o700)
