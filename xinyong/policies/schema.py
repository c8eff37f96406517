"""The policy pack format (政策规则包): one YAML file per source document.

Every determination, list entry, measure, period and point value comes from a pack, and
each rule names the clause of its document. The format is documented for credit-office
staff in docs/policy-packs.md; this module is the single place it is defined.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Severity = Literal["minor", "general", "serious"]
SubjectKind = Literal["organization", "individual_business", "person"]
Circumstance = Literal["force_majeure", "epidemic_duty"]
Level = Literal["national", "provincial", "city", "district", "platform"]
LEVEL_LABELS = {"national": "国家", "provincial": "省", "city": "市", "district": "区县",
                "platform": "平台默认"}

SEVERITY_ORDER: dict[str, int] = {"minor": 0, "general": 1, "serious": 2}
LOCAL_LEVELS = ("provincial", "city", "district")
LEVEL_RANK: dict[str, int] = {
    "national": 4, "provincial": 3, "city": 2, "district": 1, "platform": 0
}

# Business scenarios (应用场景) of joint rewards and punishments; packs may add their own.
SCENARIOS: dict[str, str] = {
    "government_procurement": "政府采购",
    "bidding": "招标投标",
    "land_transfer": "国有土地使用权出让",
    "public_resources": "公共资源配置",
    "fiscal_support": "财政性资金支持",
    "honors": "荣誉评选",
    "administrative_approval": "行政审批",
    "inspection": "日常监管与检查",
    "public_service": "公共服务",
    "government_services_purchase": "政府购买服务",
    "market_access": "市场准入与特定行业",
    "credit_loans": "信易贷",
    "personal_credit_points": "个人信用积分",
}

# 行政处罚的种类 (行政处罚法 第九条, as the 2021 data standard names them).
PENALTY_CATEGORIES: tuple[str, ...] = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
)
PenaltyCategory = Literal[
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
]

# Subject situations that open the green repair channel (太仓 11) and similar.
SUBJECT_FLAGS: dict[str, str] = {
    "epidemic_prevention": "涉及疫情防控",
    "medical_supplies": "医疗保障",
    "essential_supplies": "生产生活资料供给保障",
    "epidemic_hit": "受疫情影响较大",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(Strict):
    """A related document: the forwarding notice, or a source cited by a rule."""

    doc_number: str
    title: str
    issuer: str
    jurisdiction: str | None = None
    issued_on: dt.date | None = None


class EndingEvent(Strict):
    """An event, recorded by the office with its date, after which the pack is void."""

    code: Code
    name: str


class Implementation(Strict):
    """What serves a clause: a rule of this pack, or a feature of the platform."""

    kind: Literal[
        "behavior", "measure", "list", "exemption", "deferral", "violation_kind", "period",
        "repair_channel", "objection", "score", "service", "page", "not_automatable",
        "penalty_severity", "publication", "grade", "inspection_adjustment",
        "commitment_template", "commitment_rules", "force_majeure", "credit_loans",
    ]
    ref: str | None = None
    note: str = ""


class Clause(Strict):
    """A numbered clause of the source document, quoted."""

    id: str = Field(min_length=1, max_length=32)
    title: str = ""
    text: str = Field(min_length=1)
    implemented_by: list[Implementation] = Field(min_length=1)


class Behavior(Strict):
    """A behaviour (行为) the document names: dishonest (失信) or good (良好/守信)."""

    code: Code
    polarity: Literal["dishonest", "good"]
    clause: str
    text: str
    subject_kinds: list[SubjectKind] = Field(min_length=1)
    categories: list[Code] = []
    # A dishonest behaviour becomes a finding (认定为失信行为) from this severity up.
    finding_min_severity: Severity = "minor"
    finding_condition: str = ""


class Trigger(Strict):
    """What sets a measure or a list entry off: lists the subject is on, or behaviours."""

    lists: list[Code] = []
    behaviors: list[Code] = []
    polarity: Literal["dishonest", "good"] | None = None
    min_severity: Severity | None = None


class Measure(Strict):
    """A punishment (惩戒, restrict) or an incentive (激励, incentive) in given scenarios."""

    code: Code
    kind: Literal["restrict", "incentive"]
    scenarios: list[Code] = Field(min_length=1)
    clause: str
    text: str
    subject_kinds: list[SubjectKind] = ["organization", "individual_business", "person"]
    triggers: Trigger


class ListRule(Strict):
    """A list (名单) subjects enter and leave by rule."""

    code: Code
    name: str
    polarity: Literal["dishonest", "good"]
    clause: str
    public: bool = True
    entry: Trigger
    # Membership lasts while the triggering record is published, or a fixed number of months.
    duration_months: int | None = Field(default=None, ge=1, le=120)
    exits: list[Literal["expired", "repaired", "withdrawn", "objection_upheld", "rectified"]] = [
        "expired", "repaired", "withdrawn", "objection_upheld",
    ]


class Exemption(Strict):
    """An exemption (豁免): the record is kept, not published, no measures, no list."""

    code: Code
    clause: str
    text: str
    behaviors: list[Code] = []
    categories: list[Code] = []
    when_any: list[Circumstance] = Field(min_length=1)
    subject_kinds: list[SubjectKind] = ["organization", "individual_business"]


class ViolationKind(Strict):
    """Maps the 违法行为类型 of records under general behaviours (a 双公示 penalty) to a kind
    of finding this pack's exemptions and deferrals name, so that they reach such records."""

    category: Code
    name: str
    clause: str
    # Behaviours whose records are mapped; they may be defined by another pack
    # (administrative_penalty by the national ones).
    behaviors: list[Code] = Field(min_length=1)
    # The violation type as the unit writes it contains one of these words.
    contains: list[Annotated[str, Field(min_length=2, max_length=50)]] = Field(min_length=1)


class Deferral(Strict):
    """A deferral (暂缓): publication waits for a rectification date the department sets."""

    code: Code
    clause: str
    text: str
    behaviors: list[Code] = []
    categories: list[Code] = []
    when_any: list[Circumstance] = []
    max_working_days: int | None = Field(default=None, ge=1)
    proof: str = ""


class Period(Strict):
    """Publicity and repair period for one severity (公示期限)."""

    severity: Severity
    clause: str
    publish: bool = True
    min_months: int = Field(ge=0, le=120)
    max_months: int = Field(ge=1, le=120)
    repairable_when_duty_performed: bool = False

    @model_validator(mode="after")
    def min_below_max(self) -> Period:
        if self.min_months > self.max_months:
            raise ValueError("min_months 不能大于 max_months")
        return self


class PenaltySeverityRule(Strict):
    """One rule deriving a penalty's severity (情节) from what the penalty was.

    Every condition given must hold: a category among `any_category`; all categories within
    `only_categories`; the fine and confiscation together (罚没金额, 万元) within the bounds;
    the subject of one of `subject_kinds`."""

    code: Code
    severity: Severity
    name: str
    clause: str
    any_category: list[PenaltyCategory] = []
    only_categories: list[PenaltyCategory] = []
    amount_wan_at_least: Decimal | None = Field(default=None, ge=0)
    amount_wan_at_most: Decimal | None = Field(default=None, ge=0)
    subject_kinds: list[SubjectKind] = ["organization", "individual_business", "person"]

    @model_validator(mode="after")
    def has_a_condition(self) -> PenaltySeverityRule:
        if not (self.any_category or self.only_categories or self.amount_wan_at_least is not None
                or self.amount_wan_at_most is not None):
            raise ValueError("至少须有一个条件（any_category、only_categories 或金额）")
        return self


class PenaltySeverity(Strict):
    """How the severity of a penalty (行政处罚) is derived when the unit does not state it.

    Rules are read in order, the first that holds decides; `otherwise` covers the rest. Of
    the packs governing a unit, the most local one with this section decides (district,
    city, provincial, national, then the office's platform defaults): thresholds for a
    "large" fine (较大数额) are set locally."""

    clause: str
    behaviors: list[Code] = ["administrative_penalty"]
    rules: list[PenaltySeverityRule] = Field(min_length=1)
    otherwise: Severity | None = None
    provisional: bool = False
    note: str = ""


class RepairChannel(Strict):
    """A repair channel (修复渠道): standard, or the green channel (绿色通道) for some subjects."""

    code: Code
    name: str
    clause: str
    text: str = ""
    # Who qualifies, from the record: circumstances the unit reported on it, or a
    # behaviour of one of these packs (the epidemic notices) ...
    eligible_circumstances: list[Circumstance] = []
    eligible_packs: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]] = []
    # ... or situations the applicant claims (sectors such as 医疗保障), which the officer
    # checks: confirmed, or the case moves to the standard channel with a reason.
    eligible_flags: list[Code] = []
    accept_working_days: int = Field(ge=1)
    decide_working_days: int = Field(ge=1)
    share_working_days: int | None = Field(default=None, ge=1)


class ObjectionRules(Strict):
    """Time limits for objections (异议处理)."""

    clause: str
    accept_working_days: int = Field(ge=1)
    platform_check_working_days: int = Field(ge=1)
    verify_working_days: int = Field(ge=1)


Grade = Literal["A", "B", "C", "D"]
GRADES: tuple[str, ...] = ("A", "B", "C", "D")
# 企业规模 (统计上大中小微型企业划分办法): set by the office on a subject's credit file.
Scale = Literal["large", "medium", "small", "micro"]
SCALES: dict[str, str] = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


class ScoreStep(Strict):
    """Diminishing returns: from the `from_entry`-th entry of a rule in one calendar year,
    each entry earns `points` (海贝分 gives fewer points for each further volunteer hour)."""

    from_entry: int = Field(ge=2)
    points: int = Field(ge=0)


class ScoreCategory(Strict):
    """A category of bonus rules with one cap over all of them (茉莉分: volunteering at most
    50 of 1000)."""

    code: Code
    name: str
    cap: int = Field(ge=1)


class ScoreRule(Strict):
    """One way points are earned or lost. A record is scored by the first rule, in order,
    that matches its behaviour (`behaviors`, behaviour `categories`, `polarity`,
    `min_severity`); a list rule (`lists`) adds its points once while the subject is on
    one of those lists, besides the records' own items.

    Bonuses (points above zero) may be capped per calendar year, in all and by category,
    and diminish with `steps`. Deductions are neither capped nor diminished: each is its
    record's alone, so that a repair gives back exactly what the record took."""

    code: Code
    name: str
    clause: str
    behaviors: list[Code] = []
    categories: list[Code] = []
    polarity: Literal["dishonest", "good"] | None = None
    min_severity: Severity | None = None
    lists: list[Code] = []
    points: int | None = None
    points_by_severity: dict[Severity, int] | None = None
    # How long an entry counts: while its record is published (None), or this many months
    # from the first day of its publicity (good records are published without end).
    counts_months: int | None = Field(default=None, ge=1, le=120)
    cap: int | None = Field(default=None, ge=1)
    cap_per_year: int | None = Field(default=None, ge=1)
    steps: list[ScoreStep] = []
    category: Code | None = None

    @model_validator(mode="after")
    def consistent(self) -> ScoreRule:
        if (self.points is None) == (self.points_by_severity is None):
            raise ValueError("须给出 points 或 points_by_severity 之一")
        values = ([self.points] if self.points is not None
                  else list((self.points_by_severity or {}).values()))
        if any(v == 0 for v in values) or (min(values) < 0 < max(values)):
            raise ValueError("分值不能为 0，也不能同时有加分和减分")
        if self.lists and (self.behaviors or self.categories or self.polarity
                           or self.min_severity or self.points_by_severity):
            raise ValueError("名单规则（lists）只按是否在列计分，不能同时指定行为、类别、情节")
        if not (self.lists or self.behaviors or self.categories or self.polarity):
            raise ValueError("须指定 behaviors、categories、polarity 或 lists 之一")
        if self.lists and (self.counts_months or self.cap or self.cap_per_year or self.steps
                           or self.category or self.deducts):
            raise ValueError("名单规则在列期间加一次分，不设 counts_months、上限、递减、类别，也不扣分")
        if self.deducts:
            if self.cap or self.cap_per_year or self.steps or self.category:
                raise ValueError("扣分规则不设上限、递减或类别：修复须恰好恢复该记录所扣分值")
            if self.polarity == "good":
                raise ValueError("良好行为只能加分")
        elif self.polarity == "dishonest":
            raise ValueError("失信行为只能扣分")
        if self.steps and self.points is None:
            raise ValueError("递减计分（steps）须与固定分值 points 同用，不能按情节计分")
        froms = [s.from_entry for s in self.steps]
        if froms != sorted(set(froms)):
            raise ValueError("steps 须按 from_entry 递增且不重复")
        return self

    @property
    def deducts(self) -> bool:
        if self.points is not None:
            return self.points < 0
        return min((self.points_by_severity or {}).values()) < 0

    def points_for(self, severity: str) -> int:
        """An entry's points before steps and caps; 0 when the severity is not scored."""
        if self.points is not None:
            return self.points
        return (self.points_by_severity or {}).get(severity, 0)  # type: ignore[call-overload]


class CleanYearBonus(Strict):
    """Points for each calendar year without a dishonest record (茉莉分's yearly bonus),
    counted over the full years since the scheme took effect."""

    points: int = Field(ge=1)
    max_total: int | None = Field(default=None, ge=1)
    clause: str


class ScoreLevel(Strict):
    name: str
    min: int
    max: int


class ScoreScheme(Strict):
    """A points scheme (信用积分), e.g. 娄城信用积分; the values may be set by the office."""

    code: Code
    name: str
    clause: str
    subject_kinds: list[SubjectKind] = Field(min_length=1)
    base: int
    min: int
    max: int
    categories: list[ScoreCategory] = []
    rules: list[ScoreRule] = []
    clean_year_bonus: CleanYearBonus | None = None
    levels: list[ScoreLevel] = []
    provisional: bool = False
    note: str = ""

    @model_validator(mode="after")
    def bands(self) -> ScoreScheme:
        if not self.min <= self.base <= self.max:
            raise ValueError("须 min ≤ base ≤ max")
        if self.levels:
            spans = sorted((lv.min, lv.max) for lv in self.levels)
            if spans[0][0] != self.min or spans[-1][1] != self.max:
                raise ValueError(f"levels 须覆盖 {self.min}–{self.max}")
            for (_, hi), (nxt, _) in itertools.pairwise(spans):
                if nxt != hi + 1:
                    raise ValueError(f"levels 在 {hi} 与 {nxt} 之间有缺口或重叠")
            if any(lv.min > lv.max for lv in self.levels):
                raise ValueError("levels 的 min 不能大于 max")
        categories = {c.code for c in self.categories}
        for rule in self.rules:
            if rule.category and rule.category not in categories:
                raise ValueError(f"rules（{rule.code}）.category：categories 中没有“{rule.category}”")
        return self

    def level(self, points: int) -> str:
        return next((lv.name for lv in self.levels if lv.min <= points <= lv.max), "")


class GradeRule(Strict):
    """One rule of the enterprise grades (企业信用风险分类, A low risk … D high): every
    condition given must hold on the day."""

    code: Code
    grade: Grade
    name: str
    clause: str
    # On one of these lists in force (any pack's membership).
    on_lists: list[Code] = []
    # At least this many dishonest records published, of at least this severity.
    dishonest_at_least: int | None = Field(default=None, ge=1)
    dishonest_min_severity: Severity | None = None
    # No dishonest record published.
    no_dishonest: bool = False

    @model_validator(mode="after")
    def has_a_condition(self) -> GradeRule:
        if not (self.on_lists or self.dishonest_at_least or self.no_dishonest):
            raise ValueError("至少须有一个条件（on_lists、dishonest_at_least 或 no_dishonest）")
        if self.dishonest_min_severity and not self.dishonest_at_least:
            raise ValueError("dishonest_min_severity 须与 dishonest_at_least 同用")
        if self.no_dishonest and self.dishonest_at_least:
            raise ValueError("no_dishonest 与 dishonest_at_least 互相矛盾")
        return self


class GradeScheme(Strict):
    """Enterprise grades and the random-inspection rate of each (分级分类监管). Rules are
    read in order, the first that holds decides; `otherwise` covers the rest. Of the packs
    governing a subject's region, the most local one with this section decides."""

    clause: str
    subject_kinds: list[SubjectKind] = ["organization", "individual_business"]
    rules: list[GradeRule] = Field(min_length=1)
    otherwise: Grade
    # The share of a grade's subjects drawn in a year's random inspections (0–1).
    rates: dict[Grade, Annotated[Decimal, Field(ge=0, le=1)]]
    provisional: bool = False
    note: str = ""

    @model_validator(mode="after")
    def every_grade_rated(self) -> GradeScheme:
        missing = [g for g in GRADES if g not in self.rates]
        if missing:
            raise ValueError(f"rates 缺少等级 {'、'.join(missing)}")
        return self


class InspectionAdjustment(Strict):
    """A change of the inspection rate for some subjects (福州 一.2: fewer spot checks for
    small and medium-sized enterprises), applied where and while its pack is in force."""

    code: Code
    name: str
    clause: str
    scales: list[Scale] = Field(min_length=1)
    grades: list[Grade] = ["A", "B", "C", "D"]
    factor: Decimal = Field(gt=0, lt=1)
    provisional: bool = False
    note: str = ""


class Publication(Strict):
    """How soon units put 双公示 decisions on the platform (报送时限): within this many working
    days of the decision. Of the packs governing a unit, the most local with one decides."""

    clause: str
    working_days: int = Field(ge=1, le=60)
    applies_to: list[Literal["penalties", "licences"]] = ["penalties", "licences"]


class Service(Strict):
    """An online service the document promises (信用承诺, 信易贷, 在线修复 ...)."""

    code: Code
    name: str
    clause: str
    text: str = ""


# 信用承诺的类型 (国办发〔2019〕35号 and practice): what a signed commitment stands in for.
CommitmentKind = Literal["public", "approval", "tolerance", "proof", "repair", "self_discipline"]
COMMITMENT_KINDS: dict[str, str] = {
    "public": "主动公示型", "approval": "审批替代型（告知承诺）", "tolerance": "容缺办理型",
    "proof": "证明事项告知承诺", "repair": "信用修复型", "self_discipline": "行业自律型",
}
# Kinds a department grants a matter on (告知承诺制): they name the matter and the accepting
# unit, and are checked after the approval (事中事后核查).
MATTER_KINDS: tuple[str, ...] = ("approval", "tolerance", "proof")
VerificationMethod = Literal["书面核查", "网络核验", "实地调查", "公示核查"]
VERIFICATION_METHODS: tuple[str, ...] = ("书面核查", "网络核验", "实地调查", "公示核查")
# The blanks a letter's text may have, filled in when it is signed.
COMMITMENT_BLANKS: tuple[str, ...] = ("主体名称", "统一社会信用代码", "承诺事项", "受理单位", "承诺日期")


class CommitmentTemplate(Strict):
    """A commitment letter (信用承诺书) subjects sign: its text with blanks ({主体名称} …),
    the clause that calls for it, what a breach counts as and how it is checked."""

    code: Code
    name: str
    kind: CommitmentKind
    clause: str
    text: str = Field(min_length=1)
    subject_kinds: list[SubjectKind] = Field(default=["organization", "individual_business"],
                                             min_length=1)
    # A breach found on verification is recorded under this dishonest behaviour of the pack.
    breach_behavior: Code | None = None
    verification_methods: list[VerificationMethod] = []
    # The default deadline of the post-verification, counted from the approval.
    verify_within_months: int | None = Field(default=None, ge=1, le=36)
    # Shown on the credit file and the public page once signed (主动公示).
    public: bool = True
    note: str = ""

    @property
    def blanks(self) -> list[str]:
        import string

        return [name for _, name, _, _ in string.Formatter().parse(self.text) if name is not None]


class CommitmentRules(Strict):
    """How the commitment route is run where the documents give no numbers (告知承诺制)."""

    clause: str
    # While a record of a breached commitment is in publicity (until repaired), the subject
    # may not sign commitments of these kinds (虚假承诺者不适用告知承诺).
    barred_after_breach: list[CommitmentKind] = []
    # Campaign reminders: no more often than every this many days.
    remind_every_days: int = Field(ge=1, le=90)


class ForceMajeureRules(Strict):
    """不可抗力事实性证明: who issues them (the office, or the member unit with this USCC) and
    within how many working days."""

    clause: str
    unit: str | None = Field(default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    accept_working_days: int = Field(ge=1)
    decide_working_days: int = Field(ge=1)


class CreditLoanRules(Strict):
    """信易贷: how lenders' access and financing needs are run where the documents give no
    numbers (the practice of the provincial nodes, e.g. 粤信融: a grant names the querier,
    the scope and the purpose and lasts at most about a year)."""

    clause: str
    # A subject's grant to an institution lasts at most this many months.
    grant_max_months: int = Field(ge=1, le=12)
    # An open financing need is taken by an institution within this many working days,
    # and its outcome (lent or declined) reported within this many after it was taken.
    take_working_days: int = Field(ge=1, le=60)
    outcome_working_days: int = Field(ge=1, le=120)
    # The subject situations (SUBJECT_FLAGS) that make a need a priority one (太仓 7:
    # 疫情防控应急物资及生活物资生产企业、受疫情影响较大的中小微企业); counted apart.
    priority_flags: list[Code] = []

    @field_validator("priority_flags")
    @classmethod
    def _known_flags(cls, flags: list[str]) -> list[str]:
        unknown = [f for f in flags if f not in SUBJECT_FLAGS]
        if unknown:
            raise ValueError(f"未知的主体情形 {'、'.join(unknown)}；可用：{'、'.join(SUBJECT_FLAGS)}")
        return flags


class Pack(Strict):
    """A policy pack: the machine-readable form of one source document."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
    doc_number: str
    title: str
    issuer: str
    jurisdiction: str
    level: Level
    # 行政区划代码 (6 digits) of the area the document governs; a national or platform pack
    # governs everywhere and names none. A unit reports under a pack only inside its area.
    regions: list[Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$")]] = []
    issued_on: dt.date | None = None
    effective_from: dt.date
    effective_until: dt.date | None = None
    ends_with_event: EndingEvent | None = None
    forwarded_by: list[Document] = []
    # Explicit rules of these higher levels win (e.g. 太仓: 国家、省、苏州 ... 从其规定).
    yields_to: list[Level] = []
    source: str = ""
    summary: str = ""
    scenarios: dict[Code, str] = {}
    clauses: list[Clause] = Field(min_length=1)
    behaviors: list[Behavior] = []
    measures: list[Measure] = []
    lists: list[ListRule] = []
    exemptions: list[Exemption] = []
    deferrals: list[Deferral] = []
    violation_kinds: list[ViolationKind] = []
    penalty_severity: PenaltySeverity | None = None
    publication: Publication | None = None
    periods: list[Period] = []
    repair_channels: list[RepairChannel] = []
    objection: ObjectionRules | None = None
    scores: list[ScoreScheme] = []
    grades: GradeScheme | None = None
    inspection_adjustments: list[InspectionAdjustment] = []
    services: list[Service] = []
    commitment_templates: list[CommitmentTemplate] = []
    commitment_rules: CommitmentRules | None = None
    force_majeure: ForceMajeureRules | None = None
    credit_loans: CreditLoanRules | None = None


def check_references(self: Pack) -> list[str]:
    """Cross-references inside one pack; each problem names its entry and field."""
    problems: list[str] = []
    clause_ids = [c.id for c in self.clauses]
    _dupes(problems, "clauses", clause_ids)
    for section in ("behaviors", "measures", "lists", "exemptions", "deferrals",
                    "repair_channels", "scores", "services", "commitment_templates"):
        _dupes(problems, section, [e.code for e in getattr(self, section)])
    clause_set = set(clause_ids)
    for section in ("behaviors", "measures", "lists", "exemptions", "deferrals",
                    "violation_kinds", "periods", "repair_channels", "scores", "services",
                    "commitment_templates"):
        for i, entry in enumerate(getattr(self, section)):
            if entry.clause not in clause_set:
                problems.append(
                    f"{section}[{i}]{_name(entry)}.clause：条款“{entry.clause}”不在 clauses 中"
                )
    if self.penalty_severity:
        rules = self.penalty_severity
        if rules.clause not in clause_set:
            problems.append(f"penalty_severity.clause：条款“{rules.clause}”不在 clauses 中")
        _dupes(problems, "penalty_severity.rules", [r.code for r in rules.rules])
        for i, rule in enumerate(rules.rules):
            if rule.clause not in clause_set:
                problems.append(f"penalty_severity.rules[{i}]（{rule.code}）.clause："
                                f"条款“{rule.clause}”不在 clauses 中")
    if self.publication and self.publication.clause not in clause_set:
        problems.append(f"publication.clause：条款“{self.publication.clause}”不在 clauses 中")
    if self.objection and self.objection.clause not in clause_set:
        problems.append(f"objection.clause：条款“{self.objection.clause}”不在 clauses 中")
    for rules_name in ("commitment_rules", "force_majeure", "credit_loans"):
        rules_entry = getattr(self, rules_name)
        if rules_entry and rules_entry.clause not in clause_set:
            problems.append(f"{rules_name}.clause：条款“{rules_entry.clause}”不在 clauses 中")
    behavior_codes = {b.code for b in self.behaviors}
    problems += _template_problems(self)
    categories = {c for b in self.behaviors for c in b.categories}
    categories |= {k.category for k in self.violation_kinds}
    scenarios = set(SCENARIOS) | set(self.scenarios)
    for i, m in enumerate(self.measures):
        for s in m.scenarios:
            if s not in scenarios:
                problems.append(f"measures[{i}]（{m.code}）.scenarios：未知场景“{s}”"
                                "（可在 scenarios 中声明）")
    for section in ("measures", "lists"):
        for i, entry in enumerate(getattr(self, section)):
            trigger = entry.triggers if section == "measures" else entry.entry
            for b in trigger.behaviors:
                if b not in behavior_codes:
                    problems.append(f"{section}[{i}]（{entry.code}）.behaviors：未知行为“{b}”")
            # Lists named by a trigger may come from other packs: the loader checks them.
            if not (trigger.lists or trigger.behaviors or trigger.polarity):
                problems.append(f"{section}[{i}]（{entry.code}）：触发条件为空")
    for section in ("exemptions", "deferrals"):
        for i, entry in enumerate(getattr(self, section)):
            for b in entry.behaviors:
                if b not in behavior_codes:
                    problems.append(f"{section}[{i}]（{entry.code}）.behaviors：未知行为“{b}”")
            for c in entry.categories:
                if c not in categories:
                    problems.append(
                        f"{section}[{i}]（{entry.code}）.categories：没有行为属于类别“{c}”"
                    )
            if not (entry.behaviors or entry.categories):
                problems.append(f"{section}[{i}]（{entry.code}）：未指定适用的行为或类别")
    _dupes(problems, "periods", [p.severity for p in self.periods])
    polarity_of = {b.code: b.polarity for b in self.behaviors}
    for i, scheme in enumerate(self.scores):
        where = f"scores[{i}]（{scheme.code}）"
        _dupes(problems, f"{where}.rules", [r.code for r in scheme.rules])
        for cited in [scheme.clause, *(r.clause for r in scheme.rules)] + (
                [scheme.clean_year_bonus.clause] if scheme.clean_year_bonus else []):
            if cited not in clause_set:
                problems.append(f"{where}：条款“{cited}”不在 clauses 中")
        for j, score_rule in enumerate(scheme.rules):
            named = f"{where}.rules[{j}]（{score_rule.code}）"
            for b in score_rule.behaviors:
                if b not in behavior_codes:
                    problems.append(f"{named}.behaviors：未知行为“{b}”")
                elif (polarity_of[b] == "good") == score_rule.deducts:
                    problems.append(f"{named}：行为“{b}”为"
                                    f"{'良好' if polarity_of[b] == 'good' else '失信'}行为，分值方向不符")
            for c in score_rule.categories:
                if c not in categories:
                    problems.append(f"{named}.categories：没有行为属于类别“{c}”")
    if self.grades:
        _dupes(problems, "grades.rules", [r.code for r in self.grades.rules])
        for cited in [self.grades.clause, *(r.clause for r in self.grades.rules)]:
            if cited not in clause_set:
                problems.append(f"grades：条款“{cited}”不在 clauses 中")
    _dupes(problems, "inspection_adjustments", [a.code for a in self.inspection_adjustments])
    for i, adj in enumerate(self.inspection_adjustments):
        if adj.clause not in clause_set:
            problems.append(f"inspection_adjustments[{i}]（{adj.code}）.clause："
                            f"条款“{adj.clause}”不在 clauses 中")
    for i, clause in enumerate(self.clauses):
        for j, impl in enumerate(clause.implemented_by):
            where = f"clauses[{i}]（{clause.id}）.implemented_by[{j}]"
            if impl.kind == "not_automatable":
                if not impl.note:
                    problems.append(f"{where}.note：不能自动执行的条款须说明由哪项功能承担")
                continue
            if impl.ref is None:
                problems.append(f"{where}.ref：{impl.kind} 需要 ref")
                continue
            known = _refs(self, impl.kind)
            if known is not None and impl.ref not in known:
                problems.append(f"{where}.ref：本规则包没有 {impl.kind}“{impl.ref}”")
    if self.level in LOCAL_LEVELS and not self.regions:
        problems.append(f"regions：{self.level} 级规则包须列出所辖行政区划代码（如 350100）")
    if self.level not in LOCAL_LEVELS and self.regions:
        problems.append(f"regions：{self.level} 级规则包适用于全部地区，不应列出行政区划代码")
    if self.effective_until and self.effective_until < self.effective_from:
        problems.append("effective_until：不能早于 effective_from")
    return problems


def _template_problems(pack: Pack) -> list[str]:
    problems: list[str] = []
    polarity_of = {b.code: b.polarity for b in pack.behaviors}
    for i, t in enumerate(pack.commitment_templates):
        where = f"commitment_templates[{i}]（{t.code}）"
        try:
            blanks = t.blanks
        except ValueError as exc:
            problems.append(f"{where}.text：空格写法有误（{exc}），应为 {{主体名称}} 这样的形式")
            continue
        for blank in blanks:
            if blank not in COMMITMENT_BLANKS:
                problems.append(f"{where}.text：未知空格“{{{blank}}}”，可用 "
                                + "、".join(f"{{{b}}}" for b in COMMITMENT_BLANKS))
        if t.kind in MATTER_KINDS and "承诺事项" not in blanks:
            problems.append(f"{where}.text：{COMMITMENT_KINDS[t.kind]}的承诺书须有 {{承诺事项}} 空格")
        if t.breach_behavior is not None:
            if t.breach_behavior not in polarity_of:
                problems.append(f"{where}.breach_behavior：本规则包没有行为“{t.breach_behavior}”")
            elif polarity_of[t.breach_behavior] != "dishonest":
                problems.append(f"{where}.breach_behavior：违诺须记为失信行为，“{t.breach_behavior}”是良好行为")
        if t.kind in MATTER_KINDS and not t.verification_methods:
            problems.append(f"{where}.verification_methods：告知承诺须列出核查方式")
    return problems


def _refs(pack: Pack, kind: str) -> set[str] | None:
    match kind:
        case "behavior":
            return {b.code for b in pack.behaviors}
        case "measure":
            return {m.code for m in pack.measures}
        case "list":
            return {entry.code for entry in pack.lists}
        case "exemption":
            return {e.code for e in pack.exemptions}
        case "deferral":
            return {d.code for d in pack.deferrals}
        case "violation_kind":
            return {k.category for k in pack.violation_kinds}
        case "period":
            return {p.severity for p in pack.periods}
        case "repair_channel":
            return {r.code for r in pack.repair_channels}
        case "score":
            return {s.code for s in pack.scores}
        case "grade":
            return {r.code for r in pack.grades.rules} if pack.grades else set()
        case "inspection_adjustment":
            return {a.code for a in pack.inspection_adjustments}
        case "service":
            return {s.code for s in pack.services}
        case "objection":
            return {"objection"} if pack.objection else set()
        case "commitment_template":
            return {t.code for t in pack.commitment_templates}
        case "commitment_rules":
            return {"commitment_rules"} if pack.commitment_rules else set()
        case "force_majeure":
            return {"force_majeure"} if pack.force_majeure else set()
        case "credit_loans":
            return {"credit_loans"} if pack.credit_loans else set()
        case "publication":
            return {"publication"} if pack.publication else set()
        case "penalty_severity":
            return {r.code for r in pack.penalty_severity.rules} if pack.penalty_severity else set()
        case _:
            return None  # pages name URL routes; the coverage test resolves them


def _name(entry: Any) -> str:
    code = (getattr(entry, "code", None) or getattr(entry, "severity", None)
            or getattr(entry, "category", None))
    return f"（{code}）" if code else ""


def _dupes(problems: list[str], section: str, values: list[str]) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            problems.append(f"{section}：“{v}”重复")
        seen.add(v)
