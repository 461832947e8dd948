"""The prefetch templates both services share, named after the resource type they hold.

Naming keys after their resource type is the convention of the AHRQ CQL Services and of
Synthea-based clients, so those clients' requests fit unchanged. The Observation query asks
for exactly the LOINC codes the workup reads: every analyte, the pregnancy status, and the
results that only tell whether a suggested order is already done.
"""

from __future__ import annotations

from cds_hooks.prefetch import PrefetchTemplate
from service.cards.orders import DONE_CODES
from service.labs.analytes import ANALYTES, LOINC
from service.patient.conditions import PREGNANCY_STATUS

# A year of labs fits: a patient with a blood count every week has about 30 codes x 52.
OBSERVATION_COUNT = 500
RESULT_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [code for analyte in ANALYTES.values() for code in analyte.codes]
        + [PREGNANCY_STATUS, *sorted(DONE_CODES)]
    )
)

PATIENT = PrefetchTemplate("Patient/{{context.patientId}}", required=True)
OBSERVATIONS = PrefetchTemplate(
    "Observation?patient={{context.patientId}}&code="
    + ",".join(f"{LOINC}|{code}" for code in RESULT_CODES)
    + f"&_sort=-date&_count={OBSERVATION_COUNT}"
)
CONDITIONS = PrefetchTemplate("Condition?patient={{context.patientId}}")
MEDICATION_REQUESTS = PrefetchTemplate("MedicationRequest?patient={{context.patientId}}")
MEDICATION_STATEMENTS = PrefetchTemplate("MedicationStatement?patient={{context.patientId}}")
# Chemotherapy in the weeks before a count explains its cytopenias: the newest hundred procedures
# reach back further than that for any patient.
PROCEDURE_COUNT = 100
PROCEDURES = PrefetchTemplate(
    "Procedure?patient={{context.patientId}}" + f"&_sort=-date&_count={PROCEDURE_COUNT}"
)
ACTIVE_SERVICE_REQUESTS = PrefetchTemplate("ServiceRequest?patient={{context.patientId}}&status=active")
