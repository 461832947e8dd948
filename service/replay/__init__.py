"""Shadow mode: replay a population's records and report what Microcyte would have said.

A CDS governance committee turns a rule on only after it has seen what the rule would do to its
clinicians. ``microcyte replay`` reads a FHIR export (NDJSON, Bundles or a FHIR server), opens each
patient's chart as of the day after each blood count with the record cut at that moment, runs the
services ``microcyte serve`` would run through :func:`cds_hooks.handling.invoke`, and counts the
cards. The workup is a pure pipeline, so a replay is the service's own answer, not a model of it.

The package drives the services only through their public edges (the registry, the CDS Hooks
request and response): the workup's internals are not imported here.
"""
