"""The demo's 信易贷 data: the bank's products, a need taken and lent, a priority need
waiting, a general grant with one read, the honest-SME list; loaded once however often
the demo runs, and not at all without 信易贷 rules in force."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from xinyong.demo.data import load_financing


def demo() -> None:
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())


def snapshot() -> tuple[int, ...]:
    from xinyong.financing.models import FinancingNeed, HonestListing, Product
    from xinyong.grants.models import Grant, GrantRead

    return (Product.objects.count(), FinancingNeed.objects.count(), Grant.objects.count(),
            GrantRead.objects.count(), HonestListing.objects.count())


def test_demo_financing_follows_the_packs(db: Any) -> None:
    from xinyong.financing import services
    from xinyong.financing.models import FinancingNeed, Product
    from xinyong.grants.models import Grant
    from xinyong.policies import loader

    loader.load_shipped()
    demo()
    assert sorted(Product.objects.values_list("name", flat=True)) == ["复工复产流动资金贷", "诚信贷"]
    assert Product.objects.get(name="诚信贷").targets == ["honesty_incentive", "sme"]
    lent = FinancingNeed.objects.get(subject__code="91350105MA2Y00001R")
    assert lent.status == "lent" and lent.open_to_all and lent.share_scope == ["profile", "records"]
    assert lent.institution is not None and lent.institution.name == "示例农商银行马尾支行"
    assert lent.product is not None and lent.product.name == "复工复产流动资金贷"
    waiting = FinancingNeed.objects.get(subject__code="91320585MA1N000039")
    assert waiting.status == "submitted" and waiting.priority and waiting.priority_flags == ["epidemic_hit"]
    general = Grant.objects.get(subject__code="91350105MA2Y00001R", need=None)
    assert general.scope == ["profile", "records", "score", "report"]
    assert general.reads.count() == 1  # type: ignore[attr-defined]
    names = {item.subject.name for item in services.honest_smes(timezone.localdate())}
    assert "马尾区老陈药店" in names  # honest; the enterprise opted in but has a record in force
    before = snapshot()
    demo()
    assert snapshot() == before


def test_demo_financing_is_skipped_without_its_rules(db: Any) -> None:
    demo()  # no packs loaded: no 信易贷 rules in force
    load_financing(timezone.localdate())
    assert snapshot() == (0, 0, 0, 0, 0)
