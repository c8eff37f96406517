"""Statuses of a record (what it was determined to mean), how it came in, the changes in
its history, and the states of an import job, with labels and badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

PUBLISHED = "published"
EXEMPTED = "exempted"
DEFERRED = "deferred"
RECTIFIED = "rectified"
REPAIRED = "repaired"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
STATUS = ChoiceSet(
    Choice(PUBLISHED, "公示中", "text-bg-danger"),
    Choice(EXEMPTED, "豁免", "text-bg-secondary"),
    Choice(DEFERRED, "暂缓", "text-bg-warning"),
    Choice(RECTIFIED, "已按期整改", "text-bg-info"),
    Choice(REPAIRED, "已修复", "text-bg-success"),
    Choice(EXPIRED, "公示期满", "text-bg-light border"),
    Choice(WITHDRAWN, "已撤销", "text-bg-dark"),
)

# Why a record left publicity early: withdrawn by its unit, withdrawn because an objection
# was upheld, or repaired (the memberships' exit reason and the credit file read this).
CLOSED_CAUSE = ChoiceSet(Choice("withdrawn", "记录撤销"), Choice("objection_upheld", "异议成立，记录撤销"),
                         Choice("repaired", "信用修复"))

SOURCE = ChoiceSet(Choice("form", "表单"), Choice("api", "接口"), Choice("import", "批量导入"))

# What a version of a record records (RecordVersion.change).
CHANGE = ChoiceSet(
    Choice("created", "报送"), Choice("imported", "批量导入"), Choice("corrected", "更正"),
    Choice("withdrawn", "撤销"), Choice("rectified", "登记按期整改"),
    Choice("published", "整改期限已过，转为公示"), Choice("expired", "公示期满"),
    Choice("repaired", "信用修复"), Choice("objection_upheld", "异议成立，撤销"),
)
