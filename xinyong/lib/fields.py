"""Model fields shared by apps."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class ReadableJSONField(models.JSONField):
    """JSON kept as readable UTF-8 on SQLite too (Django writes \\uXXXX escapes there), so
    that a text lookup on a key (`penalty__category__icontains="罚款"`) finds the same rows
    on SQLite as on PostgreSQL, whose jsonb is unaffected; the bulk import writes the same."""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "sqlite":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return json.dumps(value, cls=self.encoder, ensure_ascii=False)
