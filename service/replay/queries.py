"""A service's prefetch templates answered from a record in hand, as a FHIR server would answer them.

A replay has no EHR to prefetch for it: each key is filled from the patient's record with what the
key's query would find there. Only the search parameters the templates use are understood; a
template with any other parameter stops the replay before it starts (:class:`UnsupportedQuery`),
since filling that key from the whole record would give the service data an EHR would not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from service.replay.record import Resource

PATIENT_TOKEN = "{{context.patientId}}"  # noqa: S105 (a prefetch token, not a password)
_PATIENT_PARAMS = frozenset({"patient", "subject", "patient:Patient", "subject:Patient"})
_PATIENT_VALUES = frozenset({PATIENT_TOKEN, f"Patient/{PATIENT_TOKEN}"})
# Token search parameters: the members each reads (a code, a CodeableConcept or a list of them).
TOKEN_MEMBERS: dict[str, tuple[str, ...]] = {
    "code": ("code", "medicationCodeableConcept"),
    "status": ("status",),
    "category": ("category",),
    "clinical-status": ("clinicalStatus",),
    "intent": ("intent",),
}
_SORTS = {"date": False, "-date": True}


class UnsupportedQuery(ValueError):
    """A prefetch template this replay cannot answer faithfully from a record."""


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system
    code: str | None  # None: any code of the system


@dataclass(frozen=True)
class TokenFilter:
    parameter: str
    tokens: tuple[Token, ...]  # any of them (a comma is OR in FHIR search)

    @cached_property
    def _index(self) -> tuple[frozenset[tuple[str, str]], frozenset[str], frozenset[str]]:
        """The tokens as sets (exact pairs, codes of any system, systems of any code): a filter of
        sixty codes is checked against every Observation of a population."""
        pairs = frozenset(
            (t.system, t.code) for t in self.tokens if t.system is not None and t.code is not None
        )
        codes = frozenset(t.code for t in self.tokens if t.system is None and t.code is not None)
        systems = frozenset(t.system for t in self.tokens if t.system is not None and t.code is None)
        return pairs, codes, systems

    def matches(self, resource: Mapping[str, Any]) -> bool:
        pairs, codes, systems = self._index
        for system, code in _codings(resource, TOKEN_MEMBERS[self.parameter]):
            if code is not None and (code in codes or (system or "", code) in pairs):
                return True
            if (system or "") in systems:
                return True
        return False


@dataclass(frozen=True)
class LocalQuery:
    """One prefetch key: a read of the Patient, or a search of one resource type."""

    key: str
    resource_type: str
    read: bool
    filters: tuple[TokenFilter, ...] = ()
    newest_first: bool | None = None  # None: no _sort
    count: int | None = None

    def matches(self, resource: Mapping[str, Any]) -> bool:
        return all(f.matches(resource) for f in self.filters)


def parse_template(key: str, template: str) -> LocalQuery:
    path, _, query = template.partition("?")
    path = path.strip("/")
    if path == f"Patient/{PATIENT_TOKEN}" and not query:
        return LocalQuery(key, "Patient", read=True)
    if "/" in path or not path[:1].isupper():
        raise UnsupportedQuery(
            f"prefetch key {key}: {template!r} is neither a read of the Patient nor a search"
        )
    filters: list[TokenFilter] = []
    newest_first: bool | None = None
    count: int | None = None
    has_patient = False
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in _PATIENT_PARAMS and value in _PATIENT_VALUES:
            has_patient = True
        elif name in TOKEN_MEMBERS and PATIENT_TOKEN not in value and "{{" not in value:
            filters.append(TokenFilter(name, tuple(_token(part) for part in value.split(","))))
        elif name == "_sort" and value in _SORTS:
            newest_first = _SORTS[value]
        elif name == "_count" and value.isdigit():
            count = int(value)
        else:
            raise UnsupportedQuery(
                f"prefetch key {key}: the search parameter {name}={value} cannot be replayed from a record"
            )
    if not has_patient:
        raise UnsupportedQuery(f"prefetch key {key}: {template!r} is not a search of the patient's record")
    return LocalQuery(key, path, read=False, filters=tuple(filters), newest_first=newest_first, count=count)


def parse_templates(templates: Mapping[str, Any]) -> tuple[LocalQuery, ...]:
    """``templates`` maps each key to a :class:`cds_hooks.prefetch.PrefetchTemplate`."""
    return tuple(parse_template(key, template.query) for key, template in templates.items())


def server_filter(queries: Iterable[LocalQuery], resource_type: str) -> tuple[TokenFilter, ...] | None:
    """What every key searching ``resource_type`` asks for, when all ask the same; else None (all).

    A resource no key could ever find need not be read at all: a population's Observations are
    mostly vital signs and chemistry that no prefetch of Microcyte's asks for.
    """
    wanted = {q.filters for q in queries if q.resource_type == resource_type and not q.read}
    return next(iter(wanted)) if len(wanted) == 1 else None


def search_parameters(filters: Iterable[TokenFilter]) -> str:
    """The filters as FHIR search parameters, to ask a server for just what they keep."""
    return "&".join(f"{f.parameter}={','.join(_spelled(t) for t in f.tokens)}" for f in filters)


def _token(text: str) -> Token:
    if "|" not in text:
        return Token(None, text or None)
    system, code = text.split("|", 1)
    return Token(system, code or None)  # "|code" is a code with no system: FHIR's spelling


def _spelled(token: Token) -> str:
    if token.system is None:
        return token.code or ""
    return f"{token.system}|{token.code or ''}"


def _codings(resource: Mapping[str, Any], members: Iterable[str]) -> Iterable[tuple[str | None, str | None]]:
    for member in members:
        value = resource.get(member)
        for concept in value if isinstance(value, list) else [value]:
            if isinstance(concept, str):
                yield None, concept
            elif isinstance(concept, Mapping):
                codings = concept.get("coding")
                for coding in codings if isinstance(codings, list) else []:
                    if isinstance(coding, Mapping):
                        system, code = coding.get("system"), coding.get("code")
                        yield (
                            (system if isinstance(system, str) else None),
                            (code if isinstance(code, str) else None),
                        )


def keeps(queries: Iterable[LocalQuery], resource: Resource) -> bool:
    """Whether any key could find ``resource`` (a Patient is always kept)."""
    kind = resource.get("resourceType")
    return kind == "Patient" or any(
        q.resource_type == kind and not q.read and q.matches(resource) for q in queries
    )
