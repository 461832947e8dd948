"""Where the test data lives: everything under the repository's fixtures/ folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SPEC_EXAMPLES = FIXTURES / "external" / "cds-hooks-spec-2.0.1"
AHRQ_REQUESTS = FIXTURES / "external" / "ahrq-cql-services-hooks-r4"
FHIR_EXAMPLES = FIXTURES / "external" / "fhir-r4-examples"
SANDBOX_KEYS = FIXTURES / "external" / "sandbox-keys"
