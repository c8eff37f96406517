"""Files the platform keeps (uploads, error files, evidence): readable by its own user only.

Folders are 0700 and files 0600 whatever the process umask, so another account on the
server cannot read what subjects and units uploaded. Uploads are stored under random
names: a file's own name may carry a person's ID number.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.conf import settings


class TooLarge(ValueError):
    """An upload over its size limit; nothing of it is kept."""


def private_dir(*parts: str) -> Path:
    """MEDIA_ROOT/parts…, created 0700 (each level), for files nobody else may read."""
    path = Path(settings.MEDIA_ROOT)
    for part in ("", *parts):
        path = path / part if part else path
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    return path


def open_private(path: Path, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """A new file created 0600 (the mode is set at creation, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, mode, **kwargs)


def save_private(chunks: Iterable[bytes], folder: str, suffix: str, max_bytes: int
                 ) -> tuple[Path, int, str]:
    """Write an upload to a random name in MEDIA_ROOT/folder; returns (path, size, sha256).
    Over `max_bytes`, the partial file is removed and TooLarge raised."""
    target = private_dir(folder) / f"{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    size = 0
    try:
        with open_private(target) as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target, size, digest.hexdigest()


def file_chunks(path: Path, size: int = 1024 * 1024) -> Iterable[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


def discard(path: str | Path | None) -> None:
    """Delete a kept file once it is no longer needed (its digest stays with its job)."""
    if path:
        Path(path).unlink(missing_ok=True)
