"""The public 双公示 pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_the_public_pages(entries: dict[str, Any], web: Callable[..., Any]) -> None:
    page = web().get("/publicity/penalties/").content.decode()
    assert "榕马市监罚〔2026〕801号" in page and "陈*" in page and "陈明" not in page
    assert "榕马市监罚〔2026〕803号" not in page  # exempted: not published
    assert f'href="/subjects/{entries["fined"].subject_id}/"' in page
    found = web().get("/publicity/penalties/?q=乙药店").content.decode()
    assert "榕马发改罚〔2026〕802号" in found and "榕马市监罚〔2026〕801号" not in found
    detail = web().get(f"/publicity/penalties/{entries['revoked'].pk}/").content.decode()
    assert "吊销许可证件" in detail and "处罚机关" in detail
    licences = web().get("/publicity/licences/").content.decode()
    assert "食品经营许可证" in licences and "榕马市监许〔2026〕503号" not in licences
    assert web().get(f"/publicity/licences/{entries['licence_gone'].pk}/").status_code == 404


def test_bad_filters_are_named(entries: dict[str, Any], web: Callable[..., Any]) -> None:
    response = web().get("/publicity/penalties/?decided_from=2026-13-01")
    assert response.status_code == 200
    assert 'data-error-for="decided_from"' in response.content.decode()


def test_the_publication_limit_on_the_page_comes_from_the_packs(entries: dict[str, Any],
                                                               web: Callable[..., Any]) -> None:
    page = web().get("/publicity/licences/").content.decode()
    assert "7 个工作日内公示（平台运行规则（信用办设定） 双公示时限）" in page
