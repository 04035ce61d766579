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


def test_settings_fix_sessions_are_read_from_the_file(tmp_path: Path) -> None:
    config = tmp_path / "openoms.toml"
    config.write_text(
        '[openoms]\nfix_port = 9900\n'
        '[[fix.sessions]]\nbegin_string = "FIX.4.4"\nsender_comp_id = "OPENOMS"\n'
        'target_comp_id = "CLIENT1"\naccount_id = "ACME"\nack_on = "receipt"\n'
        'password = "s3cret"\nallowed_addresses = ["127.0.0.1"]\n'
        '[fix.sessions.schedule]\nstart = "08:00"\nend = "17:00"\ntimezone = "Europe/London"\n'
        'weekdays = [0, 1, 2, 3, 4]\n'
        '[[fix.sessions]]\nbegin_string = "FIX.4.2"\nsender_comp_id = "OPENOMS"\n'
        'target_comp_id = "VENUE1"\nrole = "initiator"\nvenue_id = "XFIX"\nport = 9911\n')
    settings = load_settings(config)
    assert settings.fix_port == 9900
    client, venue = settings.fix_sessions
    assert client.session_id == "FIX.4.4:OPENOMS->CLIENT1"
    assert (client.account_id, client.ack_on.value, client.password) == ("ACME", "receipt",
                                                                        "s3cret")
    assert client.allowed_addresses == ("127.0.0.1",)
    assert client.schedule.start == time(8, 0) and client.schedule.weekdays == (0, 1, 2, 3, 4)
    assert (venue.role.value, venue.venue_id, venue.port) == ("initiator", "XFIX", 9911)


@pytest.mark.parametrize(("session", "message"), [
    ('begin_string = "FIX.5.0"\nsender_comp_id = "A"\ntarget_comp_id = "B"\n', "begin_string"),
    ('begin_string = "FIX.4.4"\nsender_comp_id = "A"\ntarget_comp_id = "B"\nhb = 3\n',
     "unknown key 'hb'"),
    ('begin_string = "FIX.4.4"\nsender_comp_id = "A"\ntarget_comp_id = "B"\n'
     'role = "initiator"\n', "needs host and port"),
    ('begin_string = "FIX.4.4"\nsender_comp_id = "A"\ntarget_comp_id = "B"\nack_on = "never"\n',
     "never"),
])
def test_settings_bad_fix_session_is_an_error_naming_it(tmp_path: Path, session: str,
                                                        message: str) -> None:
    config = tmp_path / "openoms.toml"
    config.write_text(f"[[fix.sessions]]\n{session}")
    with pytest.raises(ValueError, match=message):
        load_settings(config)


def test_settings_one_session_twice_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "openoms.toml"
    one = 'begin_string = "FIX.4.4"\nsender_comp_id = "A"\ntarget_comp_id = "B"\n'
    config.write_text(f"[[fix.sessions]]\n{one}[[fix.sessions]]\n{one}")
    with pytest.raises(ValueError, match="configured twice"):
        load_settings(config)
