"""All findings for one patient, from the normalized labs and the patient context."""

from __future__ import annotations

from service.findings import blood_count, causes, hemoglobins, iron, marrow, treatment, verify
from service.findings.model import Finding, Findings, IronStatus
from service.labs.derived import Derived
from service.labs.panel import Labs
from service.patient.model import PatientContext
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings


def assess(
    labs: Labs, derived: Derived, patient: PatientContext, settings: WorkupSettings = DEFAULT_SETTINGS
) -> Findings:
    notes: list[str] = []
    hb_limit, mcv_limit = blood_count.hb_threshold(patient), blood_count.mcv_threshold(labs, patient)
    anemia, severe = blood_count.anemia(labs, patient, hb_limit, notes)
    inflammation = iron.inflammation(labs)
    status, iron_finding = iron.iron_status(
        labs, patient, inflammation is not None, anemia is not None, notes, derived
    )
    raised, not_raised = hemoglobins.hba2(labs)
    tsat = iron.saturation(labs, derived)  # one reading of the TSAT for the findings on it
    loading = iron.iron_loading(labs, tsat, patient)
    microcytosis = blood_count.microcytosis(labs, patient, mcv_limit, notes)
    erythrocytosis = blood_count.erythrocytosis(labs, patient)
    leukopenia, thrombocytopenia = marrow.leukopenia(labs), marrow.thrombocytopenia(labs)
    cytopenia = marrow.cytopenia(anemia, leukopenia, thrombocytopenia)
    persistent, repeat_pending = marrow.cytopenia_history(labs, patient, hb_limit, cytopenia)
    return Findings(
        implausible_critical=verify.implausible_critical(labs, patient, settings),
        anemia=anemia,
        severe_anemia=severe,
        microcytosis=microcytosis,
        microcytosis_history=blood_count.microcytosis_history(labs, mcv_limit, microcytosis),
        hypochromia=blood_count.hypochromia(labs),
        erythrocytosis=erythrocytosis,
        erythrocytosis_below_action=blood_count.erythrocytosis_below_action(
            labs, patient, erythrocytosis, microcytosis
        ),
        erythrocytosis_persistent=blood_count.erythrocytosis_persistent(labs, patient, erythrocytosis),
        erythrocytosis_repeat_pending=blood_count.erythrocytosis_repeat_pending(
            labs, patient, erythrocytosis
        ),
        erythrocytosis_urgent=blood_count.erythrocytosis_urgent(labs, patient, erythrocytosis),
        high_rbc=blood_count.high_rbc(labs, patient),
        mchc_artifact=_mchc_flag(
            blood_count.mchc_artifact(labs), anemia, microcytosis, erythrocytosis, notes
        ),
        inflammation=inflammation,
        iron_status=status,
        iron=iron_finding,
        tsat_low=iron.tsat_low(tsat),
        tsat_disagrees=_tsat_flag(iron.tsat_disagrees(labs, derived), anemia, microcytosis, status, notes),
        thalassemia_indices=hemoglobins.thalassemia_indices(derived),
        hba2_raised=raised,
        hba2_not_raised=not_raised,
        hba2_variant=hemoglobins.hba2_variant(labs),
        hbs_present=hemoglobins.hbs_present(labs),
        hbf_normal=hemoglobins.hbf_normal(labs, patient, notes),
        tsat_very_low=iron.tsat_very_low(tsat),
        iron_loading=loading,
        ferritin_very_high=iron.ferritin_very_high(labs, tsat, patient, loading),
        no_rise_on_iron=treatment.no_rise_on_iron(labs, patient, settings, notes),
        hb_falling_on_iron=treatment.hb_falling_on_iron(labs, patient, settings),
        leukopenia=leukopenia,
        leukocytosis=marrow.leukocytosis(labs),
        thrombocytosis=marrow.thrombocytosis(labs),
        hbf_raised=hemoglobins.hbf_raised(labs, patient),
        thrombocytopenia=thrombocytopenia,
        cytopenia=cytopenia,
        moderate_cytopenia=marrow.moderate_cytopenia(labs, cytopenia),
        cytopenia_persistent=persistent,
        cytopenia_repeat_pending=repeat_pending,
        cytopenia_on_chemotherapy=marrow.cytopenia_on_chemotherapy(
            labs, patient, cytopenia or leukopenia or thrombocytopenia
        ),
        critical_cytopenia=marrow.critical_cytopenia(labs),
        reticulocyte_response=marrow.reticulocyte_response(derived, anemia),
        hypoxemia=causes.hypoxemia(labs),
        lead_elevated=causes.lead_elevated(labs),
        notes=tuple(notes),
    )


# Where ferritin alone does not decide, the TSAT does (inflammation, IRIDA, sideroblastic, loading).
_TSAT_DECIDES = (IronStatus.REPLETE, IronStatus.POSSIBLE, IronStatus.ON_TREATMENT)


def _tsat_flag(
    flag: Finding | None,
    anemia: Finding | None,
    microcytosis: Finding | None,
    status: IronStatus,
    notes: list[str],
) -> Finding | None:
    """A TSAT that disagrees with iron ÷ TIBC is a card of its own only when a decision rests on the
    TSAT; otherwise it is a note in the detail of whatever card shows the result."""
    if flag is None:
        return None
    if (anemia is not None or microcytosis is not None) and status in _TSAT_DECIDES:
        return flag
    notes.append(flag.statement.rstrip("."))
    return None


def _mchc_flag(
    flag: Finding | None,
    anemia: Finding | None,
    microcytosis: Finding | None,
    erythrocytosis: Finding | None,
    notes: list[str],
) -> Finding | None:
    """An MCHC artifact is a card of its own only when a decision rests on the indices it distorts
    (anemia, small cells, erythrocytosis); otherwise a note in the detail and in ``--explain``."""
    if flag is None:
        return None
    if anemia is not None or microcytosis is not None or erythrocytosis is not None:
        return flag
    notes.append(flag.statement.rstrip("."))
    return None
