"""Every action code the platform writes has a Chinese label; an unknown code shows itself."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import xinyong
from xinyong.audit.labels import ACTIONS, GROUPS, action_choices, action_label, actions_matching

SOURCE = Path(xinyong.__file__).resolve().parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# The first argument of an audit call, `audit(<this>, …)`, and a case step, `_record("x", …)`.
AUDIT_CALL = re.compile(r"\baudit\(\s*([^,]+),", re.S)
CASE_STEP = re.compile(r"\._record\(\s*([^,]+),", re.S)
LITERAL = re.compile(r'^(?:"[a-z_.]+"|\s|if|else|\w+)+$')
CASE_ACTION = re.compile(r'^f"\{self\.(?:workflow\.)?audit_prefix\}\.([a-z_]+)"$')


def sources() -> list[Path]:
    return [p for p in SOURCE.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def workflows() -> list[tuple[str, str, Path]]:
    """(audit_prefix, submit_action, source file) of every kind of case."""
    from xinyong.casework.services import Workflow
    from xinyong.objections import services as _objections  # noqa: F401 (registers the kind)
    from xinyong.repairs import services as _repairs  # noqa: F401

    found, todo = [], list(Workflow.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if getattr(cls, "audit_prefix", ""):
            module = sys.modules[cls.__module__].__file__
            found.append((cls.audit_prefix, cls.submit_action, Path(str(module)).resolve()))
    return found


def used_codes() -> set[str]:
    """Every action code written by an `audit(...)` call (audit.models.record is imported
    as `audit` everywhere) or a case step, read from the source."""
    kinds = workflows()
    assert {prefix for prefix, _, _ in kinds} >= {"repair", "objection"}
    codes: set[str] = set()
    steps: dict[Path, set[str]] = {}  # case steps by the file that records them
    shared = SOURCE / "casework"  # steps every kind has
    for path in sources():
        text = path.read_text(encoding="utf-8")
        for match in AUDIT_CALL.finditer(text):
            arg = match.group(1).strip()
            if case := CASE_ACTION.match(arg):
                steps.setdefault(path, set()).add(case.group(1))
            elif arg.startswith('"') and LITERAL.match(arg):
                codes.update(re.findall(r'"([a-z_.]+)"', arg))
            elif arg not in ("action",  # audit.models.record's own parameter
                             'f"{self.audit_prefix}.{name}"'):  # Workflow._record: CASE_STEP
                raise AssertionError(f"{path.relative_to(SOURCE)}: an audit call this test cannot "
                                     f"read: audit({arg}, …); name the code literally")
        for match in CASE_STEP.finditer(text):
            arg = match.group(1).strip()
            if arg == "self.submit_action":
                continue
            assert re.fullmatch(r'"[a-z_]+"', arg), f"{path}: _record({arg}, …)"
            steps.setdefault(path, set()).add(arg.strip('"'))
    for path in steps:
        assert path.is_relative_to(shared) or path in {k[2] for k in kinds}, (
            f"{path}: case steps outside casework and the kinds' own services")
    for prefix, submit, module in kinds:
        own = {s for path, names in steps.items() if path.is_relative_to(shared) or path == module
               for s in names}
        codes.update(f"{prefix}.{step}" for step in own | {submit})
    return codes


def test_the_source_is_read() -> None:
    codes = used_codes()
    # A few from each way of writing them, so the reading itself is tested.
    assert {"record.export", "import.done", "unit.deactivate", "unit.reactivate",
            "user.password_reset", "repair.apply", "objection.submit", "repair.channel",
            "objection.evidence_purge", "repair.evidence_download", "audit.export"} <= codes


def test_every_action_used_has_a_label() -> None:
    missing = sorted(used_codes() - set(ACTIONS))
    assert not missing, f"no Chinese label in audit/labels.py for: {missing}"


def test_labels_are_chinese_and_unique() -> None:
    for code, label in ACTIONS.items():
        assert CJK.search(label) and not re.search(r"[A-Za-z]", label), (code, label)
    assert len(set(ACTIONS.values())) == len(ACTIONS)
    assert sum(len(actions) for _, actions in GROUPS) == len(ACTIONS)  # no code twice


def test_an_unknown_code_shows_itself() -> None:
    assert action_label("record.export") == "导出信用记录"
    assert action_label("something.new") == "something.new"


def test_choices_are_grouped_with_an_all_option() -> None:
    choices = action_choices()
    assert choices[0] == ("", "全部操作")
    groups = dict(choices[1:])
    assert groups["接口令牌"] == [("token", "全部接口令牌操作"), ("token.create", "创建接口令牌"),
                                 ("token.revoke", "吊销接口令牌")]


def test_keyword_finds_labels() -> None:
    assert actions_matching("吊销") == ["token.revoke"]
    assert actions_matching("") == []


def test_no_label_for_a_code_nothing_writes() -> None:
    assert sorted(set(ACTIONS) - used_codes()) == []
