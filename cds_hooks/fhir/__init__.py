"""Fetching what a client did not prefetch from the FHIR server it named (``fhirServer``)."""
