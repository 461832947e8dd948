"""Where a replay reads its population: a Bulk Data NDJSON export, a folder of Bundles, a FHIR server."""
