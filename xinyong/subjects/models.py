"""Subjects (信用主体): organisations, individual businesses and persons.

A person's ID number is never stored in plain text: `code_digest` (a keyed hash) finds the
subject, `code_cipher` (encrypted) serves the few who may see the number, `code_masked` is
what everyone else sees. Organisations' USCCs are public and kept in `code` as well.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction

from xinyong.policies.schema import SCALES
from xinyong.subjects import codes


class SubjectQuerySet(models.QuerySet["Subject"]):
    def by_code(self, number: str) -> Subject | None:
        """Find a subject by an already normalized code."""
        return self.filter(code_digest=codes.digest(number)).first()

    def visible_to(self, user: Any) -> SubjectQuerySet:
        """Whose credit file `user` may open: enterprises' and individual businesses' are
        public, a person's only staff's and the person's own (`subjects.access`). Pages and
        the API answer 404 for what this hides, as for an id that does not exist."""
        from xinyong.subjects import access

        return self.filter(access.profile_visible(user, field=""))


class Subject(models.Model):
    """信用主体: anyone the platform keeps credit information about."""

    class Kind(models.TextChoices):
        ORGANIZATION = codes.ORGANIZATION, codes.KIND_LABELS[codes.ORGANIZATION]
        INDIVIDUAL_BUSINESS = (codes.INDIVIDUAL_BUSINESS,
                               codes.KIND_LABELS[codes.INDIVIDUAL_BUSINESS])
        PERSON = codes.PERSON, codes.KIND_LABELS[codes.PERSON]

    kind = models.CharField("主体类别", max_length=32, choices=Kind.choices)
    name = models.CharField("名称", max_length=200)
    code = models.CharField("统一社会信用代码", max_length=18, blank=True, default="")
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    code_cipher = models.TextField(blank=True, default="", editable=False)
    code_masked = models.CharField("代码", max_length=18, editable=False)
    # 企业规模 (统计上大中小微型企业划分办法), set by the office: 福州 一.2 gives small and
    # medium-sized enterprises fewer random inspections. Empty: not known.
    scale = models.CharField("企业规模", max_length=8, blank=True, default="", db_default="",
                             choices=list(SCALES.items()))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        verbose_name = "信用主体"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=codes.KINDS), name="subject_kind_valid"
            ),
            # A person's number never sits in the plain column.
            models.CheckConstraint(
                condition=~models.Q(kind=codes.PERSON) | models.Q(code=""),
                name="subject_person_code_not_plain",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code_masked}）"

    def set_code(self, number: str) -> None:
        """Store an already validated, normalized code in the right columns."""
        self.code_digest = codes.digest(number)
        self.code_masked = codes.mask(self.kind, number)
        if self.kind == codes.PERSON:
            self.code, self.code_cipher = "", codes.encrypt(number)
        else:
            self.code, self.code_cipher = number, ""

    def full_code(self) -> str:
        """The unmasked code. For persons the caller must be allowed and must audit the read."""
        return codes.decrypt(self.code_cipher) if self.kind == codes.PERSON else self.code

    @property
    def is_person(self) -> bool:
        return self.kind == codes.PERSON

    @property
    def region(self) -> str | None:
        """The 行政区划代码 in a USCC (characters 3–8): where an enterprise registered.
        None for persons, whose numbers name a birthplace, not a residence."""
        return codes.region_of(self.kind, self.code)


def get_or_create_subject(kind: str, code: str, name: str) -> tuple[Subject, bool]:
    """Find a subject by code or create it; raises codes.CodeError for a bad code.

    The name on file is never overwritten here: a differing name is the caller's to keep
    with its record and flag for the office.
    """
    number = codes.validate_code(kind, code)
    found = Subject.objects.by_code(number)
    if found:
        return found, False
    subject = Subject(kind=kind, name=name.strip())
    subject.set_code(number)
    try:
        with transaction.atomic():
            subject.save()
    except IntegrityError:
        # Another request created it first (unique digest): use theirs.
        found = Subject.objects.by_code(number)
        if found is None:
            raise
        return found, False
    return subject, True
