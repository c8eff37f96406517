"""A bulk file's rows checked and determined by column, a chunk at a time (polars).

Most rows of a real file are plain: a kind, a name, a code in its written form, ISO dates,
a severity word, 是/否 flags, no penalty columns. Those are checked with vectorised
expressions (code check digits included), and determined by rule path: each distinct path
once (`determination.path_key`), the dates of every row by column arithmetic. Every other
row, and every row the vectorised checks or the rules do not accept, goes through the
per-row path (`bulk.to_submission`, `imports.Determiner`), which words each problem; so a
bad row is named by row and column exactly as before. `Chunks(..., reference=True)` sends
every row through the per-row path: the tests compare the two on generated files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from xinyong.lib.errors import DomainError
from xinyong.lib.pii import POSSIBLE
from xinyong.records import bulk
from xinyong.records import determination as d
from xinyong.subjects import codes

if TYPE_CHECKING:
    from xinyong.records.imports import RecordRows


ODD = re.compile("[\x00\x1c-\x1f]")

USCC_VALUE = {c: i for i, c in enumerate(codes.USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_FORM = f"^[{codes.USCC_ALPHABET}]{{2}}[0-9]{{6}}[{codes.USCC_ALPHABET}]{{10}}$"
# GB 11643: the check digit is (1 - 2 * the 17 digits read in base 13) mod 11, and
# 13^k = 2^k (mod 11).
ID_WEIGHTS = tuple(pow(2, 16 - i, 11) for i in range(17))
ISO_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
# The columns a plain row may fill; any other (a penalty's, 证件类型 ...) sends it per row.
PLAIN = {"subject_kind", "subject_name", "subject_code", "behavior", "occurred_on",
         "decided_on", "decision_no", "facts", "severity", "force_majeure", "epidemic_duty",
         "rectify_by", "external_id", "violation_type"}
STATUS_KEYS = ("behavior", "kind", "severity", "force_majeure", "epidemic_duty",
               "violation_type", "epoch_occurred", "epoch_decided")


@dataclass
class Chunk:
    """What a chunk gave: staged rows (the staging table's columns, by name) and rejects."""

    staged: pl.DataFrame
    rejects: list[bulk.Reject] = field(default_factory=list)


def _text(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars()


def _check_digit_uscc(code: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        code.str.slice(i, 1).replace_strict(USCC_VALUE, default=0, return_dtype=pl.Int64) * w
        for i, w in enumerate(USCC_WEIGHTS))
    index = (31 - total % 31) % 31
    return index.replace_strict(dict(enumerate(codes.USCC_ALPHABET)), return_dtype=pl.String)


def _check_digit_id(code: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(code.str.slice(i, 1).cast(pl.Int64, strict=False) * w
                              for i, w in enumerate(ID_WEIGHTS))
    digit = (1 - 2 * (total % 11) + 22) % 11
    return pl.when(digit == 10).then(pl.lit("X")).otherwise(digit.cast(pl.String))


def _date(name: str) -> pl.Expr:
    text = _text(name)
    return pl.when(text.str.contains(ISO_DATE)).then(
        text.str.to_date("%Y-%m-%d", strict=False)).otherwise(None)


def screen(frame: pl.DataFrame, options: bulk.Options, today: dt.date) -> pl.DataFrame:
    """The chunk with typed columns and `plain`: whether the row passes every check the
    per-row path makes, written as expressions (a row that is not plain goes per row)."""
    kinds = {k: v for k, v in bulk.KINDS.items()}
    frame = frame.with_columns(
        kind=_text("raw_subject_kind").replace_strict(kinds, default=None, return_dtype=pl.String),
        name=_text("raw_subject_name"), code=_text("raw_subject_code"),
        behavior=pl.when(_text("raw_behavior") == "").then(pl.lit(options.default_behavior))
        .otherwise(_text("raw_behavior")),
        decided_on=_date("raw_decided_on"), occurred_raw=_date("raw_occurred_on"),
        rectify_by=_date("raw_rectify_by"),
        decision_no=_text("raw_decision_no"), facts=_text("raw_facts"),
        severity=pl.when(_text("raw_severity") == "").then(pl.lit(options.default_severity or ""))
        .otherwise(_text("raw_severity").replace_strict(bulk.SEVERITIES, default="",
                                                    return_dtype=pl.String)),
        force_majeure=_text("raw_force_majeure").str.to_lowercase().is_in(sorted(bulk.TRUE)),
        epidemic_duty=_text("raw_epidemic_duty").str.to_lowercase().is_in(sorted(bulk.TRUE)),
        external_id=_text("raw_external_id"),
        violation_type=_text("raw_violation_type").str.slice(0, 200),
    )
    flags = sorted(bulk.TRUE | bulk.FALSE)
    person = pl.col("kind") == codes.PERSON
    born = pl.col("code").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    code_ok = pl.when(person).then(
        pl.col("code").str.contains(r"^[0-9]{17}[0-9X]$")
        & pl.col("code").str.slice(0, 2).is_in(sorted(codes.PROVINCES))
        & born.is_not_null() & (born.dt.year() >= 1) & (born <= pl.lit(dt.date.today()))
        & (pl.col("code").str.slice(17, 1) == _check_digit_id(pl.col("code")))
    ).otherwise(
        pl.col("code").str.contains(USCC_FORM)
        & (pl.col("code").str.slice(17, 1) == _check_digit_uscc(pl.col("code")))
        & ((pl.col("kind") == codes.INDIVIDUAL_BUSINESS) == pl.col("code").str.starts_with("92"))
    )
    plain = (
        pl.col("kind").is_not_null() & (pl.col("name") != "") & code_ok
        & ~pl.col("raw_subject_name").str.contains(POSSIBLE.pattern)
        & ~pl.col("raw_facts").str.contains(POSSIBLE.pattern)
        & pl.col("decided_on").is_not_null()
        & ((_text("raw_occurred_on") == "") | pl.col("occurred_raw").is_not_null())
        & ((_text("raw_rectify_by") == "") | pl.col("rectify_by").is_not_null())
        & (pl.col("decision_no") != "") & (pl.col("severity") != "")
        & _text("raw_force_majeure").str.to_lowercase().is_in(flags)
        & _text("raw_epidemic_duty").str.to_lowercase().is_in(flags)
        & ~pl.col("too_long")
    )
    return frame.with_columns(
        plain=plain.fill_null(False),
        occurred_on=pl.coalesce("occurred_raw", "decided_on"),
    )


class Chunks:
    """Turns chunks of a records file's rows into staged rows and rejects."""

    def __init__(self, rows: RecordRows, mapping: dict[int, str], *, reference: bool = False
                 ) -> None:
        self.rows, self.mapping, self.reference = rows, mapping, reference
        self.plain_file = set(mapping.values()) <= PLAIN
        self.region = rows.job.unit.region or None
        self.watch = getattr(rows, "watch", None) or _no_watch

    def process(self, chunk: list[tuple[int, list[str]]]) -> Chunk:
        rejects: list[bulk.Reject] = []
        staged: list[tuple[Any, ...]] = []
        good: list[tuple[int, list[str]]] = []
        for number, cells in chunk:
            joined = "".join(cells)
            # NUL is refused per row; \x1c-\x1f are spaces to Python's strip, not to polars'.
            if self.reference or not self.plain_file or ODD.search(joined):
                with self.watch("validate"):
                    self._per_row(number, cells, staged, rejects)
            else:
                good.append((number, cells))
        if good:
            with self.watch("validate"):
                frame = screen(self._columns(good), self.rows.options, self.rows.today)
                cells_of = dict(good)
                for number in frame.filter(~pl.col("plain"))["row_no"].to_list():
                    self._per_row(number, cells_of[number], staged, rejects)
            with self.watch("determine"):
                fast = self._determine(frame.filter(pl.col("plain")), cells_of, staged, rejects)
        else:
            fast = self._frame([])
        rejects.sort(key=lambda r: r[0])
        return Chunk(pl.concat([fast, self._frame(staged)], how="vertical"), rejects)

    # --- per row -----------------------------------------------------------------------

    def _per_row(self, number: int, cells: list[str], staged: list[tuple[Any, ...]],
                 rejects: list[bulk.Reject]) -> None:
        row, reject = bulk.stage_row(self.rows, self.mapping, number, cells)
        if row is not None:
            staged.append(row)
        if reject is not None:
            rejects.append(reject)

    def _frame(self, staged: list[tuple[Any, ...]]) -> pl.DataFrame:
        from xinyong.records.imports import STAGED, STAGED_TYPES

        return pl.DataFrame(staged, schema=dict(zip(STAGED, STAGED_TYPES, strict=True)),
                            orient="row")

    # --- by column ---------------------------------------------------------------------

    def _columns(self, rows: list[tuple[int, list[str]]]) -> pl.DataFrame:
        """The chunk's cells by column (a short row's missing cells are empty)."""
        columns = list(itertools.zip_longest(*(cells for _, cells in rows), fillvalue=""))
        index = {key: i for i, key in self.mapping.items()}
        empty = ("",) * len(rows)
        frame = pl.DataFrame(
            {"row_no": [n for n, _ in rows],
             **{f"raw_{key}": columns[index[key]] if index.get(key, len(columns)) < len(columns)
                else empty
                for key in sorted(PLAIN)}},
            schema={"row_no": pl.Int64, **{f"raw_{k}": pl.String for k in sorted(PLAIN)}})
        return frame.with_columns(too_long=pl.any_horizontal(
            pl.col(f"raw_{k}").str.len_chars() > bulk.MAX_CELL for k in sorted(PLAIN)))

    def _determine(self, frame: pl.DataFrame, cells_of: dict[int, list[str]],
                   staged: list[tuple[Any, ...]], rejects: list[bulk.Reject]) -> pl.DataFrame:
        """Plain rows: the rule path of each distinct key once, the dates by column. Rows
        whose dates the rules check one by one (a rectification date, a decision after
        today or before the behaviour) or whose path the rules refuse go per row."""
        book, today = self.rows.determiner.book, self.rows.today
        bounds = book.epochs()
        frame = frame.with_columns(
            epoch_occurred=_epoch(pl.col("occurred_on"), bounds),
            epoch_decided=_epoch(pl.col("decided_on"), bounds),
        )
        by_row = (pl.col("rectify_by").is_not_null() | (pl.col("decided_on") > today)
                  | (pl.col("decided_on") < pl.col("occurred_on")))
        for number in frame.filter(by_row)["row_no"].to_list():
            self._per_row(number, cells_of[number], staged, rejects)
        frame = frame.filter(~by_row)
        keys = frame.select(*STATUS_KEYS, "occurred_on", "decided_on").unique(
            subset=list(STATUS_KEYS), keep="first", maintain_order=True)
        paths: list[d.RulePath | None] = []
        path_keys: list[Any] = []
        for row in keys.iter_rows(named=True):
            facts = d.Facts(
                behavior=row["behavior"], subject_kind=row["kind"],
                occurred_on=row["occurred_on"], decided_on=row["decided_on"],
                severity=row["severity"], force_majeure=row["force_majeure"],
                epidemic_duty=row["epidemic_duty"], region=self.region,
                violation_type=row["violation_type"])
            try:
                key, path = self.rows.determiner.path(facts)
            except DomainError:
                key, path = None, None
            paths.append(path)
            path_keys.append(key)
        keys = keys.select(*STATUS_KEYS).with_columns(
            path=pl.Series(range(len(paths)), dtype=pl.Int64))
        frame = frame.join(keys, on=list(STATUS_KEYS), how="left", maintain_order="left")
        refused = [i for i, p in enumerate(paths) if p is None]
        if refused:
            for number in frame.filter(pl.col("path").is_in(refused))["row_no"].to_list():
                self._per_row(number, cells_of[number], staged, rejects)
            frame = frame.filter(~pl.col("path").is_in(refused))
        if frame.is_empty():
            return self._frame([])
        return self._dated(frame, paths, path_keys, today)

    def _dated(self, frame: pl.DataFrame, paths: list[d.RulePath | None], path_keys: list[Any],
               today: dt.date) -> pl.DataFrame:
        """`determination.dated` for every row by column (the tests hold the two equal)."""
        def per_path(value: Any, dtype: Any) -> pl.Expr:
            mapping = {i: value(p) for i, p in enumerate(paths) if p is not None}
            return pl.col("path").replace_strict(mapping, default=None, return_dtype=dtype)

        decided = per_path(lambda p: p.decided, pl.Boolean)
        good = per_path(lambda p: p.period is None, pl.Boolean)
        low = per_path(lambda p: p.period[1].min_months if p.period else 0, pl.Int64)
        high = per_path(lambda p: p.period[1].max_months if p.period else 0, pl.Int64)
        start = pl.col("decided_on")
        ends = start.dt.offset_by(pl.format("{}mo", high)) - pl.duration(days=1)
        frame = frame.with_columns(
            polarity=per_path(lambda p: p.partial.polarity, pl.String),
            policy_version_id=per_path(lambda p: p.partial.policy_version_id, pl.Int64),
            severity=per_path(lambda p: p.partial.severity, pl.String),
            starts_on=pl.when(decided).then(None).otherwise(start),
            repairable_from=pl.when(decided | good).then(None)
            .otherwise(start.dt.offset_by(pl.format("{}mo", low))),
            ends_on=pl.when(decided | good).then(None).otherwise(ends),
        ).with_columns(
            status=pl.when(~decided & ~good & (pl.col("ends_on") < today))
            .then(pl.lit(d.EXPIRED))
            .otherwise(per_path(lambda p: p.partial.status, pl.String)),
        )
        frame = frame.with_columns(lists=self._lists(paths))
        frame = frame.join(self._rulings(frame, paths, path_keys), on=["path", "status"], how="left",
                           maintain_order="left")
        return self._staged(frame)

    def _lists(self, paths: list[d.RulePath | None]) -> pl.Expr:
        """The list entries as JSON, as `imports.Determiner` writes them."""
        expr: Any = pl.lit("[]")
        day = "%Y-%m-%d"
        for i, path in enumerate(paths):
            if path is None or path.decided or not path.lists:
                continue
            entries = []
            for entry, rule in path.lists:
                if rule.duration_months:
                    until = (pl.col("starts_on").dt.offset_by(f"{rule.duration_months}mo")
                             - pl.duration(days=1))
                else:
                    until = pl.col("ends_on")
                entries.append(pl.concat_str([
                    pl.lit(f'{{"code": {_json(rule.code)}, "name": {_json(rule.name)}, "since": "'),
                    pl.col("starts_on").dt.to_string(day), pl.lit('", "until": '),
                    pl.when(until.is_null()).then(pl.lit("null"))
                    .otherwise(pl.concat_str([pl.lit('"'), until.dt.to_string(day), pl.lit('"')])),
                    pl.lit(f', "policy": {_json(entry.pack.id)}, "clause": {_json(rule.clause)}}}'),
                ]))
            expr = pl.when(pl.col("path") == i).then(
                pl.concat_str([pl.lit("["), pl.concat_str(entries, separator=", "), pl.lit("]")])
            ).otherwise(expr)
        return expr

    def _rulings(self, frame: pl.DataFrame, paths: list[d.RulePath | None], path_keys: list[Any]
                 ) -> pl.DataFrame:
        """Each (path, status) the chunk has, interned once; the template comes from
        `determination.dated` on the first row that has it."""
        firsts = frame.select("path", "status", "decided_on", "occurred_on").unique(
            subset=["path", "status"], keep="first", maintain_order=True)
        ids = []
        for row in firsts.iter_rows(named=True):
            path, key = paths[row["path"]], path_keys[row["path"]]
            assert path is not None
            facts = d.Facts(behavior="", subject_kind="", occurred_on=row["occurred_on"],
                            decided_on=row["decided_on"], severity=path.partial.severity)
            result = d.dated(path, facts, self.rows.today)
            assert result.status == row["status"], (key, result.status)
            ids.append(self.rows.determiner.ruling(key, result))
        return firsts.select("path", "status").with_columns(ruling_id=pl.Series(ids, dtype=pl.String))

    def _staged(self, frame: pl.DataFrame) -> pl.DataFrame:
        from xinyong.records.imports import STAGED, STAGED_TYPES

        job = self.rows.job
        ids = self.rows.codes.frame(frame.select("kind", "code").unique())
        frame = frame.join(ids, on=["kind", "code"], how="left", maintain_order="left")
        out = frame.select(
            job_id=pl.lit(job.pk, pl.Int64), attempt=pl.lit(job.attempts, pl.Int64),
            row_no=pl.col("row_no"), unit_id=pl.lit(job.unit_id, pl.Int64),
            kind=pl.col("kind"), name=pl.col("name"), code=pl.col("stored_code"),
            code_digest=pl.col("code_digest"), code_cipher=pl.col("code_cipher"),
            code_masked=pl.col("code_masked"), behavior=pl.col("behavior"),
            polarity=pl.col("polarity"), policy_version_id=pl.col("policy_version_id"),
            severity=pl.col("severity"), occurred_on=pl.col("occurred_on"),
            decided_on=pl.col("decided_on"), decision_no=pl.col("decision_no"),
            facts=pl.col("facts"), force_majeure=pl.col("force_majeure"),
            epidemic_duty=pl.col("epidemic_duty"), rectify_by=pl.col("rectify_by"),
            external_id=pl.col("external_id"), violation_type=pl.col("violation_type"),
            severity_derived=pl.lit(False), penalty=pl.lit(""), status=pl.col("status"),
            starts_on=pl.col("starts_on"), repairable_from=pl.col("repairable_from"),
            ends_on=pl.col("ends_on"), lists=pl.col("lists"), ruling_id=pl.col("ruling_id"),
        )
        return out.cast(dict(zip(STAGED, STAGED_TYPES, strict=True)))


@contextmanager
def _no_watch(stage: str) -> Iterator[None]:
    yield


def _json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _epoch(day: pl.Expr, bounds: list[dt.date]) -> pl.Expr:
    """`Rulebook.epoch` by column: how many bounds are on or before the day."""
    expr: pl.Expr = pl.lit(0, pl.Int64)
    for bound in bounds:
        expr = expr + (day >= bound).cast(pl.Int64)
    return expr


