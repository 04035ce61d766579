"""Settings: defaults, a TOML file, environment variables on top, unknown keys refused."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from openoms.settings import load_settings


def test_settings_default_to_a_sqlite_file_in_var(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("OPENOMS_DATABASE_URL", "OPENOMS_DATA_DIR", "OPENOMS_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings()
    assert settings.db_url == "sqlite:///var/openoms.db"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8000)


def test_settings_environment_overrides_the_toml_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "openoms.toml"
    config.write_text('[openoms]\nhttp_port = 9000\nsession_close = "15:30"\n'
                      'database_url = "postgresql+psycopg://u@db/oms"\n')
    monkeypatch.setenv("OPENOMS_HTTP_PORT", "9100")
    settings = load_settings(config)
    assert settings.http_port == 9100
    assert settings.session_close == time(15, 30)
    assert settings.db_url == "postgresql+psycopg://u@db/oms"


def test_settings_unknown_key_in_the_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "openoms.toml"
    config.write_text("htp_port = 9000\n")
    with pytest.raises(ValueError, match="unknown setting 'htp_port'"):
        load_settings(config)
