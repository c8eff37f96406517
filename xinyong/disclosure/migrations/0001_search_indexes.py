"""Indexes for the public 双公示 search (issue 13), PostgreSQL only; nothing on SQLite.

What queries.py asks, and what serves it:
- a name fragment (subjects' names, organisations' and individual businesses'), and a
  document-number fragment: `UPPER(col) LIKE UPPER('%…%')`, as Django writes icontains. A
  pg_trgm GIN index on `UPPER(col)` serves three characters and more; a two-character
  fragment (most Chinese trade names: 鑫达) has no trigram, so a GIN index of the column's
  two-character pieces (`disclosure_bigrams`) serves those (queries.py adds the matching
  condition on PostgreSQL).
- the list itself, newest decision first: published penalties in `(decided_on DESC, id DESC)`
  order, with the columns of the publication rule included, so a page and the capped count
  read the index alone.
- a subject's penalties with the same columns included (a name search joins through it).

Partial on penalty rows (`behavior = 'administrative_penalty' OR penalty IS NOT NULL`, as
records.penalties.penalty_q), so other records cost the bulk import nothing here.
"""

from django.db import migrations

from xinyong.lib.pgsql import postgresql_only

PENALTY = "(behavior = 'administrative_penalty' OR penalty IS NOT NULL)"
PUBLICATION = "starts_on, ends_on, status, closed_on"

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # The two-character pieces of a text, upper-cased (as Django's icontains): every
    # character doubled, the first dropped, then cut in pairs (福州马尾 → 福州, 州马, 马尾, 尾).
    # Built-in functions only, so PostgreSQL inlines it: cheap on the bulk import's inserts.
    r"""CREATE OR REPLACE FUNCTION disclosure_bigrams(value text) RETURNS text[]
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
         SELECT string_to_array(regexp_replace(
           substr(regexp_replace(upper(value), '(.)', '\1\1', 'g'), 2),
           '(..)', '\1' || chr(31), 'g'), chr(31))
       $$""",
    "CREATE INDEX IF NOT EXISTS disclosure_subject_name_trgm ON subjects_subject "
    "USING gin (upper(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS disclosure_subject_name_bigrams ON subjects_subject "
    "USING gin (disclosure_bigrams(name::text))",
    f"CREATE INDEX IF NOT EXISTS disclosure_record_decision_no_trgm ON records_record "
    f"USING gin (upper(decision_no::text) gin_trgm_ops) WHERE {PENALTY}",
    f"CREATE INDEX IF NOT EXISTS disclosure_record_decision_no_bigrams ON records_record "
    f"USING gin (disclosure_bigrams(decision_no::text)) WHERE {PENALTY}",
    f"CREATE INDEX IF NOT EXISTS disclosure_record_penalty_order ON records_record "
    f"(decided_on DESC, id DESC) INCLUDE (subject_id, unit_id, {PUBLICATION}) WHERE {PENALTY}",
    f"CREATE INDEX IF NOT EXISTS disclosure_record_penalty_subject ON records_record "
    f"(subject_id) INCLUDE (decided_on, {PUBLICATION}) WHERE {PENALTY}",
    "CREATE INDEX IF NOT EXISTS disclosure_licence_decision_no_trgm ON licences_licence "
    "USING gin (upper(decision_no::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS disclosure_licence_decision_no_bigrams ON licences_licence "
    "USING gin (disclosure_bigrams(decision_no::text))",
]
DROP = [
    "DROP INDEX IF EXISTS disclosure_licence_decision_no_bigrams",
    "DROP INDEX IF EXISTS disclosure_licence_decision_no_trgm",
    "DROP INDEX IF EXISTS disclosure_record_penalty_subject",
    "DROP INDEX IF EXISTS disclosure_record_penalty_order",
    "DROP INDEX IF EXISTS disclosure_record_decision_no_bigrams",
    "DROP INDEX IF EXISTS disclosure_record_decision_no_trgm",
    "DROP INDEX IF EXISTS disclosure_subject_name_bigrams",
    "DROP INDEX IF EXISTS disclosure_subject_name_trgm",
    "DROP FUNCTION IF EXISTS disclosure_bigrams(text)",
    # The extension stays: other schemas' objects may use it.
]


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_import_kind_readable_penalty"),
        ("subjects", "0001_initial"),
        ("licences", "0002_licenceimportrow"),
    ]

    operations = [postgresql_only(CREATE, DROP)]
