"""Loading packs: broken ones refused with the file, entry and field; versions kept."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from xinyong.audit.models import AuditEvent
from xinyong.policies import loader
from xinyong.policies.models import PolicyPack, PolicyVersion


class NoAliases(yaml.SafeDumper):
    """Writes shared objects out in full, as a person would (packs refuse aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def broken(text: str, change: Any) -> str:
    data = yaml.safe_load(text)
    change(data)
    return yaml.dump(data, Dumper=NoAliases, allow_unicode=True)


def problems_of(text: str, name: str = "broken.yaml") -> list[str]:
    with pytest.raises(loader.PackError) as caught:
        loader.parse(text, name)
    return caught.value.problems


def test_made_up_pack_parses(qingshi_text: str) -> None:
    parsed = loader.parse(qingshi_text, "qingshi-2024-3.yaml")
    assert parsed.pack.id == "qingshi-2024-3"
    assert parsed.pack.behaviors[0].finding_min_severity == "general"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("doc_number"), "broken.yaml：doc_number：必填"),
        (lambda d: d["behaviors"][0].update(polarity="bad"),
         "broken.yaml：behaviors[0]（dust_control_refused）.polarity：取值“bad”无效"),
        (lambda d: d["behaviors"][0].update(clause="9"),
         "broken.yaml：behaviors[0]（dust_control_refused）.clause：条款“9”不在 clauses 中"),
        (lambda d: d["measures"][0]["triggers"].update(behaviors=["nope"]),
         "measures[0]（strict_permit_review）.behaviors：未知行为“nope”"),
        (lambda d: d["measures"][0].update(scenarios=["moon_landing"]),
         "measures[0]（strict_permit_review）.scenarios：未知场景“moon_landing”"),
        (lambda d: d["periods"][0].update(min_months=9),
         "periods[0]（general）：min_months 不能大于 max_months"),
        (lambda d: d.update(effective_from="2024-13-01"),
         "broken.yaml：effective_from：应为 YYYY-MM-DD 格式的日期"),
        (lambda d: d["behaviors"][0].update(colour="red"),
         "behaviors[0]（dust_control_refused）.colour：不是规则包格式中的字段"),
        (lambda d: d["behaviors"][0].update(code="Dust Control"),
         "behaviors[0]（Dust Control）.code：“Dust Control”格式不对"),
        (lambda d: d["clauses"][0]["implemented_by"][0].update(ref="missing"),
         "clauses[0]（1）.implemented_by[0].ref：本规则包没有 behavior“missing”"),
        (lambda d: d["clauses"][3]["implemented_by"][0].update(note=""),
         "clauses[3]（4）.implemented_by[0].note：不能自动执行的条款须说明由哪项功能承担"),
        (lambda d: d["behaviors"].append(dict(d["behaviors"][0])),
         "behaviors：“dust_control_refused”重复"),
        (lambda d: d.update(effective_until="2020-01-01"),
         "effective_until：不能早于 effective_from"),
        (lambda d: d["behaviors"][0].update(subject_kinds=[]),
         "behaviors[0]（dust_control_refused）.subject_kinds：不能为空"),
    ],
)
def test_broken_packs_name_file_entry_and_field(qingshi_text: str, change: Any,
                                                expected: str) -> None:
    found = problems_of(broken(qingshi_text, change))
    assert any(expected in p for p in found), found


def test_yaml_syntax_error_names_the_line() -> None:
    found = problems_of("id: x\ntitle: [unclosed\n")
    assert found[0].startswith("broken.yaml：第 ") and "YAML 语法错误" in found[0]


def test_not_a_mapping() -> None:
    assert "应为一个映射" in problems_of("- just\n- a list\n")[0]


def test_load_keeps_every_version(db: Any, qingshi_text: str) -> None:
    first, created = loader.load([loader.parse(qingshi_text, "q.yaml")])[0]
    assert created and first.number == 1
    same, created = loader.load([loader.parse(qingshi_text, "q.yaml")])[0]
    assert not created and same.pk == first.pk
    changed = qingshi_text.replace("max_months: 6", "max_months: 9")
    second, created = loader.load([loader.parse(changed, "q.yaml")])[0]
    assert created and second.number == 2
    pack = PolicyPack.objects.get(pack_id="qingshi-2024-3")
    assert pack.current == second
    assert PolicyVersion.objects.get(pk=first.pk).data["periods"][0]["max_months"] == 6
    assert AuditEvent.objects.filter(action="policy.load").count() == 2


def test_cross_pack_list_reference_must_exist(db: Any, qingshi_text: str) -> None:
    text = broken(qingshi_text, lambda d: d["measures"][0]["triggers"].update(lists=["ghost"]))
    with pytest.raises(loader.PackError) as caught:
        loader.load([loader.parse(text, "q.yaml")])
    assert "没有任何规则包定义名单“ghost”" in caught.value.problems[0]
    assert not PolicyPack.objects.exists()  # nothing half-written


def test_overlapping_behavior_codes_across_packs_refused(db: Any, qingshi_text: str) -> None:
    loader.load([loader.parse(qingshi_text, "q.yaml")])
    twin = broken(qingshi_text, lambda d: d.update(id="qingshi-twin"))
    with pytest.raises(loader.PackError) as caught:
        loader.load([loader.parse(twin, "twin.yaml")])
    assert "行为代码“dust_control_refused”在 qingshi-2024-3 中也有" in caught.value.problems[0]


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    """Nine lines whose aliases nest to a billion nodes: refused at the first alias."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}]\n" for i in range(8))
    with pytest.raises(loader.PackError, match="不支持 YAML 别名"):
        loader.parse(bomb, "bomb.yaml")
