"""Whose resource is it: the forms a FHIR Reference to the patient takes."""

import pytest

from service.references import patient_id_of


@pytest.mark.parametrize(
    ("reference", "patient"),
    [
        ({"reference": "Patient/123"}, "123"),
        ({"reference": "https://ehr.example.org/fhir/Patient/123"}, "123"),
        ({"reference": "Patient/123/_history/2"}, "123"),
        ({"reference": "Patient/"}, None),
        ({"reference": "Group/7"}, None),
        ({"reference": ""}, None),
        ({"display": "Jane"}, None),
        ("Patient/123", None),
    ],
)
def test_the_patient_a_reference_names(reference: object, patient: str | None) -> None:
    assert patient_id_of(reference) == patient
