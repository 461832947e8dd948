"""Microcyte's configuration: a TOML file, overridden by ``MICROCYTE_*`` environment variables.

Precedence, highest first: command-line flags, environment, the TOML file, defaults. Nested
settings take a double underscore in the environment: ``MICROCYTE_SERVER__PORT=9000`` is
``[server] port = 9000``. Every setting is documented in the README; the defaults are the
secure ones (loopback only).
"""

from __future__ import annotations

import ipaddress
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cds_hooks.auth import AuthSettings
from cds_hooks.cors import CorsSettings
from cds_hooks.feedback import StorageSettings
from cds_hooks.fhir.settings import FhirSettings
from service.workup_settings import WorkupSettings

CONFIG_ENV = "MICROCYTE_CONFIG"

_config_file: ContextVar[Path | None] = ContextVar("microcyte_config_file", default=None)


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # One process by default: its in-process JWT replay cache then sees every call. More
    # workers need a shared replay store (auth.replay_store = "redis://...").
    workers: int = Field(default=1, ge=1)
    # Threads per worker run the app; a connection is a greenlet that reaches one only once its
    # request has fully arrived, so a slow client holds no thread. Open connections per worker:
    threads: int = Field(default=8, ge=1)
    connections: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    # A client gets this long to send a request's headers (an idle kept-alive connection is
    # closed after it too), and then body_read_timeout_seconds for its body: past either, the
    # connection is dropped (a late body gets a 408), so a slow socket is never held for long.
    header_read_timeout_seconds: int = Field(default=10, ge=1)
    body_read_timeout_seconds: int = Field(default=30, ge=1)
    public_base_url: str | None = None
    graceful_timeout_seconds: int = Field(default=30, ge=1)
    # Serving without authentication on a non-loopback address needs this as well.
    insecure: bool = False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MICROCYTE_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    server: ServerSettings = Field(default_factory=ServerSettings)
    cors: CorsSettings = Field(default_factory=CorsSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    fhir: FhirSettings = Field(default_factory=FhirSettings)
    workup: WorkupSettings = Field(default_factory=WorkupSettings)
    # Where feedback is kept: a SQLite file in data_dir, or any database_url (PostgreSQL for
    # several instances). Top-level so MICROCYTE_DATA_DIR and MICROCYTE_DATABASE_URL work.
    data_dir: Path = Path("microcyte-data")
    database_url: SecretStr | None = None
    log_level: str = "INFO"

    @property
    def storage(self) -> StorageSettings:
        return StorageSettings(data_dir=self.data_dir, database_url=self.database_url)

    @model_validator(mode="after")
    def _no_open_door(self) -> Settings:
        if not self.auth.enabled and not is_loopback(self.server.host) and not self.server.insecure:
            raise ValueError(
                f"authentication is off and server.host {self.server.host} is not a loopback address:"
                " anyone who reaches it could call the service. Turn authentication on, bind to"
                " 127.0.0.1, or accept the risk with --insecure (server.insecure = true)"
            )
        if self.auth.enabled and self.auth.replay_store == "memory" and self.server.workers > 1:
            raise ValueError(
                f"server.workers = {self.server.workers} with auth.replay_store = 'memory': each worker"
                " would keep its own record of used tokens, so a token replayed to another worker would"
                " be accepted. Set auth.replay_store to a redis:// URL, or run one worker"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


class ConfigError(Exception):
    """The configuration cannot be used; the message says which setting and why."""


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (or ``$MICROCYTE_CONFIG``), the environment and ``overrides``."""
    chosen = config_file or os.environ.get(CONFIG_ENV)
    path = Path(chosen) if chosen else None
    if path is not None and not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    token = _config_file.set(path)
    try:
        return Settings(**overrides)
    except ValueError as error:
        raise ConfigError(f"invalid configuration: {error}") from None
    finally:
        _config_file.reset(token)
