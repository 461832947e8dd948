"""All findings for one patient, from the normalized labs and the patient context."""

from __future__ import annotations

from service.findings import blood_count, causes, hemoglobins, iron, marrow, treatment, verify
from service.findings.model import Findings
from service.labs.derived import Derived
from service.labs.panel import Labs
from service.patient.model import PatientContext
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings


def assess(
    labs: Labs, derived: Derived, patient: PatientContext, settings: WorkupSettings = DEFAULT_SETTINGS
) -> Findings:
    notes: list[str] = []
    anemia, severe = blood_count.anemia(labs, patient, notes)
    inflammation = iron.inflammation(labs)
    status, iron_finding = iron.iron_status(
        labs, patient, inflammation is not None, anemia is not None, notes
    )
    raised, not_raised = hemoglobins.hba2(labs)
    leukopenia, thrombocytopenia = marrow.leukopenia(labs), marrow.thrombocytopenia(labs)
    return Findings(
        implausible_critical=verify.implausible_critical(labs, patient, settings),
        anemia=anemia,
        severe_anemia=severe,
        microcytosis=blood_count.microcytosis(labs, patient, notes),
        hypochromia=blood_count.hypochromia(labs),
        erythrocytosis=blood_count.erythrocytosis(labs, patient),
        high_rbc=blood_count.high_rbc(labs, patient),
        mchc_artifact=blood_count.mchc_artifact(labs),
        inflammation=inflammation,
        iron_status=status,
        iron=iron_finding,
        tsat_low=iron.tsat_low(labs, derived),
        tsat_disagrees=iron.tsat_disagrees(labs, derived),
        thalassemia_indices=hemoglobins.thalassemia_indices(derived),
        hba2_raised=raised,
        hba2_not_raised=not_raised,
        hba2_variant=hemoglobins.hba2_variant(labs),
        hbs_present=hemoglobins.hbs_present(labs),
        hbf_normal=hemoglobins.hbf_normal(labs, patient, notes),
        tsat_very_low=iron.tsat_very_low(labs, derived),
        iron_loading=iron.iron_loading(labs, derived, patient),
        no_rise_on_iron=treatment.no_rise_on_iron(labs, patient, settings, notes),
        hb_falling_on_iron=treatment.hb_falling_on_iron(labs, patient, settings),
        leukopenia=leukopenia,
        leukocytosis=marrow.leukocytosis(labs),
        thrombocytosis=marrow.thrombocytosis(labs),
        hbf_raised=hemoglobins.hbf_raised(labs, patient),
        thrombocytopenia=thrombocytopenia,
        cytopenia=marrow.cytopenia(anemia, leukopenia, thrombocytopenia),
        critical_cytopenia=marrow.critical_cytopenia(labs),
        reticulocyte_response=marrow.reticulocyte_response(derived, anemia),
        hypoxemia=causes.hypoxemia(labs),
        lead_elevated=causes.lead_elevated(labs),
        notes=tuple(notes),
    )
