"""Unexpected errors: a page shows an HTML error page, the API a problem+json; neither shows
the trace, and the server goes on serving."""

from __future__ import annotations

from typing import Any

from apiclient import Api


def _boom() -> Any:
    raise RuntimeError("secret detail from deep inside")


def test_an_unexpected_error_is_a_plain_500_page_or_problem(api: Api) -> None:
    app = api.client.app.app  # type: ignore[attr-defined]  # FastPath wraps the FastAPI app
    app.add_api_route("/login/boom", _boom, include_in_schema=False)
    app.add_api_route("/api/v1/boom", _boom, include_in_schema=False)
    page = api.client.get("/login/boom")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "could not be shown" in page.text
    assert "secret detail" not in page.text and "Traceback" not in page.text
    problem = api.client.get("/api/v1/boom")
    assert problem.status_code == 500
    assert problem.json()["code"] == "internal_error"
    assert "secret detail" not in problem.text
    assert api.client.get("/login").status_code == 200  # still serving
