"""The workup's design defaults: choices of ours, not a guideline's, so a site can change them.

Every field here decides an outcome somewhere; the card that depends on one says so
(docs/workup.md#design-defaults). Guideline thresholds are not settings: they live
beside their citations in ``service.findings.thresholds``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WorkupSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cbc_lookback_days: int = Field(
        90, ge=1, description="How old a blood count (Hb, MCV, RBC, ...) may be and still be used."
    )
    iron_lookback_days: int = Field(
        90, ge=1, description="How old ferritin, iron studies and CRP may be and still be used."
    )
    iron_before_cbc_days: int = Field(
        30,
        ge=0,
        description="How many days before the blood count an iron study may be dated and still explain it.",
    )
    long_lookback_days: int = Field(365, ge=1, description="How old a blood lead or erythropoietin may be.")
    pregnancy_status_lookback_days: int = Field(
        280,
        ge=1,
        description="How old a 'pregnant' status Observation (LOINC 82810-3) may be and still count.",
    )
    postmenopausal_age: int = Field(
        50,
        ge=1,
        description="Age from which a woman with no recorded menopausal status is treated as postmenopausal.",
    )
    reproductive_age_min: int = Field(
        15, ge=0, description="Youngest age offered genetic counselling for a thalassemia trait."
    )
    reproductive_age_max: int = Field(
        49, ge=0, description="Oldest age offered genetic counselling for a thalassemia trait."
    )
    iron_response_max_days: int = Field(
        90,
        ge=14,
        description="Latest day after starting oral iron on which the Hb response is judged (from day 14).",
    )
    repeat_iron_studies_days: int = Field(
        30,
        ge=0,
        description="How recent a ferritin, iron study or CRP makes a new order of it a repeat that adds "
        "nothing (workup-order check), with no iron, transfusion or bleeding since.",
    )
    max_cards: int = Field(3, ge=1, description="Most cards in one response, the most urgent first.")


DEFAULT_SETTINGS = WorkupSettings()
