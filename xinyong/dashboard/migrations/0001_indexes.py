"""Indexes for the dashboard's counts over a million records (queries.py), PostgreSQL only;
nothing on SQLite.

What queries.py asks, and what serves it, from the index alone (an index-only scan, never
the table's gigabyte of rows):
- records by unit, behaviour, polarity and month of the decision, in a period: for each
  unit (queries.py names every unit's id when it counts them all), a range of
  `decided_on`, with the columns counted included;
- records published today (records.publicity): the same index read whole, its publication
  columns included (`starts_on`, `ends_on`, `status`, `closed_on`);
- one unit's list memberships: the unit's record ids (`id` included);
- 双公示 timeliness (disclosure.timeliness): penalties decided in a period with the day they
  were received (`created_at`), partial on penalty rows as records.penalties.penalty_q.

Each costs the bulk import one more index entry per record (the partial one per penalty).
"""

from django.db import migrations

from xinyong.lib.pgsql import postgresql_only

PENALTY = "(behavior = 'administrative_penalty' OR penalty IS NOT NULL)"

CREATE = [
    "CREATE INDEX IF NOT EXISTS dashboard_record_unit_decided ON records_record (unit_id, decided_on) "
    "INCLUDE (behavior, polarity, status, starts_on, ends_on, closed_on, id)",
    "CREATE INDEX IF NOT EXISTS dashboard_record_penalty_received ON records_record (decided_on) "
    f"INCLUDE (unit_id, created_at, id) WHERE {PENALTY}",
]
DROP = [
    "DROP INDEX IF EXISTS dashboard_record_penalty_received",
    "DROP INDEX IF EXISTS dashboard_record_unit_decided",
]


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_record_force_majeure_certificate"),
    ]

    operations = [postgresql_only(CREATE, DROP)]
