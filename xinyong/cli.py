"""The `xinyong` command: Django's management commands under the platform's own name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["migrate"]:
        refuse_stale_history()
    execute_from_command_line(["xinyong", *args])
    if args[:1] == ["migrate"] and not ({"-h", "--help", "--plan", "--check"} & set(args)):
        # `xinyong migrate` also loads new versions of the packs shipped with the platform.
        execute_from_command_line(["xinyong", "policy", "load", "--shipped"])


def refuse_stale_history() -> None:
    """The migrations were regenerated before the first release (issue 11): a database made
    by an earlier checkout records migrations that no longer exist, and its tables do not
    match. Say so plainly instead of migrating it into a half-right state."""
    import django
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    django.setup()
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    ours = {config.label for config in apps.get_app_configs() if config.name.startswith("xinyong.")}
    stale = sorted(f"{app}.{name}" for app, name in loader.applied_migrations
                   if app in ours and (app, name) not in loader.disk_migrations)
    if stale:
        sys.exit("数据库的迁移记录来自迁移重新生成之前的版本（如 " + "、".join(stale[:3]) + "），"
                 "表结构与现在的代码不一致。开发用的 SQLite 库请删除后重建（make clean && make run，"
                 "或删除 var/xinyong.sqlite3）；已有数据的库请先导出数据再重建。")


if __name__ == "__main__":
    main()
