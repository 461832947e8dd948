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
    tsat = iron.saturation(labs, derived)  # one reading of the TSAT for the three findings on it
    microcytosis = blood_count.microcytosis(labs, patient, mcv_limit, notes)
    erythrocytosis = blood_count.erythrocytosis(labs, patient)
    below_action, persistent_ery, repeat_pending_ery, urgent = _erythrocytosis_course(
        labs, patient, erythrocytosis, microcytosis
    )
    # The notes in the order the findings that write them were always asked.
    mchc = _mchc_flag(blood_count.mchc_artifact(labs), anemia, microcytosis, erythrocytosis, notes)
    disagrees = _tsat_flag(iron.tsat_disagrees(labs, derived), anemia, microcytosis, status, notes)
    raised, not_raised, variant, hbs, hbf_normal, hbf_raised = _hemoglobin_analysis(labs, patient, notes)
    no_rise, falling = _response_to_iron(labs, patient, settings, notes)
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
        erythrocytosis_below_action=below_action,
        erythrocytosis_persistent=persistent_ery,
        erythrocytosis_repeat_pending=repeat_pending_ery,
        erythrocytosis_urgent=urgent,
        high_rbc=blood_count.high_rbc(labs, patient),
        mchc_artifact=mchc,
        inflammation=inflammation,
        iron_status=status,
        iron=iron_finding,
        tsat_low=iron.tsat_low(tsat),
        tsat_disagrees=disagrees,
        thalassemia_indices=hemoglobins.thalassemia_indices(derived),
        hba2_raised=raised,
        hba2_not_raised=not_raised,
        hba2_variant=variant,
        hbs_present=hbs,
        hbf_normal=hbf_normal,
        tsat_very_low=iron.tsat_very_low(tsat),
        iron_loading=iron.iron_loading(labs, tsat, patient),
        no_rise_on_iron=no_rise,
        hb_falling_on_iron=falling,
        leukopenia=leukopenia,
        leukocytosis=marrow.leukocytosis(labs),
        thrombocytosis=marrow.thrombocytosis(labs),
        hbf_raised=hbf_raised,
        thrombocytopenia=thrombocytopenia,
        cytopenia=cytopenia,
        moderate_cytopenia=marrow.moderate_cytopenia(labs, cytopenia),
        cytopenia_persistent=persistent,
        cytopenia_repeat_pending=repeat_pending,
        critical_cytopenia=marrow.critical_cytopenia(labs),
        reticulocyte_response=marrow.reticulocyte_response(derived, anemia),
        hypoxemia=causes.hypoxemia(labs),
        lead_elevated=causes.lead_elevated(labs),
        notes=tuple(notes),
    )


# Most charts have no erythrocytosis, no hemoglobin analysis and no iron prescribed: each group of
# findings below is skipped as a whole on the one fact it rests on, not asked finding by finding.

_NO_COURSE: tuple[None, None, None, None] = (None, None, None, None)


def _erythrocytosis_course(
    labs: Labs, patient: PatientContext, found: Finding | None, microcytosis: Finding | None
) -> tuple[Finding | None, Finding | None, Finding | None, Finding | None]:
    """(below the action level, persistent, repeat pending, urgent): each needs an erythrocytosis."""
    if found is None:
        return _NO_COURSE
    return (
        blood_count.erythrocytosis_below_action(labs, patient, found, microcytosis),
        blood_count.erythrocytosis_persistent(labs, patient, found),
        blood_count.erythrocytosis_repeat_pending(labs, patient, found),
        blood_count.erythrocytosis_urgent(labs, patient, found),
    )


_NO_HB_ANALYSIS: tuple[None, None, None, None, None, None] = (None, None, None, None, None, None)


def _hemoglobin_analysis(
    labs: Labs, patient: PatientContext, notes: list[str]
) -> tuple[Finding | None, Finding | None, Finding | None, Finding | None, Finding | None, Finding | None]:
    """(HbA2 raised, HbA2 not raised, HbA2 variant, HbS, HbF normal, HbF raised): each reads one of
    the hemoglobin analysis results, and a chart without any gives none of them (nor a note)."""
    if labs.get("hba2") is None and labs.get("hbs") is None and labs.get("hbf") is None:
        return _NO_HB_ANALYSIS
    raised, not_raised = hemoglobins.hba2(labs)
    return (
        raised,
        not_raised,
        hemoglobins.hba2_variant(labs),
        hemoglobins.hbs_present(labs),
        hemoglobins.hbf_normal(labs, patient, notes),
        hemoglobins.hbf_raised(labs, patient),
    )


def _response_to_iron(
    labs: Labs, patient: PatientContext, settings: WorkupSettings, notes: list[str]
) -> tuple[Finding | None, Finding | None]:
    """(no rise on oral iron, hemoglobin falling on iron): both judge an iron prescription."""
    if not patient.iron_prescriptions:
        return None, None
    return (
        treatment.no_rise_on_iron(labs, patient, settings, notes),
        treatment.hb_falling_on_iron(labs, patient, settings),
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
