"""信易贷: lenders' products, subjects' financing needs (a case kind on the shared handling,
taken and answered by institutions) and the opt-in honest-SME list."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinyong.accounts.models import Role, role_of
from xinyong.casework import choices as c
from xinyong.casework.models import Case, CaseEvidence, CaseQuerySet
from xinyong.financing import choices
from xinyong.lib.choices import ChoiceSet


def on_sale_q() -> Q:
    """Products offered: published, by an active institution (a deactivated institution's
    products are not offered, and needs cannot choose them)."""
    return Q(status=choices.PUBLISHED, institution__is_active=True)


class ProductQuerySet(models.QuerySet["Product"]):
    def visible_to(self, user: Any) -> ProductQuerySet:
        """Everyone sees the products on sale; an institution also its own withdrawn ones,
        the office all."""
        role = role_of(user)
        if role == Role.OFFICE:
            return self
        if role == Role.INSTITUTION and user.institution_id is not None:
            return self.filter(on_sale_q() | Q(institution_id=user.institution_id))
        return self.filter(on_sale_q())

    def on_sale(self) -> ProductQuerySet:
        return self.filter(on_sale_q())

    def fitting(self, amount_wan: Any = None, term_months: int | None = None) -> ProductQuerySet:
        """Those whose ranges hold the amount (万元) and the term (months), where given."""
        rows = self
        if amount_wan is not None:
            rows = rows.filter(amount_min_wan__lte=amount_wan, amount_max_wan__gte=amount_wan)
        if term_months is not None:
            rows = rows.filter(term_min_months__lte=term_months, term_max_months__gte=term_months)
        return rows


class Product(models.Model):
    """信易贷产品: a loan product an institution publishes."""

    institution = models.ForeignKey("accounts.Institution", verbose_name="金融机构",
                                    on_delete=models.PROTECT, related_name="products")
    name = models.CharField("产品名称", max_length=100)
    description = models.TextField("产品介绍", max_length=2000, blank=True)
    amount_min_wan = models.DecimalField("最低额度（万元）", max_digits=12, decimal_places=2)
    amount_max_wan = models.DecimalField("最高额度（万元）", max_digits=12, decimal_places=2)
    term_min_months = models.PositiveSmallIntegerField("最短期限（月）")
    term_max_months = models.PositiveSmallIntegerField("最长期限（月）")
    rate_min = models.DecimalField("最低年利率（%）", max_digits=5, decimal_places=2)
    rate_max = models.DecimalField("最高年利率（%）", max_digits=5, decimal_places=2)
    # choices.TARGETS: whom it is meant for (empty: any enterprise).
    targets = models.JSONField("服务对象", default=list, blank=True)
    status = models.CharField("状态", max_length=12, choices=choices.PRODUCT_STATUS.choices,
                              default=choices.PUBLISHED)
    published_on = models.DateField("发布日期")
    withdrawn_on = models.DateField("下架日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = "信易贷产品"
        ordering = ["institution__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], condition=Q(status="published"),
                                    name="product_name_unique_on_sale"),
            models.CheckConstraint(condition=Q(amount_min_wan__lte=models.F("amount_max_wan"))
                                   & Q(term_min_months__lte=models.F("term_max_months"))
                                   & Q(rate_min__lte=models.F("rate_max")),
                                   name="product_ranges_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target_labels(self) -> list[str]:
        return [choices.TARGETS.label(t) for t in self.targets]

    @property
    def status_label(self) -> str:
        return choices.PRODUCT_STATUS.label(self.status)


class NeedQuerySet(CaseQuerySet):
    def visible_to(self, user: Any) -> NeedQuerySet:
        """The office sees every need, a subject its own, an institution those it took and
        those waiting that are open to it (open to all, or naming one of its products)."""
        role = role_of(user)
        if role == Role.OFFICE:
            return self
        if role == Role.SUBJECT:
            return self.filter(subject_id=user.subject_id)
        if role == Role.INSTITUTION and user.institution_id is not None:
            return self.filter(Q(institution_id=user.institution_id)
                               | (Q(status=c.SUBMITTED) & open_to_q(user.institution_id)))
        return self.none()


def open_to_q(institution_id: int) -> Q:
    """Needs open to every institution or naming one of this institution's products (a
    subquery, so that a need naming two of them is one row)."""
    chosen = FinancingNeed.products.through.objects.filter(product__institution_id=institution_id)
    return Q(open_to_all=True) | Q(pk__in=chosen.values("financingneed_id"))


class FinancingNeed(Case):
    """融资需求: a subject asks for a loan; an institution takes it and reports the outcome."""

    STATUS: ClassVar[ChoiceSet] = choices.STATUS
    QUERY_PREFIX = "RZ"  # 融资
    NOUN = "融资需求"
    UNIT_ROLE = "受理机构"

    # Nobody among the units handles a need: the taking institution does.
    unit = models.ForeignKey(  # type: ignore[assignment]
        "accounts.Unit", verbose_name="办理单位", null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=20, choices=choices.STATUS.choices,
                              default=c.SUBMITTED, db_index=True)
    institution = models.ForeignKey("accounts.Institution", verbose_name="受理机构", null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="needs")
    amount_wan = models.DecimalField("需求金额（万元）", max_digits=12, decimal_places=2)
    term_months = models.PositiveSmallIntegerField("期限（月）")
    purpose = models.CharField("资金用途", max_length=500)
    # Chosen products (their institutions may take it), or open to every institution.
    products = models.ManyToManyField(Product, blank=True, related_name="needs")
    open_to_all = models.BooleanField("向所有金融机构开放", default=False)
    # What the subject lets the institutions it is open to read while it waits, and the
    # taker until `share_until` (each is a Grant linked to the need).
    share_scope = models.JSONField("授权范围", default=list, blank=True)
    share_until = models.DateField("授权有效期至", null=True, blank=True)
    # Situations the subject declares (SUBJECT_FLAGS), for 太仓 7's priority groups.
    priority_flags = models.JSONField("重点支持情形", default=list, blank=True)
    priority = models.BooleanField("疫情重点支持", default=False)
    product = models.ForeignKey(Product, verbose_name="放款产品", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="loans")
    lent_amount_wan = models.DecimalField("放款金额（万元）", max_digits=12, decimal_places=2,
                                          null=True, blank=True)
    rate = models.DecimalField("年利率（%）", max_digits=5, decimal_places=2, null=True, blank=True)

    objects = NeedQuerySet.as_manager()  # type: ignore[misc]

    class Meta(Case.Meta):
        verbose_name = "融资需求"

    @property
    def unit_name(self) -> str:
        return self.institution.name if self.institution_id and self.institution else "金融机构"


class Evidence(CaseEvidence):
    """A file the subject attached (财务报表, 购销合同 ...) or supplied on request."""

    case = models.ForeignKey(FinancingNeed, on_delete=models.CASCADE, related_name="files")


class HonestListing(models.Model):
    """诚信中小企业名单 entry: a subject opted in to be shown to institutions while it meets
    the list's conditions (`services.honest_smes`)."""

    subject = models.OneToOneField("subjects.Subject", on_delete=models.PROTECT,
                                   related_name="honest_listing")
    note = models.CharField("企业简介或融资意向", max_length=300, blank=True)
    opted_in_at = models.DateTimeField("加入时间")
    opted_out_at = models.DateTimeField("退出时间", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "诚信中小企业名单（自愿加入）"

    def __str__(self) -> str:
        return f"诚信名单 #{self.pk}"
