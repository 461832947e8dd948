"""Every order a card can suggest, with its verified code (docs/workup.md#orders).

An order without a verified code (alpha-globin gene analysis) is ordered by text only: a
wrong code is worse than none. Each order also says what counts as "already done", so no
card suggests a test resulted in its window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from service.labs.analytes import LOINC, SNOMED, Window


@dataclass(frozen=True, eq=False)
class Order:
    """One order of the catalogue below, named by its key: every key names a single order."""

    key: str
    text: str  # ServiceRequest.code.text, and the suggestion's label
    system: str = LOINC
    code: str | None = None  # None: no verified code, ordered by text
    display: str | None = None
    # Done when every analyte of any one group has a usable result in its window.
    done_by: tuple[tuple[str, ...], ...] = ()
    # Done when an Observation with one of these LOINC codes is on record within ``done_window``.
    done_codes: tuple[str, ...] = ()
    done_window: Window = Window.LONG
    condition: str | None = None  # when it applies, shown with the suggestion ("if the patient smokes")

    # Compared and hashed by key alone, as claims already name an order (rules name tables and
    # cards look orders up by them): a hash of every field, an enum's among them, cost twice as much.
    def __eq__(self, other: object) -> bool:
        return other.key == self.key if isinstance(other, Order) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)


FERRITIN = Order(
    "ferritin",
    "Ferritin",
    code="2276-4",
    display="Ferritin [Mass/volume] in Serum or Plasma",
    done_by=(("ferritin",),),
)
CRP = Order(
    "crp",
    "C-reactive protein",
    code="1988-5",
    display="C reactive protein [Mass/volume] in Serum or Plasma",
    done_by=(("crp",),),
)
IRON_PANEL = Order(
    "iron-panel",
    "Iron panel (iron, TIBC, transferrin saturation)",
    code="50190-8",
    display="Iron and Iron binding capacity panel - Serum or Plasma",
    done_by=(("tsat",), ("iron", "tibc")),
)
SOLUBLE_TRANSFERRIN_RECEPTOR = Order(
    "stfr",
    "Soluble transferrin receptor (sTfR)",
    code="30248-9",
    display="Transferrin receptor.soluble [Mass/volume] in Serum or Plasma",
    done_by=(("stfr",), ("stfr_index",)),
)
TTG_IGA = Order(
    "ttg-iga",
    "Tissue transglutaminase IgA (celiac serology)",
    code="31017-7",
    display="Tissue transglutaminase IgA Ab [Units/volume] in Serum",
    done_codes=("31017-7",),
)
TOTAL_IGA = Order(
    "total-iga",
    "Total IgA",
    code="2458-8",
    display="IgA [Mass/volume] in Serum or Plasma",
    done_codes=("2458-8",),
)
GI_REFERRAL = Order(
    "gi-referral",
    "Gastroenterology referral for bidirectional endoscopy (colonoscopy and EGD)",
    system=SNOMED,
    code="308476000",
    display="Referral to gastroenterologist",
)
BLOOD_LEAD = Order(
    "blood-lead",
    "Blood lead, venous",
    code="77307-7",
    display="Lead [Mass/volume] in Venous blood",
    done_by=(("lead",),),
)
HB_HPLC = Order(
    "hb-hplc",
    "Hemoglobin electrophoresis/HPLC (HbA2, HbF)",
    code="43113-0",
    display="Hemoglobin electrophoresis panel in Blood",
    done_by=(("hba2",),),
)
GENETIC_COUNSELLING = Order(
    "genetic-counselling",
    "Genetic counselling",
    system=SNOMED,
    code="306250006",
    display="Referral to genetic counselor",
)
ALPHA_GLOBIN_GENES = Order("alpha-globin-genes", "Alpha-globin gene analysis")
# Iron loading (EASL 2022): no verified code for either, so both are ordered by text.
HFE_GENOTYPING = Order("hfe-genotyping", "HFE genotyping (C282Y, H63D)")
LIVER_TESTS = Order("liver-tests", "Liver tests (ALT, AST, bilirubin, albumin)")
JAK2_V617F = Order(
    "jak2",
    "JAK2 V617F mutation",
    code="43399-5",
    done_codes=("43399-5",),
    done_window=Window.ANY,  # a lifelong result: never suggested again because it is old
)
ERYTHROPOIETIN = Order(
    "epo",
    "Erythropoietin",
    code="15061-5",
    display="Erythropoietin (EPO) [Units/volume] in Serum or Plasma",
    done_by=(("epo",),),
)
HEMATOLOGY_REFERRAL = Order(
    "hematology-referral",
    "Hematology referral",
    system=SNOMED,
    code="183567007",
    display="Referral to hematologist",
)

SPO2 = Order("spo2", "Pulse oximetry (SpO2)", code="59408-5", done_by=(("spo2",),))
CARBOXYHEMOGLOBIN = Order(
    "cohb",
    "Carboxyhemoglobin (COHb)",
    code="20563-3",
    done_by=(("cohb",),),
    condition="if the patient smokes",
)
BLOOD_SMEAR = Order(
    "smear", "Peripheral blood smear review", code="34994-4", done_codes=("34994-4",), done_window=Window.CBC
)
VITAMIN_B12 = Order("b12", "Vitamin B12", code="2132-9", done_codes=("2132-9",), done_window=Window.CBC)
FOLATE = Order("folate", "Folate", code="2284-8", done_codes=("2284-8",), done_window=Window.CBC)
COPPER = Order("copper", "Copper", code="5631-7", done_codes=("5631-7",))
CERULOPLASMIN = Order("ceruloplasmin", "Ceruloplasmin", code="2064-4", done_codes=("2064-4",))
ZINC = Order("zinc", "Zinc", code="5763-8", done_codes=("5763-8",))
H_PYLORI = Order("h-pylori", "Helicobacter pylori stool antigen", code="17780-8", done_codes=("17780-8",))
LDH = Order(
    "ldh", "Lactate dehydrogenase (LDH)", code="2532-0", done_codes=("2532-0",), done_window=Window.CBC
)
HAPTOGLOBIN = Order(
    "haptoglobin", "Haptoglobin", code="4542-7", done_codes=("4542-7",), done_window=Window.CBC
)
# An elevated lead is followed by a venous one, so a result on record does not make it done.
BLOOD_LEAD_FOLLOW_UP = Order(
    "blood-lead-follow-up",
    "Blood lead, venous (follow-up)",
    code="77307-7",
    display="Lead [Mass/volume] in Venous blood",
)

# Every order a card can suggest: the tests the workup-order check recognises in a draft.
CATALOGUE: tuple[Order, ...] = (
    FERRITIN,
    CRP,
    IRON_PANEL,
    SOLUBLE_TRANSFERRIN_RECEPTOR,
    TTG_IGA,
    TOTAL_IGA,
    GI_REFERRAL,
    BLOOD_LEAD,
    HB_HPLC,
    GENETIC_COUNSELLING,
    ALPHA_GLOBIN_GENES,
    HFE_GENOTYPING,
    LIVER_TESTS,
    JAK2_V617F,
    ERYTHROPOIETIN,
    HEMATOLOGY_REFERRAL,
    SPO2,
    CARBOXYHEMOGLOBIN,
    BLOOD_SMEAR,
    VITAMIN_B12,
    FOLATE,
    COPPER,
    CERULOPLASMIN,
    ZINC,
    H_PYLORI,
    LDH,
    HAPTOGLOBIN,
    BLOOD_LEAD_FOLLOW_UP,
)
# The LOINC result codes the workup looks up only to know whether an order is already done,
# with how long such a result counts.
DONE_CODES: Mapping[str, Window] = MappingProxyType(
    {code: order.done_window for order in CATALOGUE for code in order.done_codes}
)
