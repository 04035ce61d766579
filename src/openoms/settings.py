"""Settings from environment variables (OPENOMS_*) over an optional TOML file over defaults.

FIX sessions are listed in the same file as ``[[fix.sessions]]`` tables (one per session, keys
as in ``openoms.adapters.fix.config.SessionConfig``); see docs/operations.md.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

from openoms.adapters.fix.config import AckOn, Role, Schedule, SessionConfig

ENV_PREFIX = "OPENOMS_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything an operator can set. See docs/operations.md."""

    data_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite file openoms.db in data_dir
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    timezone: str = "America/New_York"
    session_open: time = time(9, 30)
    session_close: time = time(16, 0)
    day_end_enabled: bool = True
    sim_seed_levels: int = 5  # resting price levels per side seeded on the simulated exchange
    sim_seed_qty: int = 1000  # quantity per seeded level
    log_level: str = "info"
    fix_enabled: bool = True
    fix_host: str = "127.0.0.1"  # FIX acceptor listen address: loopback unless told otherwise
    fix_port: int = 9878
    fix_log_dir: str = ""  # default: <data_dir>/fix
    fix_sessions: tuple[SessionConfig, ...] = ()
    # Notifications (docs/notifications.md): vendor purchase orders and webhooks go out
    # through the outbox, retried with exponential back-off.
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "openoms@localhost"
    vendor_webhook_secret: str = field(default="", repr=False)  # signs vendor webhooks
    shopify_secret: str = field(default="", repr=False)  # the Shopify app's webhook secret
    x12_sender_id: str = "OPENOMS"  # our interchange id in the X12 documents we send
    outbox_max_attempts: int = 8  # then a message is given up as failed
    outbox_backoff_seconds: float = 5.0  # wait before the first retry, doubled each time
    outbox_backoff_max_seconds: float = 3600.0
    outbox_timeout_seconds: float = 10.0  # per delivery attempt
    outbox_batch: int = 100  # messages delivered at once, and loaded per database read
    outbox_poll_seconds: float = 30.0  # how often retries of earlier runs are looked for

    @property
    def fix_log_path(self) -> Path:
        return Path(self.fix_log_dir) if self.fix_log_dir else self.data_dir / "fix"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'openoms.db'}"


def _convert(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if name == "fix_sessions":
        return tuple(raw)
    if kind == "Path":
        return Path(str(raw))
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "bool":
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
    if kind == "time":
        return raw if isinstance(raw, time) else time.fromisoformat(str(raw))
    return str(raw)


_SESSION_FIELDS = {f.name: f for f in fields(SessionConfig)}
_SCHEDULE_FIELDS = {f.name for f in fields(Schedule)}


def _schedule(raw: Any, where: str) -> Schedule:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: schedule must be a table")
    unknown = set(raw) - _SCHEDULE_FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown schedule key {sorted(unknown)[0]!r}")
    values: dict[str, Any] = dict(raw)
    for key in ("start", "end"):
        if key in values and not isinstance(values[key], time):
            values[key] = time.fromisoformat(str(values[key]))
    if "weekdays" in values:
        values["weekdays"] = tuple(int(day) for day in values["weekdays"])
    return Schedule(**values)


def parse_fix_sessions(raw: Any, where: str = "settings") -> tuple[SessionConfig, ...]:
    """Turn the ``[[fix.sessions]]`` tables into session configurations.

    Raises:
        ValueError: an unknown key, a value of the wrong form, or two sessions with one id.
    """
    if not isinstance(raw, list):
        raise ValueError(f"{where}: fix.sessions must be an array of tables ([[fix.sessions]])")
    sessions: list[SessionConfig] = []
    for index, item in enumerate(raw):
        here = f"{where}: fix.sessions[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{here} must be a table")
        unknown = set(item) - set(_SESSION_FIELDS)
        if unknown:
            raise ValueError(f"{here}: unknown key {sorted(unknown)[0]!r}")
        values: dict[str, Any] = dict(item)
        try:
            if "role" in values:
                values["role"] = Role(values["role"])
            if "ack_on" in values:
                values["ack_on"] = AckOn(values["ack_on"])
            if "schedule" in values:
                values["schedule"] = _schedule(values["schedule"], here)
            if "allowed_addresses" in values:
                values["allowed_addresses"] = tuple(str(a) for a in values["allowed_addresses"])
            config = SessionConfig(**values)
            config.validate_config()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{here}: {exc}") from exc
        sessions.append(config)
    ids = [s.session_id for s in sessions]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"{where}: session {sorted(duplicates)[0]} is configured twice")
    accounts = [s.account_id for s in sessions if s.role is Role.ACCEPTOR and s.account_id]
    shared = {a for a in accounts if accounts.count(a) > 1}
    if shared:
        raise ValueError(f"{where}: account {sorted(shared)[0]} has more than one FIX session")
    return tuple(sessions)


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings: defaults, then the TOML file, then OPENOMS_* variables, then overrides.

    Raises:
        ValueError: an unknown key in the file or a value of the wrong form.
    """
    values: dict[str, Any] = {}
    path = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG")
    known = {f.name for f in fields(Settings)}
    if path:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        fix = data.pop("fix", None)
        section = data.get("openoms", data)
        if fix is not None:
            if not isinstance(fix, dict) or set(fix) - {"sessions"}:
                raise ValueError(f"{path}: [fix] holds only sessions ([[fix.sessions]])")
            values["fix_sessions"] = parse_fix_sessions(fix.get("sessions", []), str(path))
        for key, raw in section.items():
            if key == "fix_sessions" or key not in known:
                raise ValueError(f"unknown setting {key!r} in {path}")
            values[key] = _convert(key, raw)
    for key in known - {"fix_sessions"}:
        raw = os.environ.get(ENV_PREFIX + key.upper())
        if raw is not None:
            values[key] = _convert(key, raw)
    for key, raw in overrides.items():
        if raw is not None:
            values[key] = _convert(key, raw)
    settings = replace(Settings(), **values)
    _check_outbox(settings)
    return settings


def _check_outbox(settings: Settings) -> None:
    for name in ("outbox_max_attempts", "outbox_batch"):
        if getattr(settings, name) < 1:
            raise ValueError(f"{name} must be at least 1")
    for name in ("outbox_backoff_seconds", "outbox_backoff_max_seconds",
                 "outbox_timeout_seconds", "outbox_poll_seconds"):
        if not getattr(settings, name) > 0:
            raise ValueError(f"{name} must be a number of seconds above 0")
