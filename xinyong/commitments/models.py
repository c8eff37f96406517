"""Commitments (信用承诺): letters subjects sign from the packs' templates, kept as signed
PDFs; the 告知承诺 approval and post-verification on them; campaigns that invite a
population to sign (福州 一.1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models

from xinyong.accounts.models import Role, role_of
from xinyong.commitments import choices
from xinyong.reports.models import SignedDocument
from xinyong.subjects import codes


def public_q(prefix: str = "") -> models.Q:
    """What anyone may see: public commitments of organisations and individual businesses,
    signed and not withdrawn (a person's commitments are never public: subjects.access)."""
    return (models.Q(**{f"{prefix}public": True}) & ~models.Q(**{f"{prefix}status": choices.WITHDRAWN})
            & ~models.Q(**{f"{prefix}subject__kind": codes.PERSON})
            & models.Q(**{f"{prefix}number__isnull": False}))


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def visible_to(self, user: Any) -> CommitmentQuerySet:
        """The office sees all; a department those its unit accepts or campaigns for, and
        the public ones; a subject its own and the public ones; anyone else the public ones."""
        role = role_of(user)
        if role == Role.OFFICE:
            return self
        public = public_q()
        if role == Role.DEPARTMENT and user.unit_id is not None:
            return self.filter(models.Q(accepting_unit_id=user.unit_id)
                               | models.Q(campaign__unit_id=user.unit_id) | public)
        if role == Role.SUBJECT and user.subject_id is not None:
            return self.filter(models.Q(subject_id=user.subject_id) | public)
        return self.filter(public)

    def in_full_for(self, user: Any) -> CommitmentQuerySet:
        """Those `user` may read in full (the letter's PDF, the verification notes): the
        subject itself, the office, the accepting or campaigning unit."""
        role = role_of(user)
        if role == Role.OFFICE:
            return self
        if role == Role.DEPARTMENT and user.unit_id is not None:
            return self.filter(models.Q(accepting_unit_id=user.unit_id)
                               | models.Q(campaign__unit_id=user.unit_id))
        if role == Role.SUBJECT and user.subject_id is not None:
            return self.filter(subject_id=user.subject_id)
        return self.none()

    def due_for_verification(self) -> CommitmentQuerySet:
        return self.filter(status=choices.IN_FORCE, verify_by__isnull=False)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: Any) -> CampaignQuerySet:
        """The office sees every campaign, a department its unit's; everyone the published."""
        role = role_of(user)
        if role == Role.OFFICE:
            return self
        if role == Role.DEPARTMENT and user.unit_id is not None:
            return self.filter(models.Q(unit_id=user.unit_id) | models.Q(published=True))
        return self.filter(published=True)

    def managed_by(self, user: Any) -> CampaignQuerySet:
        """Those `user` may run (see every target, remind): the office, the organiser unit."""
        role = role_of(user)
        if role == Role.OFFICE:
            return self
        if role == Role.DEPARTMENT and user.unit_id is not None:
            return self.filter(unit_id=user.unit_id)
        return self.none()


class Campaign(models.Model):
    """A campaign (承诺活动) a department runs, itself or on behalf of an association, inviting
    a population (a list of codes) to sign one template."""

    unit = models.ForeignKey("accounts.Unit", verbose_name="组织单位", on_delete=models.PROTECT,
                             related_name="+")
    organiser_name = models.CharField("组织者", max_length=200)
    template = models.CharField("承诺书模板", max_length=64)
    policy = models.CharField("依据规则包", max_length=64)
    template_name = models.CharField("承诺书名称", max_length=200)
    title = models.CharField("活动名称", max_length=200)
    message = models.TextField("活动说明", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    published = models.BooleanField("公开签署名单", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "承诺活动"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def runs_on(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Commitment(SignedDocument):
    """信用承诺: one letter as signed, and what became of it."""

    subject = models.ForeignKey("subjects.Subject", verbose_name="信用主体", on_delete=models.PROTECT,
                                related_name="commitments")
    template = models.CharField("承诺书模板", max_length=64)
    policy = models.CharField("依据规则包", max_length=64)
    doc_number = models.CharField("依据文号", max_length=200, blank=True)
    clause = models.CharField("依据条款", max_length=64)
    kind = models.CharField("承诺类型", max_length=20, choices=choices.KIND.choices)
    name = models.CharField("承诺书名称", max_length=200)
    text = models.TextField("承诺内容")
    matter = models.CharField("承诺事项", max_length=500, blank=True)
    accepting_unit = models.ForeignKey("accounts.Unit", verbose_name="受理单位", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    public = models.BooleanField("向社会公示")
    status = models.CharField("履约状态", max_length=16, choices=choices.STATUS.choices,
                              default=choices.IN_FORCE, db_index=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签署人", on_delete=models.PROTECT,
                                  related_name="+")
    signer_name = models.CharField("签署人", max_length=200)
    signed_at = models.DateTimeField("签署时间")
    campaign = models.ForeignKey(Campaign, verbose_name="承诺活动", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="commitments")
    # 告知承诺: the accepting department's approval on the commitment.
    approval_no = models.CharField("审批文号", max_length=200, blank=True)
    approved_on = models.DateField("审批日期", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    materials_replaced = models.TextField("以承诺替代的材料", blank=True)
    verify_by = models.DateField("核查期限", null=True, blank=True)
    # 事中事后核查
    verified_on = models.DateField("核查日期", null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verified_unit = models.ForeignKey("accounts.Unit", verbose_name="核查单位", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    method = models.CharField("核查方式", max_length=16, choices=choices.METHOD.choices, blank=True)
    verification_note = models.TextField("核查情况", blank=True)
    breach_record = models.OneToOneField("records.Record", verbose_name="失信记录", null=True,
                                         blank=True, on_delete=models.PROTECT,
                                         related_name="breached_commitment")
    withdrawn_on = models.DateField("撤销日期", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    withdrawn_reason = models.CharField("撤销原因", max_length=2000, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = "信用承诺"
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["subject", "-signed_at"]),
                   models.Index(fields=["template", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.subject_name}）"

    @property
    def status_label(self) -> str:
        return choices.STATUS.label(self.status)

    @property
    def status_badge(self) -> str:
        return choices.STATUS.badge(self.status)

    @property
    def kind_label(self) -> str:
        return choices.KIND.label(self.kind)


class CampaignTarget(models.Model):
    """One subject a campaign invites, by its code (the platform holds no industry register:
    a field or an association's members are given as their codes)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    code = models.CharField("统一社会信用代码", max_length=18)
    code_digest = models.CharField(max_length=64, db_index=True)
    name = models.CharField("名称", max_length=200, blank=True)
    subject = models.ForeignKey("subjects.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    commitment = models.ForeignKey(Commitment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)
    reminders = models.PositiveIntegerField("提醒次数", default=0)

    class Meta:
        verbose_name = "活动对象"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code_digest"],
                                               name="campaign_target_once")]

    def __str__(self) -> str:
        return self.name or self.code
