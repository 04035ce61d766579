"""An in-process OpenOMS (real engine, real database, real ASGI app) and a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import create_app
from openoms.models import registry
from openoms.settings import load_settings

from apiclient import Api

ROLES = ("admin", "trader", "sales", "viewer")


@pytest.fixture
def api(db_url: str, tmp_path: Any) -> Iterator[Api]:
    settings = load_settings(None, data_dir=tmp_path, database_url=db_url,
                             day_end_enabled=False, fix_port=0)
    store = SqlStore(db_url, registry())
    tokens = {role: store.create_token(f"{role}-user", role) for role in ROLES}
    store.close()
    app = create_app(settings, seed_demo=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, tokens)
