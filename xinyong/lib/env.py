"""Settings helpers in the Healthchecks style: every setting comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def envbool(name: str, default: str = "False") -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envsecret(name: str, var_dir: Path, filename: str) -> str:
    """Read a secret from NAME, NAME_FILE, or a file generated once under ./var/.

    A generated secret is written with mode 0600 and never leaves ./var/ (git ignores it).
    """
    value = os.getenv(name)
    if value:
        return value
    path_from_env = os.getenv(name + "_FILE")
    if path_from_env:
        return Path(path_from_env).read_text().strip()
    path = var_dir / filename
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
