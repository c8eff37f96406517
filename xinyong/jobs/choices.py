"""States of a background job (an import, a file of codes to check), with badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUS = ChoiceSet(Choice(QUEUED, "排队中", "text-bg-secondary"),
                   Choice(RUNNING, "处理中", "text-bg-primary"),
                   Choice(DONE, "已完成", "text-bg-success"),
                   Choice(FAILED, "失败", "text-bg-danger"))
