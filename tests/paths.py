"""Where the test data lives: the repository's fixtures/ folder, and the packaged example."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SPEC_EXAMPLES = FIXTURES / "external" / "cds-hooks-spec-2.0.1"
AHRQ_REQUESTS = FIXTURES / "external" / "ahrq-cql-services-hooks-r4"
FHIR_EXAMPLES = FIXTURES / "external" / "fhir-r4-examples"
SANDBOX_KEYS = FIXTURES / "external" / "sandbox-keys"
# The README's example request, as recorded; `microcyte example` prints it dated from today.
EXAMPLE_REQUEST = ROOT / "service" / "examples" / "patient-view-microcytosis.json"
