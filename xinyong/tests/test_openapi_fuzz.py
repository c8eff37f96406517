"""Schemathesis against our own OpenAPI document: every operation, called in-process with
generated input by an office user, a department and an anonymous caller, never answers 5xx,
and what it answers (status code, content type, body) is what the document says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from xinyong.accounts.models import Role, User
from xinyong.wsgi import application


@pytest.fixture
def in_process() -> Iterator[None]:
    """As Django's test client does: the app must not close the test's database connection
    at the end of each request (the test runs inside a transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def packs(db: Any) -> None:
    from xinyong.policies import loader

    loader.load_shipped()  # the rules, so that generated records can meet real behaviours


@pytest.fixture(params=[Role.OFFICE, Role.DEPARTMENT, "anonymous"])
def caller_header(request: pytest.FixtureRequest, users: dict[str, User],
                  token_for: Callable[[User], str]) -> dict[str, str]:
    """Every operation as the office, as a department (past the role checks of the record
    handling) and anonymously (public operations declare no security: what anonymous
    callers get there, and the 401 of the others, must be documented too)."""
    if request.param == "anonymous":
        return {}
    return {"Authorization": f"Bearer {token_for(users[request.param])}"}


# The document is served by the app itself (no database needed for it); calls go in-process.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_keeps_to_the_document(case: Any, in_process: None, packs: None,
                                               caller_header: dict[str, str]) -> None:
    case.call_and_validate(headers=caller_header, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance])
