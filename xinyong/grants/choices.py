"""What a grant may cover (授权范围) and its states, with labels and badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

PROFILE, RECORDS, SCORE, REPORT = "profile", "records", "score", "report"
SCOPES = ChoiceSet(
    # The identification (a person's full ID number), every list membership (ended ones
    # too), licences and every commitment.
    Choice(PROFILE, "基本信息与名单"),
    # Records of every status (exempted, deferred, repaired, expired ...), not only those
    # published today.
    Choice(RECORDS, "全部信用记录"),
    # A person's points with every item; an enterprise's grade is public anyway.
    Choice(SCORE, "信用评价（积分或分类）"),
    # The full credit report (PDF), numbered and verifiable like the subject's own.
    Choice(REPORT, "信用报告"),
)

LIVE, EXPIRED, REVOKED, PENDING = "live", "expired", "revoked", "pending"
STATES = ChoiceSet(
    Choice(LIVE, "有效", "text-bg-success"),
    Choice(PENDING, "未生效", "text-bg-info"),
    Choice(EXPIRED, "已到期", "text-bg-secondary"),
    Choice(REVOKED, "已撤销", "text-bg-dark"),
)

# How a read reached the file.
CHANNELS = {"api": "接口", "web": "网页"}
