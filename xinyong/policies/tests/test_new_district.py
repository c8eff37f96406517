"""A third jurisdiction's notice, written as a pack, runs with no code change.

The made-up 青石区 pack (tests/data/qingshi-2024-3.yaml) brings its own behaviour, list,
measure, scenario and publicity period; it is loaded the way an office user loads one,
then a department reports under it and a business system checks against it.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from xinyong.accounts.models import Role, Unit
from xinyong.policies.tests.conftest import DATA

RECORD = {
    "subject": {"kind": "organization", "name": "青石建工有限公司", "code": "91350100M000100Y43"},
    "behavior": "dust_control_refused", "occurred_on": "2026-10-01", "decided_on": "2026-10-10",
    "decision_no": "青住建罚〔2024〕7号", "facts": "工地未覆盖裸土，责令整改后拒不整改",
    "severity": "general",
}


@pytest.fixture
def unit(db: Any) -> Unit:
    """A unit of the made-up 青石区 (350199), the area its pack governs."""
    return Unit.objects.create(code="113501050030000041", name="青石区住房和城乡建设局", region="350199")


def test_made_up_district_end_to_end(db: Any, users: dict[str, Any], api: Callable[..., Any],
                                     client: Any) -> None:
    out = StringIO()
    call_command("policy", "load", str(DATA / "qingshi-2024-3.yaml"), stdout=out)
    assert "qingshi-2024-3: loaded as version 1" in out.getvalue()

    response = api(users[Role.DEPARTMENT]).post_json("/api/v1/records", RECORD)
    assert response.status_code == 201, response.content
    record = response.json()
    assert record["lists"] == ["dust_watch"]
    # Its own period applies (2–6 months: no national pack is loaded in this test).
    assert record["publicity"] == {"starts_on": "2026-10-10", "repairable_from": "2026-12-10",
                                   "ends_on": "2027-04-09"}
    assert [s["rule"] for s in record["trace"]] == [
        "behavior:dust_control_refused", "period:general", "list:dust_watch"]
    assert [s["clause"] for s in record["trace"]] == ["1", "3", "2"]

    check = api(users[Role.OFFICE]).post_json("/api/v1/checks", {
        "scenario": "construction_permits", "subjects": ["91350100M000100Y43"],
        "as_of": "2026-11-01"}).json()
    result = check["results"][0]
    assert result["verdict"] == "restrict"
    assert result["measures"][0]["code"] == "strict_permit_review"
    assert result["measures"][0]["clause"] == "2"

    listed = client.get("/api/v1/lists/dust_watch").json()
    assert listed["name"] == "扬尘治理重点监管名单" and listed["total"] == 1
    assert listed["items"][0]["basis"].startswith("青信用办〔2024〕3号 第2条")
    assert client.get("/api/v1/policies/qingshi-2024-3").json()["jurisdiction"] == "青石区"
