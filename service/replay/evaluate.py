"""Each chart open and order selection of one patient, through the services ``serve`` would run.

The registry is :func:`service.app.create_registry` of the replay's settings and every call goes
through :func:`cds_hooks.handling.invoke`, so a replayed card is the card the service would have
sent. patient-view services are called at each chart open; order-select and order-sign services at
each order the record holds (a MedicationRequest or ServiceRequest, as a draft, at the moment it was
authored: selected, or about to be signed), and only where it holds some; services of other hooks are
not replayed, and the report says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cds_hooks.errors import CDSHooksError
from cds_hooks.handling import invoke, prepare
from cds_hooks.models import Card, CDSRequest
from cds_hooks.service import CDSService
from service.config import Settings
from service.replay.cut import Timeline
from service.replay.privacy import Privacy, age_at, age_band, sex_of
from service.replay.queries import LocalQuery, keeps, parse_templates, search_parameters, server_filter
from service.replay.record import PatientRecord, Resource
from service.replay.tally import RuleKey, Sample, Tally
from service.rules.never_silent import picture, silence_reason
from service.workup import situation_of

CHART_OPEN_HOOK = "patient-view"
ORDER_HOOKS = ("order-select", "order-sign")
ORDER_TYPES = ("MedicationRequest", "ServiceRequest")
USER = "Practitioner/microcyte-replay"
LOINC = "http://loinc.org"
# A blood count, for placing chart opens: hemoglobin (mass and molar) or MCV. Chosen here rather
# than read from the workup, which may count more as part of a count than opening a chart needs.
BLOOD_COUNT_CODES = frozenset({"718-7", "59260-0", "787-2"})
CHART_OPEN_DELAY = timedelta(days=1)
NO_RULE = "(no rule id)"
_NAMESPACE = uuid.UUID("5f0c1b8e-6d6a-4c55-9a51-4f5b7f0c2e11")


@dataclass(frozen=True)
class ReplayPlan:
    """What every worker needs to replay a patient: picklable, sent once to each."""

    settings: Settings
    privacy: Privacy
    at: tuple[datetime, ...] = ()  # empty: a chart open the day after each blood count
    samples_per_rule: int = 3
    # A FHIR server source: how long one patient's record may take to fetch, and one page of Patients.
    record_seconds: float = 60.0
    fhir_token: str | None = None
    # Names the plan in a worker's cache, which builds its registry once per plan.
    plan_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class ServiceReplay:
    service: CDSService
    queries: tuple[LocalQuery, ...]


def services_of(plan: ReplayPlan) -> list[CDSService]:
    from service.app import create_registry

    return list(create_registry(plan.settings))


def describe_services(services: Iterable[CDSService], orders_held: bool) -> list[dict[str, Any]]:
    """How each service was replayed, or why it was not: for the report."""
    described = []
    for service in services:
        if service.hook == CHART_OPEN_HOOK:
            how = "called at each chart open"
            replayed = True
        elif service.hook in ORDER_HOOKS:
            replayed = orders_held
            how = (
                "called at each order the records hold (MedicationRequest, ServiceRequest), as a draft "
                f"{'selected' if service.hook == 'order-select' else 'signed'} at the moment it was authored"
                if orders_held
                else "not replayed: the records hold no orders (MedicationRequest, ServiceRequest)"
            )
        else:
            replayed = False
            how = f"not replayed: no replay of the {service.hook} hook"
        described.append({"id": service.id, "hook": service.hook, "replayed": replayed, "how": how})
    return described


def _rule_of(card: Card) -> str:
    topic = card.source.topic
    return topic.code if topic is not None else NO_RULE


def _orders_of(card: Card) -> Iterable[tuple[str, str, str]]:
    for suggestion in card.suggestions or ():
        for action in suggestion.actions or ():
            resource = action.resource
            if action.type != "create" or not isinstance(resource, dict):
                continue
            code: dict[str, Any] = resource["code"] if isinstance(resource.get("code"), dict) else {}
            codings = code["coding"] if isinstance(code.get("coding"), list) else []
            first: dict[str, Any] = codings[0] if codings and isinstance(codings[0], dict) else {}
            text = first.get("display") or code.get("text") or suggestion.label
            yield str(first.get("system", "")), str(first.get("code", "")), str(text)


def is_blood_count(resource: Resource) -> bool:
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return isinstance(codings, list) and any(
        isinstance(c, dict) and c.get("system") == LOINC and c.get("code") in BLOOD_COUNT_CODES
        for c in codings
    )


def is_synthetic(patient: Resource) -> bool:
    identifiers = patient.get("identifier")
    return isinstance(identifiers, list) and any(
        isinstance(i, dict) and "synthea" in str(i.get("system", "")).lower() for i in identifiers
    )


class Replayer:
    """Replays patients one by one into a :class:`Tally`; one per worker process."""

    def __init__(self, plan: ReplayPlan) -> None:
        self.plan = plan
        services = services_of(plan)
        self.chart = [
            ServiceReplay(s, parse_templates(s.prefetch)) for s in services if s.hook == CHART_OPEN_HOOK
        ]
        self.orders = [
            ServiceReplay(s, parse_templates(s.prefetch)) for s in services if s.hook in ORDER_HOOKS
        ]
        self.queries: tuple[LocalQuery, ...] = tuple(
            query for replay in (*self.chart, *self.orders) for query in replay.queries
        )

    def keeps(self, resource: Resource) -> bool:
        """Whether a resource can matter to the replay: a source may drop the rest as it reads."""
        kind = resource.get("resourceType")
        if kind == "Observation" and is_blood_count(resource):
            return True
        if self.orders and kind in ORDER_TYPES:
            return True
        return keeps(self.queries, resource)

    @property
    def wanted_types(self) -> frozenset[str]:
        """The resource types a replay reads; a source need not read any other."""
        types = {q.resource_type for q in self.queries} | {"Patient", "Observation"}
        return frozenset(types | set(ORDER_TYPES) if self.orders else types)

    def server_searches(self) -> dict[str, str]:
        """For each type but Patient, the search parameters that fetch what the replay reads."""
        searches: dict[str, str] = {}
        for kind in sorted(self.wanted_types - {"Patient"}):
            filters = None if self.orders and kind in ORDER_TYPES else server_filter(self.queries, kind)
            if kind == "Observation" and filters is not None:
                counts = [
                    {"resourceType": kind, "code": {"coding": [{"system": LOINC, "code": code}]}}
                    for code in BLOOD_COUNT_CODES
                ]
                if not all(f.matches(count) for f in filters for count in counts):
                    filters = None  # the blood counts that place chart opens must be fetched too
            searches[kind] = search_parameters(filters) if filters else ""
        return searches

    def replay(self, record: PatientRecord, tally: Tally) -> None:
        timeline = Timeline(record, self.queries)
        tally.patients += 1
        if is_synthetic(record.patient):
            tally.synthetic_patients += 1
        if timeline.undated:
            tally.skipped["undated resources left out"] += timeline.undated
        if record.incomplete:
            tally.skipped["patients whose record could not be read whole"] += 1
        opens = self._chart_opens(timeline, tally)
        if opens:
            tally.patients_with_chart_opens += 1
        seen: set[RuleKey] = set()
        for moment in opens:
            self._chart_open(timeline, moment, tally, seen)
        if self.orders:
            for kind in ORDER_TYPES:
                for known, order in timeline.known(kind):
                    self._order_selection(timeline, known, order, tally, seen)
        for rule in seen:
            tally.rule_patients[rule] += 1

    def _chart_opens(self, timeline: Timeline, tally: Tally) -> list[datetime]:
        if self.plan.at:
            birth = timeline.record.patient.get("birthDate")
            # A chart cannot open before its patient was born: an age below 0 (None: no birth date).
            moments = [m for m in self.plan.at if (age_at(birth, m) or 0) >= 0]
            if len(moments) < len(self.plan.at):
                tally.skipped["chart opens before the patient's birth"] += len(self.plan.at) - len(moments)
            return sorted(moments)
        latest_by_day: dict[object, datetime] = {}
        for known, observation in timeline.known("Observation"):
            if is_blood_count(observation):
                day = known.date()
                latest_by_day[day] = max(known, latest_by_day.get(day, known))
        return sorted(moment + CHART_OPEN_DELAY for moment in latest_by_day.values())

    def _chart_open(self, timeline: Timeline, moment: datetime, tally: Tally, seen: set[RuleKey]) -> None:
        band = self._band(timeline, moment)
        tally.chart_opens += 1
        tally.band_chart_opens[band] += 1
        count = sum(
            self._call(replay, timeline, moment, {}, None, band, tally, seen) for replay in self.chart
        )
        self._small_cells(timeline, moment, count, tally)
        tally.cards_per_chart_open[count] += 1
        tally.band_cards[band] += count
        if count:
            tally.band_chart_opens_with_cards[band] += 1

    def _small_cells(self, timeline: Timeline, moment: datetime, cards: int, tally: Tally) -> None:
        """Never silent, audited: a chart open on small cells got a card, or which stated reason."""
        if not self.chart:
            return
        replay = self.chart[0]
        try:
            situation = situation_of(
                prepare(replay.service, self._request(replay, timeline, moment, {}, None), now=moment),
                self.plan.settings.workup,
            )
        except CDSHooksError:
            return  # the call was refused, and the tally says so already
        if picture(situation) is None:
            return
        reason = silence_reason(situation, ())
        tally.small_cells["card" if cards else (reason.value if reason else "silent")] += 1

    def _order_selection(
        self, timeline: Timeline, moment: datetime, order: Resource, tally: Tally, seen: set[RuleKey]
    ) -> None:
        reference = f"{order['resourceType']}/{order.get('id')}"
        # Selected, or about to be signed: a draft, and not yet in the record the service is sent.
        draft = {**order, "status": "draft"}
        signed = {
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}
        }
        band = self._band(timeline, moment)
        for replay in self.orders:
            # order-sign has no selections: the one draft is the order being signed.
            context = (
                {**signed, "selections": [reference]} if replay.service.hook == "order-select" else signed
            )
            self._call(replay, timeline, moment, context, reference, band, tally, seen)

    @staticmethod
    def _band(timeline: Timeline, moment: datetime) -> tuple[str, str]:
        patient = timeline.record.patient
        return age_band(age_at(patient.get("birthDate"), moment)), sex_of(patient.get("gender"))

    def _call(
        self,
        replay: ServiceReplay,
        timeline: Timeline,
        moment: datetime,
        context: dict[str, Any],
        leave_out: str | None,
        band: tuple[str, str],
        tally: Tally,
        seen: set[RuleKey],
    ) -> int:
        """One call of one service; returns the number of cards it answered with."""
        patient_id = timeline.record.patient_id
        call_id = _call_id(replay, timeline, moment, leave_out)
        request = self._request(replay, timeline, moment, context, leave_out)
        tally.calls[replay.service.id] += 1
        try:
            cards = list(invoke(replay.service, request, now=moment).cards)
        except CDSHooksError as error:
            # Only the status and the member: the message may quote the record.
            where = f" at {error.field}" if error.field else ""
            tally.skipped[f"calls of {replay.service.id} refused (HTTP {error.status}{where})"] += 1
            return 0
        privacy = self.plan.privacy
        key = privacy.digest(call_id)
        explanation: str | None = None
        for card in cards:
            rule = (replay.service.id, _rule_of(card), card.indicator)
            tally.rule_cards[rule] += 1
            seen.add(rule)
            for system, code, text in _orders_of(card):
                tally.orders[replay.service.id, system, code, text] += 1
            if not tally.wants_sample(rule, key):
                continue
            if explanation is None:
                explanation = self._explain(replay.service, request, moment)
            tally.sample(
                rule,
                Sample(
                    key=key,
                    service=replay.service.id,
                    rule=rule[1],
                    indicator=rule[2],
                    patient=privacy.patient(patient_id),
                    as_of=privacy.moment(moment),
                    age_band=band[0],
                    sex=band[1],
                    summary=privacy.text(card.summary, patient_id, moment),
                    explanation=privacy.text(explanation, patient_id, moment),
                ),
            )
        return len(cards)

    @staticmethod
    def _request(
        replay: ServiceReplay,
        timeline: Timeline,
        moment: datetime,
        context: dict[str, Any],
        leave_out: str | None,
    ) -> CDSRequest:
        return CDSRequest(
            hook=replay.service.hook,
            hookInstance=str(uuid.uuid5(_NAMESPACE, _call_id(replay, timeline, moment, leave_out))),
            context={"userId": USER, "patientId": timeline.record.patient_id, **context},
            prefetch={q.key: timeline.answer(q, moment, leave_out) for q in replay.queries},
        )

    def _explain(self, service: CDSService, request: CDSRequest, moment: datetime) -> str:
        from service.explain import explain

        return explain(prepare(service, request, now=moment), self.plan.settings.workup, service.id)


def _call_id(replay: ServiceReplay, timeline: Timeline, moment: datetime, leave_out: str | None) -> str:
    return f"{timeline.record.patient_id}|{moment.isoformat()}|{replay.service.id}|{leave_out}"
