"""Reading, validating and loading policy packs. A broken pack is refused whole."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from pydantic import ValidationError

from xinyong.audit.models import record as audit
from xinyong.policies.models import PolicyPack, PolicyVersion
from xinyong.policies.schema import Pack, check_references
from xinyong.policies.signals import rules_changed

PACKS_DIR = Path(__file__).resolve().parent / "packs"

PYDANTIC_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "不是规则包格式中的字段（拼写错误？）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为 YYYY-MM-DD 格式的日期",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "too_short": "不能为空",
}


class PackError(ValueError):
    """A pack that cannot be loaded; `problems` each name the file, the entry and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ParsedPack:
    pack: Pack
    source_name: str

    @property
    def data(self) -> dict[str, Any]:
        return self.pack.model_dump(mode="json")

    @property
    def sha256(self) -> str:
        canonical = json.dumps(self.data, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _where(raw: Any, loc: tuple[Any, ...]) -> str:
    """`behaviors[3]（fz_mask_fraud）.polarity`: the path, with each entry's code."""
    text, node = "", raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            code = None
            if isinstance(item, dict):
                code = item.get("code") or item.get("id") or item.get("severity")
            text += f"[{part}]" + (f"（{code}）" if code else "")
            node = item
        else:
            text += ("." if text else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "（文件顶层）"


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"取值“{error.get('input')}”无效，应为 {expected}"
    if kind == "string_pattern_mismatch":
        return f"“{error.get('input')}”格式不对：代码只能用小写英文字母、数字和下划线，且以字母开头"
    if kind in PYDANTIC_MESSAGES:
        return PYDANTIC_MESSAGES[kind]
    return str(error.get("msg", "")).removeprefix("Value error, ")


class PackYamlLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: packs never need them, and an alias bomb (a
    few lines whose aliases nest into billions of nodes) would make validation walk the
    expansion in the web process that received the upload."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "规则包不支持 YAML 别名（*name），请把内容写全", event.start_mark)
        return super().compose_node(parent, index)


def parse(text: str, source_name: str) -> ParsedPack:
    """Validate a pack's text; raise PackError naming the file, entry and field."""
    try:
        raw = yaml.load(text, Loader=PackYamlLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark else ""
        raise PackError([f"{source_name}：{where}YAML 语法错误（{getattr(exc, 'problem', exc)}）"]
                        ) from None
    if not isinstance(raw, dict):
        raise PackError([f"{source_name}：文件内容应为一个映射（id、doc_number、title ……）"])
    try:
        pack = Pack.model_validate(raw)
    except ValidationError as exc:
        raise PackError(
            [f"{source_name}：{_where(raw, tuple(e['loc']))}：{_message(e)}" for e in exc.errors()]
        ) from None
    problems = check_references(pack)
    if problems:
        raise PackError([f"{source_name}：{p}" for p in problems])
    return ParsedPack(pack, source_name)


def parse_file(path: Path) -> ParsedPack:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackError([f"{path}：文件不存在"]) from None
    except UnicodeDecodeError:
        raise PackError([f"{path.name}：文件应为 UTF-8 编码"]) from None
    return parse(text, path.name)


def cross_pack_problems(packs: list[Pack]) -> list[str]:
    """What no single pack can see: list codes defined somewhere, behaviour codes unambiguous."""
    problems: list[str] = []
    list_names: dict[str, tuple[str, str]] = {}
    for pack in packs:
        for entry in pack.lists:
            known = list_names.get(entry.code)
            if known and known[0] != entry.name:
                problems.append(f"{pack.id}：名单 {entry.code} 名为“{entry.name}”，"
                                f"与 {known[1]} 中的“{known[0]}”不一致")
            list_names.setdefault(entry.code, (entry.name, pack.id))
    for pack in packs:
        for i, m in enumerate(pack.measures):
            for code in m.triggers.lists:
                if code not in list_names:
                    problems.append(f"{pack.id}：measures[{i}]（{m.code}）.triggers.lists："
                                    f"没有任何规则包定义名单“{code}”")
        for i, scheme in enumerate(pack.scores):
            for rule in scheme.rules:
                for code in rule.lists:
                    if code not in list_names:
                        problems.append(f"{pack.id}：scores[{i}]（{scheme.code}）.rules（{rule.code}）"
                                        f".lists：没有任何规则包定义名单“{code}”")
        for grade_rule in pack.grades.rules if pack.grades else []:
            for code in grade_rule.on_lists:
                if code not in list_names:
                    problems.append(f"{pack.id}：grades.rules（{grade_rule.code}）.on_lists："
                                    f"没有任何规则包定义名单“{code}”")
    pack_ids = {pack.id for pack in packs}
    for pack in packs:
        for i, channel in enumerate(pack.repair_channels):
            for other in channel.eligible_packs:
                if other not in pack_ids:
                    problems.append(f"{pack.id}：repair_channels[{i}]（{channel.code}）.eligible_packs："
                                    f"没有规则包“{other}”")
    behavior_codes = {b.code for pack in packs for b in pack.behaviors}
    for pack in packs:
        for i, kind in enumerate(pack.violation_kinds):
            for code in kind.behaviors:
                if code not in behavior_codes:
                    problems.append(f"{pack.id}：violation_kinds[{i}]（{kind.category}）.behaviors："
                                    f"没有任何规则包定义行为“{code}”")
    for i, a in enumerate(packs):
        for b in packs[i + 1:]:
            if not _overlap(a, b):
                continue
            shared = {x.code for x in a.behaviors} & {x.code for x in b.behaviors}
            for code in sorted(shared):
                problems.append(f"{b.id}：行为代码“{code}”在 {a.id} 中也有，且两者施行期间重叠")
    return problems


def _overlap(a: Pack, b: Pack) -> bool:
    a_end, b_end = a.effective_until, b.effective_until
    return (b_end is None or a.effective_from <= b_end) and (
        a_end is None or b.effective_from <= a_end
    )


def current_packs(excluding: set[str]) -> list[Pack]:
    from xinyong.policies.rulebook import pack_of

    versions = PolicyVersion.objects.filter(
        pk__in=PolicyPack.objects.exclude(pack_id__in=excluding).values("current")
    )
    return [pack_of(v) for v in versions]


@transaction.atomic
def load(parsed: list[ParsedPack], *, actor: Any = None, via: str = "cli"
         ) -> list[tuple[PolicyVersion, bool]]:
    """Load packs together; unchanged ones are skipped, changed ones get a new version.

    Everything is checked before anything is written, so a failure leaves nothing behind.
    """
    ids = [p.pack.id for p in parsed]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise PackError([f"规则包编号重复：{', '.join(sorted(dupes))}"])
    problems = cross_pack_problems(current_packs(set(ids)) + [p.pack for p in parsed])
    if problems:
        raise PackError(problems)
    results = []
    for item in parsed:
        pack_row, _ = PolicyPack.objects.select_for_update().get_or_create(pack_id=item.pack.id)
        current = pack_row.current
        if current is not None and current.sha256 == item.sha256:
            results.append((current, False))
            continue
        last = pack_row.versions.order_by("-number").first()
        version = PolicyVersion.objects.create(
            pack=pack_row,
            number=(last.number + 1) if last else 1,
            sha256=item.sha256,
            data=item.data,
            source_name=item.source_name,
            loaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            doc_number=item.pack.doc_number,
            title=item.pack.title,
            effective_from=item.pack.effective_from,
            effective_until=item.pack.effective_until,
            ending_event=item.pack.ends_with_event.code if item.pack.ends_with_event else "",
        )
        pack_row.current = version
        pack_row.save(update_fields=["current"])
        audit("policy.load", actor=actor, obj=version, via=via,
              summary=f"载入政策规则 {item.pack.doc_number} 第 {version.number} 版")
        results.append((version, True))
    changed = [version.pack.pack_id for version, created in results if created]
    if changed:
        rules_changed.send(sender=PolicyVersion, packs=changed)
    return results


def shipped() -> list[ParsedPack]:
    return [parse_file(path) for path in sorted(PACKS_DIR.glob("*.yaml"))]


def load_shipped(actor: Any = None) -> list[tuple[PolicyVersion, bool]]:
    return load(shipped(), actor=actor, via="cli")
