"""Findings: what the labs show for this patient, each against a cited threshold."""
