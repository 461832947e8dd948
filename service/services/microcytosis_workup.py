"""The ``microcytosis-workup`` service: patient-view, the workup of small red cells.

Only ``Patient`` is required; without labs the answer is simply ``"cards": []``. Iron the
patient takes is read from both MedicationRequest and MedicationStatement: a response to
oral iron is judged from when it started, and an EHR may record iron bought over the
counter only as a statement. Procedures are read for chemotherapy alone: it explains low counts
in the weeks after a cycle.
"""

from __future__ import annotations

from cds_hooks.models import CDSResponse
from cds_hooks.service import HookCall, cds_service
from service.cards.render import OVERRIDE_REASONS, override_codings
from service.services.prefetch import (
    ACTIVE_SERVICE_REQUESTS,
    CONDITIONS,
    MEDICATION_REQUESTS,
    MEDICATION_STATEMENTS,
    OBSERVATIONS,
    PATIENT,
    PROCEDURES,
)
from service.workup import run_workup
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

PREFETCH = {
    "Patient": PATIENT,
    "Observation": OBSERVATIONS,
    "Condition": CONDITIONS,
    "MedicationRequest": MEDICATION_REQUESTS,
    "MedicationStatement": MEDICATION_STATEMENTS,
    "ServiceRequest": ACTIVE_SERVICE_REQUESTS,
    "Procedure": PROCEDURES,
}

DESCRIPTION = (
    "Reviews the latest blood count, iron studies and hemoglobin analysis of the patient on chart open. "
    "For microcytosis or microcytic anemia it suggests the next step of the workup (ferritin and CRP; the "
    "source of iron deficiency; Hb electrophoresis/HPLC for a thalassemia pattern; anemia of inflammation; "
    "the IRIDA and sideroblastic patterns; no response to oral iron), and it flags erythrocytosis, "
    "polycythemia vera masked by iron deficiency, pancytopenia, severe anemia, an elevated blood lead, a "
    "reticulocyte response and results to check. Orders come as draft ServiceRequests coded in LOINC or "
    "SNOMED CT. Cards cite their guideline and list the values used and those left out; at most three, "
    "the most urgent first. A normal blood count, or none, gives no card."
)


@cds_service(
    id="microcytosis-workup",
    hook="patient-view",
    title="Microcytosis workup",
    description=DESCRIPTION,
    prefetch=PREFETCH,
    override_reasons=override_codings(OVERRIDE_REASONS),
)
def microcytosis_workup(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> CDSResponse:
    return CDSResponse(cards=list(run_workup(call, settings).cards))
