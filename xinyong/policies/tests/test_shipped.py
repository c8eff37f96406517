"""The packs shipped with the platform: valid, complete, and documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from xinyong.policies import coverage, loader

ROOT = Path(__file__).resolve().parents[3]
SOURCES = Path(__file__).resolve().parents[1] / "sources"


@pytest.fixture(scope="module")
def packs() -> dict[str, Any]:
    return {p.pack.id: p.pack for p in loader.shipped()}


def test_every_shipped_pack_validates_together(packs: dict[str, Any]) -> None:
    assert set(packs) == {"fuzhou-2020-4", "taicang-2020-1", "cn-ndrc-2019-527", "cn-2025-22",
                          "platform-defaults"}
    assert loader.cross_pack_problems(list(packs.values())) == []


def test_fuzhou_clauses_complete(packs: dict[str, Any]) -> None:
    ids = {c.id for c in packs["fuzhou-2020-4"].clauses}
    expected = {f"二.{i}" for i in range(1, 13)} | {f"三.{i}" for i in range(1, 9)} | {
        "一.1", "一.2", "一.3", "一.4", "四.1", "四.2", "四.3", "五", "转发"}
    assert expected <= ids


def test_taicang_all_14_measures(packs: dict[str, Any]) -> None:
    ids = {c.id for c in packs["taicang-2020-1"].clauses}
    assert {str(i) for i in range(1, 15)} <= ids


@pytest.mark.parametrize("pack_id", ["fuzhou-2020-4", "taicang-2020-1"])
def test_clause_texts_are_quoted_from_the_source(packs: dict[str, Any], pack_id: str) -> None:
    text_of_source = (SOURCES / f"{pack_id}.txt").read_text(encoding="utf-8")
    source = re.sub(r"\s+", "", text_of_source).replace("*", "")
    for clause in packs[pack_id].clauses:
        text = re.sub(r"\s+", "", clause.text)
        # The leading words of every quoted clause appear in the document as written.
        head = text[:12]
        assert head in source or clause.id in ("转发",), (clause.id, head)


def test_every_implementation_resolves(packs: dict[str, Any]) -> None:
    for pack in packs.values():
        for clause in pack.clauses:
            for impl in clause.implemented_by:
                line = coverage.describe(pack, impl)
                assert line
                if impl.kind == "page":
                    assert reverse(impl.ref)  # a page a user can open


def test_coverage_document_is_current(packs: dict[str, Any]) -> None:
    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert committed == coverage.render(list(packs.values())), (
        "docs/policies.md is stale: run `xinyong policy coverage > docs/policies.md`")


def test_every_clause_is_in_the_coverage_document(packs: dict[str, Any]) -> None:
    text = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    for pack in packs.values():
        for clause in pack.clauses:
            assert f"| {clause.id} |" in text
