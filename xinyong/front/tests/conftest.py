from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinyong.accounts.models import User
from xinyong.checks.services import run_check
from xinyong.demo.data import DEMO_USERS
from xinyong.records import imports

# A 双公示-style file with one good row and one with a wrong check digit.
IMPORT = ("主体类别,主体名称,统一社会信用代码,行为代码,行为发生日期,决定日期,决定文书号,事实,情节\n"
          "法人及非法人组织,福州闽江生鲜超市有限公司,91350105MA2Y00002W,administrative_penalty,"
          "2026-10-01,2026-10-10,榕马市监罚〔演示〕9号,未按规定明码标价,一般\n"
          "法人及非法人组织,坏代码公司,91350105MA2Y00002X,administrative_penalty,"
          "2026-10-01,2026-10-10,榕马市监罚〔演示〕10号,未按规定明码标价,一般\n")


@pytest.fixture
def demo_site(loaded: Any, settings: Any, tmp_path: Path) -> dict[str, User]:
    """The demo as `make run` loads it, plus a check and an import (with an error row) by
    the market regulator: what each demo login sees is what a person trying it sees."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())
    users = {username: User.objects.get(username=username) for username, *_ in DEMO_USERS}
    upload = tmp_path / "十月行政处罚.csv"
    upload.write_text(IMPORT, encoding="utf-8")
    job = imports.create_job(users["scjg"].unit, upload, actor=users["scjg"], accept_partial=True,
                             enqueue=False)
    imports.run(job.pk)
    run_check(users["scjg"], "government_procurement",
              ["91350105MA2Y00001R", "91350105MA2Y00002W", "91320585MA1N000039"],
              timezone.localdate() - dt.timedelta(days=0))
    return users
