"""Writes (SPARQL Update, Graph Store PUT/POST/DELETE) need `Authorization: Bearer TOKEN`.

No token configured means the server is read-only: every write is refused with 403,
whatever the request carries. A missing or wrong token is 401 (RFC 6750).
"""
from __future__ import annotations

import hmac

from fastapi import Request

from policykg.api.errors import ApiError


def require_write(request: Request, token: str | None) -> None:
    if not token:
        raise ApiError(403, "read_only", "this server is read-only: start it with --update-token "
                       "(or POLICYKG_UPDATE_TOKEN) to allow updates")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(401, "unauthorized", "updates need the header 'Authorization: Bearer TOKEN'",
                       {"WWW-Authenticate": 'Bearer realm="policykg"'})
    # Constant-time comparison: the token is the only thing standing between a client and writes.
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "the bearer token is not valid for this server",
                       {"WWW-Authenticate": 'Bearer realm="policykg", error="invalid_token"'})
