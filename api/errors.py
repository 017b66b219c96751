"""One error shape for every endpoint: JSON {"error": code, "message": text, "status": n}.

Routers raise ApiError and turn it into a response themselves, so each router works when
mounted on any FastAPI app, without app-level exception handlers.
"""
from __future__ import annotations

from fastapi.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.code, "message": self.message, "status": self.status},
                            status_code=self.status, headers=self.headers)


def bad_request(message: str, code: str = "bad_request") -> ApiError:
    return ApiError(400, code, message)


def not_acceptable(offered: list[str]) -> ApiError:
    return ApiError(406, "not_acceptable", "none of the Accept header's media types can be served; "
                    "offered: " + ", ".join(offered))
