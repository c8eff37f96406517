"""Versions of a report and the ways one is issued, with labels and badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

PUBLIC = "public"
FULL = "full"
# 公开版: what the rules publish (for banks, tenders, approvals); 完整版: every record and
# membership of any status, for the subject itself and the office only.
VERSION = ChoiceSet(
    Choice(PUBLIC, "公开版", "text-bg-primary"),
    Choice(FULL, "完整版（本人、信用办及获授权的金融机构）", "text-bg-warning"),
)

WEB, API, OFFICE, KIOSK = "web", "api", "office", "kiosk"
CHANNEL = ChoiceSet(
    Choice(WEB, "网上自助下载"),
    Choice(API, "接口下载"),
    Choice(OFFICE, "信用办出具"),
    Choice(KIOSK, "自助终端打印"),
)

# What a verification finds (报告核验).
GENUINE, ALTERED, REVOKED, EXPIRED, UNKNOWN = "genuine", "altered", "revoked", "expired", "unknown"
VERDICT = ChoiceSet(
    Choice(GENUINE, "报告真实有效，与出具时完全一致", "text-bg-success"),
    Choice(ALTERED, "报告编号存在，但文件与出具时不一致：可能被篡改", "text-bg-danger"),
    Choice(REVOKED, "报告已被信用办撤销", "text-bg-danger"),
    Choice(EXPIRED, "报告真实，但已超过有效期", "text-bg-warning"),
    Choice(UNKNOWN, "平台未出具过该编号的报告", "text-bg-danger"),
)
