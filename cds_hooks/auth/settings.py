"""How the service authenticates CDS clients: whom it trusts and how strictly.

Errors hide their input (``hide_input_in_errors``): a Redis URL can hold a password and a
configuration error message must not print it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cds_hooks.auth.client import Algorithm, TrustedClient
from cds_hooks.auth.presets import load_preset

__all__ = ["Algorithm", "AuthSettings", "TrustedClient"]

_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    enabled: bool = True
    trust: list[str] = Field(default_factory=list)
    clients: list[TrustedClient] = Field(default_factory=list)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    # Epic issues tokens that live 15 minutes; a longer-lived token is a longer replay window.
    max_token_lifetime_seconds: int = Field(default=900, ge=1)
    jwks_cache_seconds: int = Field(default=3600, ge=1)
    jwks_refresh_min_interval_seconds: int = Field(default=60, ge=0)
    jwks_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    replay_store: str = "memory"

    @field_validator("replay_store")
    @classmethod
    def _replay_store(cls, value: str) -> str:
        if value != "memory" and urlsplit(value).scheme not in _REDIS_SCHEMES:
            raise ValueError("replay_store must be 'memory' or a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _clients_resolve(self) -> AuthSettings:
        self.trusted_clients()
        return self

    def trusted_clients(self) -> list[TrustedClient]:
        """Every trusted client, presets first; ValueError on an unknown preset or a repeated iss.

        A repeated issuer is refused rather than merged: which keys and tenants would apply
        would otherwise depend on list order.
        """
        resolved = [load_preset(name) for name in self.trust] + list(self.clients)
        seen: set[str] = set()
        for client in resolved:
            if client.iss in seen:
                raise ValueError(f"two trusted clients share the issuer {client.iss}")
            seen.add(client.iss)
        return resolved
