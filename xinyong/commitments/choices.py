"""Statuses, kinds and verification results of commitments (信用承诺), with labels and badges."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet
from xinyong.policies.schema import COMMITMENT_KINDS, VERIFICATION_METHODS

# The fulfilment states seen in practice (domain: 正常履约, 未履约, 已撤销), with 已履约 for a
# commitment whose post-verification (事中事后核查) passed.
IN_FORCE, FULFILLED, BREACHED, WITHDRAWN = "in_force", "fulfilled", "breached", "withdrawn"
STATUS = ChoiceSet(
    Choice(IN_FORCE, "正常履约", "text-bg-primary"),
    Choice(FULFILLED, "已履约（核查通过）", "text-bg-success"),
    Choice(BREACHED, "未履约", "text-bg-danger"),
    Choice(WITHDRAWN, "已撤销", "text-bg-secondary"),
)

KIND = ChoiceSet(*(Choice(code, label) for code, label in COMMITMENT_KINDS.items()))

RESULT = ChoiceSet(Choice(FULFILLED, "已履约（核查通过）", "text-bg-success"),
                   Choice(BREACHED, "未履约（记为失信）", "text-bg-danger"))

METHOD = ChoiceSet(*(Choice(m, m) for m in VERIFICATION_METHODS))
