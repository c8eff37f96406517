"""Public policy pages and the office's upload and event forms."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from xinyong.accounts.models import Role
from xinyong.conftest_helpers import login
from xinyong.policies.models import PolicyEvent, PolicyPack


def test_public_list_and_clause_page(shipped: Any, client: Any) -> None:
    page = client.get("/policies/").content.decode()
    assert "太信用办〔2020〕1号" in page and "榕发改信用〔2020〕4号" in page
    detail = client.get("/policies/taicang-2020-1/").content.decode()
    assert 'id="clause-9"' in detail and "轻微失信豁免" in detail
    assert "豁免" in detail  # what clause 9 does


def test_upload_validates_then_loads(db: Any, client: Any, users: dict[str, Any],
                                     qingshi_text: str) -> None:
    login(client, users[Role.OFFICE])
    upload = SimpleUploadedFile("qingshi.yaml", qingshi_text.encode())
    response = client.post("/policies/upload/", {"file": upload, "action": "validate"})
    assert "校验通过" in response.content.decode()
    assert not PolicyPack.objects.exists()
    upload = SimpleUploadedFile("qingshi.yaml", qingshi_text.encode())
    response = client.post("/policies/upload/", {"file": upload, "action": "load"})
    assert response.status_code == 302 and response["Location"] == "/policies/qingshi-2024-3/"
    assert client.get("/policies/qingshi-2024-3/").status_code == 200


def test_upload_shows_problems(db: Any, client: Any, users: dict[str, Any],
                               qingshi_text: str) -> None:
    login(client, users[Role.OFFICE])
    bad = qingshi_text.replace("polarity: dishonest\n    clause: \"1\"", "polarity: awful\n    clause: \"1\"")
    upload = SimpleUploadedFile("bad.yaml", bad.encode())
    page = client.post("/policies/upload/", {"file": upload, "action": "load"}).content.decode()
    assert "bad.yaml：behaviors[0]（dust_control_refused）.polarity" in page
    assert not PolicyPack.objects.exists()


def test_upload_and_events_are_office_only(db: Any, client: Any, users: dict[str, Any]) -> None:
    login(client, users[Role.DEPARTMENT])
    assert client.get("/policies/upload/").status_code == 403
    assert client.post("/policies/events/", {}).status_code == 403


def test_office_records_event(shipped: Any, client: Any, users: dict[str, Any]) -> None:
    login(client, users[Role.OFFICE])
    response = client.post("/policies/events/", {"code": "jiangsu_epidemic_response_end",
                                                 "occurred_on": "2023-01-08"})
    assert response.status_code == 302
    assert PolicyEvent.objects.get().occurred_on.isoformat() == "2023-01-08"
    assert "已失效" in client.get("/policies/taicang-2020-1/").content.decode()
