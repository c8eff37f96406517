"""The `xinyong` command: Django's management commands under the platform's own name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["xinyong", *args])
    if args[:1] == ["migrate"] and not ({"-h", "--help", "--plan", "--check"} & set(args)):
        # `xinyong migrate` also loads new versions of the packs shipped with the platform.
        execute_from_command_line(["xinyong", "policy", "load", "--shipped"])


if __name__ == "__main__":
    main()
