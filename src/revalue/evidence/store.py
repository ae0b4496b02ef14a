"""Where the bytes of evidence photos live, addressed by their SHA-256.

Content addressing makes every write idempotent and every file immutable: the same photo is
stored once however often it is uploaded, and a name can never point at other bytes. That is
also what lets the request write the file before its database row: a transaction that rolls
back leaves at most an unreferenced file, never a row without its file.

``PhotoStore`` is what the service needs; ``FilesystemStore`` is the default. An object store
(S3 and the like) can implement the same three methods, with the hash as the object key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path
from typing import Protocol

from revalue.keyring import make_private_dir

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PhotoMissing(LookupError):
    """No stored bytes for this hash: the store lost a file its database rows point at."""


class PhotoStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes (once; storing them again changes nothing); their SHA-256."""
        ...

    def read(self, sha256: str) -> bytes:
        """The bytes stored under the hash, or :class:`PhotoMissing`."""
        ...

    def exists(self, sha256: str) -> bool: ...


class FilesystemStore:
    """Files under ``root``, sharded by the hash's first two bytes (``ab/cd/abcd…``) so no
    directory grows too large. The directories are made at first use, owner-only (photos can
    show a customer's personal data on a screen); a file is read-only once written."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        make_private_dir(path.parent)
        # Written under a private temporary name and renamed into place: nobody ever reads a
        # half-written file, and two writers of the same photo both end with the same bytes.
        temporary = path.parent / f".{sha256}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()  # still there only if the write failed
        _fsync_dir(path.parent)  # the rename itself survives a crash only once synced
        return sha256

    def read(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise PhotoMissing(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def _path(self, sha256: str) -> Path:
        # The hash may come from a URL: anything but a hash must never become a path.
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lowercase SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
