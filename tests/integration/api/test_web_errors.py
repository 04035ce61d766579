"""Errors: an unexpected one is an HTML error page on a page and a problem+json on the API,
neither with the trace, and the server goes on serving; a page's bad query parameter is a 400
page naming it (the API's stays a 422 problem+json)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

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


def _sign_in_as_admin(api: Api, data_dir: Path) -> None:
    password = next(line.split("\t")[2] for line in
                    (data_dir / "demo-users.txt").read_text().splitlines()
                    if line.startswith("admin\t"))
    form = api.client.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token
    signed = api.client.post("/login", data={"username": "admin", "password": password,
                                             "login_token": token.group(1)},
                             follow_redirects=False)
    assert signed.status_code == 303, signed.text


@pytest.mark.parametrize(("address", "parameter"), [
    ("/ui/blotter?limit=abc", "limit"),
    ("/ui/blotter?offset=-1", "offset"),
    ("/ui/blotter?limit=0", "limit"),
    ("/ui/blotter?open_only=maybe", "open_only"),
    ("/ui/retail/orders?q=" + "x" * 201, "q"),
    ("/ui/retail/orders?offset=9223372036854775807", "offset"),
    ("/ui/inventory?offset=9223372036854775807", "offset"),
    ("/ui/vendor?offset=9223372036854775807", "offset"),
    ("/ui/store/MPLS?show=done&offset=9223372036854775807", "offset"),
    ("/ui/admin/desk?offset=9223372036854775807", "offset"),
])
def test_a_bad_page_parameter_is_a_400_page_naming_it(api: Api, tmp_path: Path, address: str,
                                                      parameter: str) -> None:
    _sign_in_as_admin(api, tmp_path)
    page = api.client.get(address)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Bad request" in page.text
    assert f"bad parameter — {parameter}:" in page.text
    assert "Traceback" not in page.text and "x" * 201 not in page.text


def test_the_apis_bad_parameters_stay_problem_json(api: Api) -> None:
    problem = api.get("/orders?limit=abc")
    assert problem.status_code == 422
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["errors"][0]["field"] == "limit"


def test_the_largest_page_offset_shows_an_empty_page(api: Api, tmp_path: Path) -> None:
    _sign_in_as_admin(api, tmp_path)
    page = api.client.get("/ui/retail/orders?offset=1000000000")
    assert page.status_code == 200


@pytest.mark.parametrize(("method", "address", "status"), [
    ("GET", "/logout", 405), ("PUT", "/login", 405), ("GET", "/login/nothing", 404)])
def test_an_http_error_on_a_page_address_is_an_html_page(api: Api, method: str, address: str,
                                                         status: int) -> None:
    page = api.client.request(method, address)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert "problem+json" not in page.headers["content-type"]


def test_an_http_error_on_the_api_stays_problem_json(api: Api) -> None:
    missing = api.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
