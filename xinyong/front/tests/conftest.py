from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinyong.accounts.models import User
from xinyong.checks.services import run_check
from xinyong.demo.data import DEMO_USERS


@pytest.fixture
def demo_site(loaded: Any) -> dict[str, User]:
    """The demo as `make run` loads it, plus a check by the market regulator: what each
    demo login sees is what a person trying the platform sees."""
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())
    users = {username: User.objects.get(username=username) for username, *_ in DEMO_USERS}
    run_check(users["scjg"], "government_procurement",
              ["91350105MA2Y00001R", "91350105MA2Y00002W", "91320585MA1N000039"],
              timezone.localdate() - dt.timedelta(days=0))
    return users
