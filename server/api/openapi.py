"""GET /api/v1/openapi.json: generated from the routes' declarations and pydantic models."""
from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from . import bp
from .spec import operation


@cache
def _document() -> dict:
    from .spec import openapi_document

    try:
        release = version("rosterbook")
    except PackageNotFoundError:
        release = "0"
    return openapi_document("rosterbook import API", release)


@operation(bp, "GET", "/openapi.json", "This API's OpenAPI description", {
    200: ("The OpenAPI 3.1 document", {"application/json": {"type": "object"}}),
}, public=True)
def openapi():
    return _document()
