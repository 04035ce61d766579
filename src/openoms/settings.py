"""Settings from environment variables (OPENOMS_*) over an optional TOML file over defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

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

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'openoms.db'}"


def _convert(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if kind == "Path":
        return Path(str(raw))
    if kind == "int":
        return int(raw)
    if kind == "bool":
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
    if kind == "time":
        return raw if isinstance(raw, time) else time.fromisoformat(str(raw))
    return str(raw)


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
        section = data.get("openoms", data)
        for key, raw in section.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r} in {path}")
            values[key] = _convert(key, raw)
    for key in known:
        raw = os.environ.get(ENV_PREFIX + key.upper())
        if raw is not None:
            values[key] = _convert(key, raw)
    for key, raw in overrides.items():
        if raw is not None:
            values[key] = _convert(key, raw)
    return replace(Settings(), **values)
