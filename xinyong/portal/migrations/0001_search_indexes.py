"""The index for the public search's code prefix (portal/search.py, issue 18), PostgreSQL
only; nothing on SQLite. A name fragment uses disclosure 0001's GIN indexes (trigrams,
two-character pieces) and the primary key.

`code LIKE '9135%'` ordered by code: in byte order (COLLATE "C"), because LIKE can read a
range of such an index whatever the database's collation, and `ORDER BY code COLLATE "C"`
is its order, so that a page of a prefix most codes share (9135) reads its own rows, and
the count (up to the cap) reads the index alone. Partial: persons' codes are empty.
"""

from django.db import migrations

from xinyong.lib.pgsql import postgresql_only

CREATE = [
    "CREATE INDEX IF NOT EXISTS portal_subject_code ON subjects_subject "
    "(code COLLATE \"C\") WHERE code <> ''",
]
DROP = ["DROP INDEX IF EXISTS portal_subject_code"]


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0002_subject_scale"),
        ("disclosure", "0001_search_indexes"),
    ]

    operations = [postgresql_only(CREATE, DROP)]
