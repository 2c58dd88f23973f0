"""The JSON API under /api/v1: one blueprint, a module per concern."""
from __future__ import annotations

from flask import Blueprint, g, request

from ..auth import token_owner
from ..errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def _require_token() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    owner = token_owner(request.headers.get("Authorization"))
    if owner is None:
        raise ApiError(401, "unauthorized",
                       "A valid API token is required: send 'Authorization: Bearer <token>'. "
                       "An administrator creates one with 'rosterbook token create NAME'.",
                       headers={"WWW-Authenticate": "Bearer"})
    g.api_user = owner


from . import imports, openapi, profiles, users  # noqa: E402,F401  (routes register on bp)
