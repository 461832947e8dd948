"""The ``microcytosis-workup`` service: patient-view, the workup of small red cells.

The prefetch keys are named after the resource type they hold, the convention of the AHRQ
CQL Services and of Synthea-based clients, so those clients' requests fit unchanged. Only
``Patient`` is required; without labs the answer is simply ``"cards": []``.
"""

from __future__ import annotations

from cds_hooks.models import CDSResponse
from cds_hooks.prefetch import PrefetchTemplate
from cds_hooks.service import CDSService, HookCall, cds_service
from service.cards.orders import DONE_CODES
from service.labs.analytes import ANALYTES, LOINC
from service.patient.conditions import PREGNANCY_STATUS
from service.workup import run_workup
from service.workup_settings import WorkupSettings

# A year of labs fits: a patient with a blood count every week has about 30 codes x 52.
OBSERVATION_COUNT = 500
RESULT_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [code for analyte in ANALYTES.values() for code in analyte.codes]
        + [PREGNANCY_STATUS, *sorted(DONE_CODES)]
    )
)

PREFETCH = {
    "Patient": PrefetchTemplate("Patient/{{context.patientId}}", required=True),
    "Observation": PrefetchTemplate(
        "Observation?patient={{context.patientId}}&code="
        + ",".join(f"{LOINC}|{code}" for code in RESULT_CODES)
        + f"&_sort=-date&_count={OBSERVATION_COUNT}"
    ),
    "Condition": PrefetchTemplate("Condition?patient={{context.patientId}}"),
    "MedicationRequest": PrefetchTemplate("MedicationRequest?patient={{context.patientId}}"),
    "ServiceRequest": PrefetchTemplate("ServiceRequest?patient={{context.patientId}}&status=active"),
}

DESCRIPTION = (
    "Reviews the latest blood count, iron studies and hemoglobin analysis of the patient on chart open. "
    "For microcytosis or microcytic anemia it suggests the next step of the workup (ferritin and CRP; the "
    "source of iron deficiency; Hb electrophoresis/HPLC for a thalassemia pattern; anemia of inflammation), "
    "as draft ServiceRequests coded in LOINC or SNOMED CT. Cards cite their guideline and list the values "
    "used and those left out. A normal blood count, or none, gives no card."
)


def build_microcytosis_workup(settings: WorkupSettings) -> CDSService:
    @cds_service(
        id="microcytosis-workup",
        hook="patient-view",
        title="Microcytosis workup",
        description=DESCRIPTION,
        prefetch=PREFETCH,
    )
    def microcytosis_workup(call: HookCall) -> CDSResponse:
        return CDSResponse(cards=list(run_workup(call, settings).cards))

    return microcytosis_workup
