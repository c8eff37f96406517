"""The rules in force: the current version of every pack, with events applied, by date.

Plain objects built from the database once and cached until a pack or an event changes,
so the determination and the checks are pure functions of (rulebook, record, subject).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from xinyong.lib.prepared import Statement
from xinyong.policies.models import PolicyEvent, PolicyPack, PolicyVersion, effective_until
from xinyong.policies.schema import LEVEL_RANK, Behavior, ListRule, Pack, Period

# Versions never change once stored, so their parsed form is kept for the process, keyed
# by id and content hash (an id can come back after a rolled-back load on some databases).
_PACKS: dict[tuple[int, str], Pack] = {}
_CURRENT: dict[str, tuple[Any, Rulebook]] = {}


def pack_of(version: PolicyVersion) -> Pack:
    """The validated Pack of a stored version, parsed once per process."""
    key = (version.pk, version.sha256)
    pack = _PACKS.get(key)
    if pack is None:
        pack = _PACKS[key] = Pack.model_validate(version.data)
    return pack


@dataclass(frozen=True)
class Entry:
    """One pack as applied: its stored version and its last day in force."""

    version_id: int
    pack: Pack
    until: dt.date | None

    @property
    def pack_id(self) -> str:
        return self.pack.id

    def in_force(self, day: dt.date) -> bool:
        return self.pack.effective_from <= day and (self.until is None or day <= self.until)

    def dates(self) -> str:
        start = self.pack.effective_from.isoformat()
        return f"{start} 起" if self.until is None else f"{start} 至 {self.until.isoformat()}"


class RuleError(ValueError):
    """A rule cannot be applied; the message names the pack and the dates."""


@dataclass
class Rulebook:
    entries: list[Entry]
    events: dict[str, dt.date] = field(default_factory=dict)
    # A rulebook never changes once built, so answers by day are remembered (bulk files
    # ask the same questions for many rows).
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def in_force(self, day: dt.date) -> list[Entry]:
        key = ("in_force", day)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = [e for e in self.entries if e.in_force(day)]
        return found

    def epoch(self, day: dt.date) -> int:
        """Which stretch of time between the packs' start and end dates `day` falls in:
        two days with the same epoch have the same packs in force, so every rule gives
        them the same answer (determination.path_key)."""
        return bisect.bisect_right(self.epochs(), day)

    def epochs(self) -> list[dt.date]:
        """The days on which some pack comes into force or stops being in force."""
        bounds = self._memo.get("epochs")
        if bounds is None:
            edges = {e.pack.effective_from for e in self.entries}
            edges |= {e.until + dt.timedelta(days=1) for e in self.entries if e.until}
            bounds = self._memo["epochs"] = sorted(edges)
        return bounds  # type: ignore[no-any-return]

    def entry(self, pack_id: str) -> Entry | None:
        return next((e for e in self.entries if e.pack.id == pack_id), None)

    def behavior_texts(self) -> dict[str, str]:
        """What each behaviour code means, in words, for pages and exports (the first pack
        that names a code gives its text, in force or not: records keep their codes)."""
        texts = self._memo.get("behavior_texts")
        if texts is None:
            texts = self._memo["behavior_texts"] = {}
            for entry in self.entries:
                for b in entry.pack.behaviors:
                    texts.setdefault(b.code, b.text)
        return texts

    def behavior_text(self, code: str) -> str:
        """`code` in words (the code itself when no pack names it)."""
        return self.behavior_texts().get(code, code)

    def behavior(self, code: str, day: dt.date) -> tuple[Entry, Behavior]:
        """The behaviour `code` as the packs in force on `day` define it."""
        key = ("behavior", code, day)
        if key not in self._memo:
            try:
                self._memo[key] = self._behavior(code, day)
            except RuleError as exc:
                self._memo[key] = exc.with_traceback(None)  # its frames would keep callers alive
        answer = self._memo[key]
        if isinstance(answer, RuleError):
            raise answer
        return answer  # type: ignore[no-any-return]

    def _behavior(self, code: str, day: dt.date) -> tuple[Entry, Behavior]:
        found = [(e, b) for e in self.entries for b in e.pack.behaviors if b.code == code]
        if not found:
            raise RuleError(f"没有任何规则包定义行为“{code}”")
        for entry, behavior in found:
            if entry.in_force(day):
                return entry, behavior
        spans = "；".join(
            f"{e.pack.id}（{e.pack.doc_number}）施行期间 {e.dates()}" for e, _ in found
        )
        raise RuleError(f"行为“{code}”所属规则包在 {day.isoformat()} 不在施行期内：{spans}")

    def period(self, severity: str, day: dt.date) -> tuple[Entry, Period] | None:
        """The publicity period for a severity on a decision date; the highest level wins."""
        key = ("period", severity, day)
        if key in self._memo:
            return self._memo[key]  # type: ignore[no-any-return]
        candidates = [
            (e, p) for e in self.in_force(day) for p in e.pack.periods if p.severity == severity
        ]
        found = max(candidates, key=lambda c: LEVEL_RANK[c[0].pack.level]) if candidates else None
        self._memo[key] = found
        return found

    def highest(self, section: str, day: dt.date) -> tuple[Entry, Any] | None:
        """(entry, value) of a single-valued section (`objection`, `force_majeure` ...) as
        the highest-level pack in force on `day` that sets it has it; None if none does."""
        found = [(e, getattr(e.pack, section)) for e in self.in_force(day)
                 if getattr(e.pack, section) is not None]
        return max(found, key=lambda f: LEVEL_RANK[f[0].pack.level]) if found else None

    def list_codes(self, polarity: str) -> set[str]:
        """The codes of the lists some pack makes with this polarity (dishonest: 重点监管,
        重点关注, 联合惩戒 ...; good: 守信激励)."""
        return {code for code, rules in self.lists().items()
                if any(rule.polarity == polarity for _, rule in rules)}

    def lists(self) -> dict[str, list[tuple[Entry, ListRule]]]:
        found: dict[str, list[tuple[Entry, ListRule]]] = {}
        for e in self.entries:
            for rule in e.pack.lists:
                found.setdefault(rule.code, []).append((e, rule))
        return found

    def list_name(self, code: str) -> str:
        rules = self.lists().get(code)
        return rules[0][1].name if rules else code

    def scenarios(self) -> dict[str, str]:
        from xinyong.policies.schema import SCENARIOS

        merged = dict(SCENARIOS)
        for e in self.entries:
            merged.update(e.pack.scenarios)
        return merged


def events() -> dict[str, dt.date]:
    return dict(PolicyEvent.objects.values_list("code", "occurred_on"))


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# What the rules in force are built from, as rows (tag, code, version id, sha256, date):
# every pack's current version (v) and every recorded event (e). Table names from the
# models, no values: not injectable.
KEY_SQL = (
    "SELECT 'v' AS tag, p.pack_id AS code, v.id AS version_id, v.sha256 AS sha256, "  # noqa: S608
    f"NULL AS on_day FROM {PolicyPack._meta.db_table} p "
    f"JOIN {PolicyVersion._meta.db_table} v ON v.id = p.current_id "
    f"UNION ALL SELECT 'e', e.code, NULL, NULL, e.occurred_on "
    f"FROM {PolicyEvent._meta.db_table} e")
_KEY = Statement("rulebook_key", KEY_SQL)


def current() -> Rulebook:
    """The rulebook of the current versions, rebuilt only when a pack or an event changed."""
    # One round trip for both halves of the key, prepared (lib/prepared.py): this runs on
    # every request that applies rules, and would otherwise be planned every time.
    with connection.cursor() as cursor:
        _KEY.execute(cursor)
        return for_key(cursor.fetchall())


def latest() -> Rulebook | None:
    """The rulebook last built in this process, unchecked (None before the first): for a
    caller that reads `KEY_SQL` in a query of its own and then asks `for_key`."""
    cached = _CURRENT.get("book")
    return cached[1] if cached else None


def for_key(rows: list[tuple[Any, ...]]) -> Rulebook:
    """The rulebook of `KEY_SQL`'s rows however they were read (the check reads them in its
    look-up's round trip): the cached one while they are unchanged, else built anew."""
    ids = tuple((pk, sha) for _, _, pk, sha, _ in sorted(r for r in rows if r[0] == "v"))
    happened = {code: _as_date(on) for tag, code, _, _, on in rows if tag == "e"}
    key = (ids, tuple(sorted(happened.items())))
    cached = _CURRENT.get("book")
    if cached and cached[0] == key:
        return cached[1]
    entries = []
    versions = PolicyVersion.objects.filter(pk__in=[pk for pk, _ in ids])
    for version in versions.order_by("pack__pack_id"):
        entries.append(Entry(version.pk, pack_of(version), effective_until(version, happened)))
    book = Rulebook(entries, happened)
    _CURRENT["book"] = (key, book)
    return book
