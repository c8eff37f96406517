"""The draw pages: public list and draw (all in Chinese), the office's form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from xinyong.accounts.models import Role, User
from xinyong.front.tests.walk import english_words
from xinyong.inspections import services
from xinyong.inspections.models import Draw
from xinyong.subjects.models import Subject


@pytest.fixture
def draw(market: dict[str, Subject], users: dict[str, User]) -> Draw:
    return services.run(users[Role.OFFICE], "2026年第四季度食品经营者抽查", seed="公开摇号-7",
                        population={"region": "350100"})


def test_public_list(draw: Draw, web: Callable[[User | None], Client]) -> None:
    response = web(None).get("/inspections/")
    assert response.status_code == 200
    html = response.content.decode()
    assert draw.name in html and "公开摇号-7" in html
    assert 'data-testid="draw-form"' not in html
    assert not english_words(html)


def test_public_draw_page(draw: Draw, web: Callable[[User | None], Client]) -> None:
    response = web(None).get(f"/inspections/{draw.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "公开摇号-7" in html and draw.population_digest in html
    assert 'data-testid="provisional"' in html and "暂定" in html
    assert "福州市（350100）" in html and "5%" in html and "60%" in html
    assert "中小微企业减少抽检频次" in html  # the adjustment applied to the 马尾 SMEs
    for row in draw.selections.all():
        assert row.name in html and row.code_masked in html
    assert "张三" not in html
    assert not english_words(html), english_words(html)
    assert web(None).get("/inspections/999999/").status_code == 404


def test_office_runs_a_draw_from_the_form(market: dict[str, Subject], users: dict[str, User],
                                          web: Callable[[User | None], Client], unit: Any) -> None:
    office = web(users[Role.OFFICE])
    page = office.get("/inspections/").content.decode()
    assert 'data-testid="draw-form"' in page
    assert english_words(page) <= {"alice"}  # the user's own name in the bar is data
    response = office.post("/inspections/new/", {
        "name": "马尾区中小企业抽查", "size": "2", "seed": "", "region": "350105",
        "grades": ["A", "B"], "scales": ["medium", "micro"],
        "kinds": ["organization", "individual_business"], "unit": ""})
    draw = Draw.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inspections/{draw.pk}/"
    assert draw.population == {"kinds": ["organization", "individual_business"],
                               "region": "350105", "unit": None, "grades": ["A", "B"],
                               "scales": ["medium", "micro"]}
    assert {s.subject_id for s in draw.selections.all()} == {market["mawei_a"].pk,
                                                             market["mawei_shop"].pk}
    assert len(draw.seed) == 32
    shown = office.get(response["Location"]).content.decode()
    assert "马尾区中小企业抽查" in shown and "中型、微型" in shown


def test_form_errors_beside_the_field(market: dict[str, Subject], users: dict[str, User],
                                      web: Callable[[User | None], Client]) -> None:
    office = web(users[Role.OFFICE])
    response = office.post("/inspections/new/", {"name": "抽查", "region": "3501"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error-for="region"' in html and "行政区划代码应为 6 位数字" in html
    response = office.post("/inspections/new/", {"name": "抽查", "region": "110000"})
    assert response.status_code == 422
    assert 'data-error-for="population"' in response.content.decode()
    assert english_words(office.get("/inspections/new/").content.decode()) <= {"alice"}


def test_only_the_office_draws(users: dict[str, User], web: Callable[[User | None], Client]
                               ) -> None:
    assert web(None).get("/inspections/new/").status_code == 302
    assert web(None).post("/inspections/new/", {"name": "x"}).status_code == 302
    for role in (Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION):
        assert web(users[role]).post("/inspections/new/", {"name": "x"}).status_code == 403
        page = web(users[role]).get("/inspections/")
        assert page.status_code == 200 and 'data-testid="draw-form"' not in page.content.decode()
    assert not Draw.objects.exists()
