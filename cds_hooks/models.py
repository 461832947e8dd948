"""The CDS Hooks 2.0 wire formats, one pydantic model each.

These models are the single definition of what goes over the wire. Output models refuse
to hold anything the spec forbids (a summary of 140 characters or more, an override reason
without a display, an action without a description ...), so a bug in a service shows up as
a validation error in its tests rather than as a card an EHR silently drops. Serialization
never emits null, "", [] or {}: the spec says JSON elements SHALL NOT be null, and EHRs
differ in how they treat empty ones. The one exception is ``"cards": []``, which means
"no guidance".

What the service sends is serialized by pydantic-core alone (a dump and a pruning pass in
Python cost three times as much): a member that may be empty is left out by the serializer
itself, and a free-form member (a resource, an extension) is pruned into a copy of its own
when validated. Objects the service sends are frozen, so nothing can reach the wire without
going through one or the other. What a client sends is kept as sent, and pruned whole.
"""

from __future__ import annotations

import operator
import re
import uuid
from datetime import UTC, datetime
from math import isfinite
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    SecretStr,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import CoreSchema, core_schema, to_jsonable_python

SUMMARY_MAX_CHARS = 139  # the spec: "<140-character summary message"

Indicator = Literal["info", "warning", "critical"]
SelectionBehavior = Literal["at-most-one", "any"]
ActionType = Literal["create", "update", "delete"]
LinkType = Literal["absolute", "smart"]


# A tuple, not ``dict | list``: isinstance with a union goes through its __instancecheck__.
_CONTAINERS = (dict, list)


class _NotJson(Exception):
    """A member of a type JSON does not have (a tuple, bytes, a date, an enum ...)."""


def _kept(scalar: Any) -> bool:
    """Whether a member that is neither text nor a container goes over the wire."""
    if scalar is None:
        return False
    if scalar.__class__ is float:
        return isfinite(scalar)  # pydantic-core writes NaN and the infinities as null
    if scalar.__class__ is int or scalar.__class__ is bool:
        return True
    raise _NotJson


def _prune(value: Any) -> Any:
    """Drop null and empty members recursively, as the spec forbids them on the wire.

    A member is judged after its own members were pruned, an item of a list before. One
    pass, descending only into containers: a response holds a few hundred scalars, and a
    call per scalar cost more than the rest of the dump. Raises _NotJson on a member JSON
    has no type for, whose written form only pydantic-core knows.
    """
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, member in value.items():
            # Most members are text: one identity test settles them.
            if member.__class__ is str:
                if member:
                    kept[key] = member
            elif isinstance(member, _CONTAINERS):
                member = _prune(member)
                if member:
                    kept[key] = member
            elif _kept(member):
                kept[key] = member
        return kept
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            if item.__class__ is str:
                if item:
                    items.append(item)
            elif isinstance(item, _CONTAINERS):
                if item:
                    items.append(_prune(item))
            elif _kept(item):
                items.append(item)
        return items
    return value


def _optional() -> Any:
    """A member the serializer leaves out when None, "", [] or {}, however it got there."""
    # operator.not_, a C function: the serializer calls it for every such member it writes.
    return Field(default=None, exclude_if=operator.not_)


def _pruned(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A free-form member as it goes over the wire: a pruned copy, or None when nothing is left."""
    if not value:
        return None
    try:
        pruned: dict[str, Any] = _prune(value)
    except _NotJson:
        # Made JSON as pydantic-core writes it (a tuple as a list, bytes and dates as text,
        # NaN as null ...), then pruned: an empty tuple is as empty as an empty list.
        pruned = _prune(to_jsonable_python(value))
    return pruned or None


class WireModel(BaseModel):
    """Base of every CDS Hooks object: :meth:`to_wire` emits no null or empty members."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict that goes over the wire."""
        dumped: dict[str, Any] = self.__pydantic_serializer__.to_python(
            self, mode="json", by_alias=True, exclude_none=True
        )
        return dumped

    def to_json(self) -> bytes:
        """:meth:`to_wire` as JSON, written by pydantic-core without a dict in between."""
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_none=True)


class InboundModel(WireModel):
    """Objects a CDS client sends: unknown members are tolerated, as clients add their own.

    They hold what the client sent, empty members and all (a service reads them as sent), so
    their wire form is pruned whole.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)

    def to_wire(self) -> dict[str, Any]:
        dumped: dict[str, Any] = _prune(self.model_dump(mode="json", by_alias=True, exclude_none=True))
        return dumped

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_wire())


# The seconds of a leap second (23:59:60, the minute's 61st), fraction and all. RFC 3339 allows
# it and Python cannot hold it: it is read as the last microsecond of its minute, which keeps
# its order against the times around it.
_LEAP_SECOND = re.compile(r"(?<=[Tt]\d\d:\d\d):60(?:\.\d+)?(?=[Zz+-])")


def _without_leap_second(value: str) -> str:
    return _LEAP_SECOND.sub(":59.999999", value, count=1)


def _check_http_url(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{field} must be an absolute http(s) URL")
    return value


# The canonical form, which every uuid the service makes has: a match is a valid uuid and
# spares the parse; anything else (braces, "urn:uuid:", upper case ...) is parsed.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _check_uuid(value: str, field: str) -> str:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{field} must be a UUID") from None
    return value


def _uuid_text(field: str) -> Any:
    """The annotation of a UUID kept as text, for the uuids the service makes.

    The canonical form is matched inside pydantic-core, without a call into Python for each
    card and suggestion; any other form is parsed as :func:`_check_uuid` does.
    """

    def parsed(value: str) -> str:
        return _check_uuid(value, field)

    class UuidText:
        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
            return core_schema.union_schema(
                [
                    core_schema.str_schema(pattern=f"^{_CANONICAL_UUID.pattern}$"),
                    core_schema.no_info_after_validator_function(parsed, core_schema.str_schema()),
                ],
                mode="left_to_right",
                custom_error_type="uuid_text",
                custom_error_message=f"{field} must be a UUID",
            )

    return UuidText


# --- shared datatypes -------------------------------------------------------------------


class Coding(WireModel):
    """A FHIR-style Coding: system and code required, display conditional."""

    model_config = ConfigDict(extra="allow")

    system: str = Field(min_length=1)
    code: str = Field(min_length=1)
    display: str | None = _optional()

    @field_validator("system", "code", "display")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # An override reason is stored as text, and PostgreSQL holds no NUL: the item could
        # never be stored, and the client, told to send it again, would resend it forever.
        if value is not None and "\x00" in value:
            raise ValueError("must not contain a NUL character")
        return value

    def model_post_init(self, context: Any, /) -> None:
        # Members beyond the three are free-form (version, userSelected ...). Not a model
        # validator: those run again each time a card holding the coding is validated.
        if self.__pydantic_extra__:
            object.__setattr__(self, "__pydantic_extra__", _pruned(self.__pydantic_extra__) or {})


# --- discovery --------------------------------------------------------------------------


class ServiceDescriptor(WireModel):
    """One entry of the discovery document."""

    hook: str = Field(min_length=1)
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._~-]+$")
    title: str | None = _optional()
    description: str = Field(min_length=1)
    prefetch: dict[str, str] | None = _optional()
    usageRequirements: str | None = _optional()
    extension: dict[str, Any] | None = _optional()

    @field_validator("prefetch", "extension")
    @classmethod
    def _free_form(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _pruned(value)


class DiscoveryResponse(WireModel):
    # Written even when empty: a server may hold no service.
    services: list[ServiceDescriptor]


# --- request ----------------------------------------------------------------------------


class FhirAuthorization(InboundModel):
    """The OAuth 2.0 access token the client grants for its FHIR server.

    The token is a SecretStr so that no repr, log line or error message can show it.
    """

    access_token: SecretStr
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    patient: str | None = None

    @field_serializer("access_token", when_used="always")
    def _reveal_for_the_wire(self, token: SecretStr) -> str:
        return token.get_secret_value()


class CDSRequest(InboundModel):
    """A hook call. ``context`` stays a dict: each hook defines its own members."""

    hook: str = Field(min_length=1)
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None
    extension: dict[str, Any] | None = None

    @field_validator("hookInstance")
    @classmethod
    def _hook_instance_is_uuid(cls, value: str) -> str:
        return _check_uuid(value, "hookInstance")

    @field_validator("fhirServer")
    @classmethod
    def _fhir_server_is_url(cls, value: str | None) -> str | None:
        return None if value is None else _check_http_url(value, "fhirServer")

    @model_validator(mode="after")
    def _cds_r_1(self) -> CDSRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is present (cds-r-1)")
        return self


# --- response ---------------------------------------------------------------------------


class Source(WireModel):
    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None

    @field_validator("url", "icon")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _check_http_url(value, "source url")


class Action(WireModel):
    type: ActionType
    description: str = Field(min_length=1)  # cds-resp-5
    resource: dict[str, Any] | None = _optional()
    resourceId: str | None = _optional()

    # A field validator, not the model's: those run again each time a suggestion holding the
    # action is validated. A resource of nothing but empty members counts as none.
    @field_validator("resource")
    @classmethod
    def _resource(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _pruned(value)

    @model_validator(mode="after")
    def _payload_fits_type(self) -> Action:
        if self.type in ("create", "update") and not self.resource:
            raise ValueError(f"a {self.type} action needs a resource")
        if self.type == "delete" and not self.resourceId and not self.resource:
            raise ValueError("a delete action needs a resourceId")
        return self


class Suggestion(WireModel):
    label: str = Field(min_length=1)
    uuid: Annotated[str, _uuid_text("suggestion uuid")] | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = _optional()


class Link(WireModel):
    label: str = Field(min_length=1)
    url: str
    type: LinkType
    appContext: str | None = _optional()
    autolaunchable: bool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_http_url(value, "link url")

    @model_validator(mode="after")
    def _cds_resp_3(self) -> Link:
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext is only allowed on smart links (cds-resp-3)")
        return self


class Card(WireModel):
    uuid: Annotated[str, _uuid_text("card uuid")] | None = None
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX_CHARS)
    detail: str | None = _optional()
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] | None = _optional()
    selectionBehavior: SelectionBehavior | None = None
    overrideReasons: list[Coding] | None = _optional()
    links: list[Link] | None = _optional()

    @model_validator(mode="after")
    def _invariants(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required when suggestions are present (cds-resp-6)")
        if self.selectionBehavior == "at-most-one" and self.suggestions:
            recommended = sum(1 for s in self.suggestions if s.isRecommended)
            if recommended > 1:
                raise ValueError("at most one suggestion may be recommended under at-most-one (cds-resp-1)")
        for reason in self.overrideReasons or []:
            if not reason.display:
                raise ValueError("every override reason needs a display (cds-resp-4)")
        return self


class CDSResponse(WireModel):
    # "cards": [] is the one empty member the spec asks for: it means "no guidance".
    cards: list[Card] = Field(default_factory=list)
    systemActions: list[Action] | None = _optional()


# --- feedback ---------------------------------------------------------------------------


class AcceptedSuggestion(InboundModel):
    id: str = Field(min_length=1)


class OverrideReason(InboundModel):
    reason: Coding | None = None
    userComment: str | None = None

    @model_validator(mode="after")
    def _cds_fb_3(self) -> OverrideReason:
        if self.reason is None and not self.userComment:
            raise ValueError("overrideReason needs a reason or a userComment (cds-fb-3)")
        return self


class FeedbackItem(InboundModel):
    card: str
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: datetime

    @field_validator("card")
    @classmethod
    def _card_uuid(cls, value: str) -> str:
        return _check_uuid(value, "card")

    @field_validator("outcomeTimestamp", mode="before")
    @classmethod
    def _rfc3339(cls, value: Any) -> Any:
        # RFC 3339 demands a full date-time with an offset; pydantic alone accepts dates and
        # epoch numbers.
        if not isinstance(value, str) or "T" not in value.upper():
            raise ValueError("outcomeTimestamp must be an RFC 3339 date-time")
        return _without_leap_second(value)

    @field_validator("outcomeTimestamp")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("outcomeTimestamp must carry a time zone offset (RFC 3339)")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            # 0001-01-01T00:00:00+14:00 is a valid RFC 3339 time before the first instant
            # Python (and so the store) can hold.
            raise ValueError("outcomeTimestamp in UTC must fall between the years 1 and 9999") from None

    @field_serializer("outcomeTimestamp")
    def _as_rfc3339(self, value: datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")

    @model_validator(mode="after")
    def _outcome_fits(self) -> FeedbackItem:
        if self.outcome == "accepted":
            if not self.acceptedSuggestions:
                raise ValueError("acceptedSuggestions is required when the outcome is accepted (cds-fb-2)")
            if self.overrideReason is not None:
                raise ValueError("overrideReason is only allowed when the outcome is overridden (cds-fb-1)")
        elif self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is only allowed when the outcome is accepted (cds-fb-1)")
        return self


class FeedbackRequest(InboundModel):
    feedback: list[FeedbackItem] = Field(min_length=1)
