"""The OpenAPI document says what the API does: each component name stands for one schema
class, and only the operations that need a token declare the bearer scheme."""

from __future__ import annotations

import re
import typing
from collections import defaultdict
from typing import Any

import pytest
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from conftest import ApiClient
from xinyong.accounts.auth import optional_auth, token_auth
from xinyong.api import api as ninja_api

PREFIX = "/api/v1"


@pytest.fixture
def document(db: Any) -> dict[str, Any]:
    response = ApiClient().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations() -> list[tuple[str, str, Any]]:
    """(method, path as documented, ninja operation) of every operation the API serves."""
    found = []
    # The routers as bound to the API (as ninja builds the document): with the API's
    # default auth filled in where an operation names none.
    for bound in ninja_api._get_bound_routers():
        for path, view in bound.path_operations.items():
            parts = (PREFIX, bound.prefix, path)
            route = "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))
            route = re.sub(r"\{\w+:(\w+)\}", r"{\1}", route)
            for operation in view.operations:
                found.extend((method.lower(), route, operation) for method in operation.methods)
    return found


def _collect(annotation: Any, found: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _collect(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _collect(arg, found)


def schema_classes() -> set[type[BaseModel]]:
    """Every pydantic class the document is made from: the fields of each operation's
    parameter and response models (ninja's own wrappers, which are never components,
    skipped), followed down through nested models."""
    found: set[type[BaseModel]] = set()
    for _, _, operation in operations():
        wrappers = [*operation.models,
                    *(m for m in operation.response_models.values()
                      if isinstance(m, type) and issubclass(m, BaseModel))]
        for wrapper in wrappers:
            for field in wrapper.model_fields.values():
                _collect(field.annotation, found)
    return found


def own_schemas(cls: type[BaseModel]) -> list[dict[str, Any]]:
    """The class's schema as ninja writes a component, for input and for output."""
    out = []
    for mode in ("validation", "serialization"):
        schema = cls.model_json_schema(ref_template=REF_TEMPLATE,
                                       schema_generator=NinjaGenerateJsonSchema, mode=mode)
        schema.pop("$defs", None)
        out.append(schema)
    return out


def test_no_two_schema_classes_share_a_component_name() -> None:
    by_name: dict[str, list[type[BaseModel]]] = defaultdict(list)
    for cls in schema_classes():
        by_name[cls.__name__].append(cls)
    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in by_name.items()
        if len(classes) > 1 and any(own_schemas(c) != own_schemas(classes[0]) for c in classes)
    }
    assert not clashes, f"schema classes that would share one component name: {clashes}"


def test_every_component_is_the_schema_of_its_class(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    classes = {cls.__name__: cls for cls in schema_classes()}
    for name, cls in classes.items():
        assert name in components, name
        assert components[name] in own_schemas(cls), name


def _body_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    body = document["paths"][f"{PREFIX}{path}"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    return typing.cast(dict[str, Any], document["components"]["schemas"][ref.rsplit("/", 1)[-1]])


def test_decision_bodies_of_repairs_and_objections(document: dict[str, Any]) -> None:
    repair = _body_schema(document, "/repairs/{case_id}/decision")
    objection = _body_schema(document, "/objections/{case_id}/decision")
    assert repair["properties"]["decision"]["enum"] == ["approve", "reject"]
    assert "corrections" not in repair["properties"]
    assert objection["properties"]["decision"]["enum"] == ["upheld", "dismissed"]
    assert "corrections" in objection["properties"]


def test_public_operations_declare_no_security(document: dict[str, Any]) -> None:
    public = []
    for method, path, operation in operations():
        documented = document["paths"][path][method]
        if operation.auth_callbacks == [optional_auth]:
            public.append(path)
            assert "security" not in documented, (method, path)
            # A wrong token is still refused there: documented as today.
            assert "401" in documented["responses"], (method, path)
        else:
            assert operation.auth_callbacks == [token_auth], (method, path)
            assert documented["security"] == [{"TokenAuth": []}], (method, path)
            assert "401" in documented["responses"], (method, path)
    assert f"{PREFIX}/records/{{record_id}}" in public and f"{PREFIX}/health" in public
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth"}
