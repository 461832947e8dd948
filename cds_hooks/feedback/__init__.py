"""Durable storage of CDS Hooks feedback, and the override statistics governance teams read.

The store keeps what a card was (its rule and indicator) and what the clinician did with it,
never who the patient was: these tables outlive any patient context, so nothing in them may
identify one. ``cds_hooks.feedback.plot`` is left out of this namespace on purpose: it pulls
in matplotlib, which a server answering hooks never needs.
"""

from cds_hooks.feedback.database import StorageError
from cds_hooks.feedback.report import (
    ReasonCount,
    RuleStats,
    WeekRate,
    as_csv,
    as_json,
    as_table,
    rule_statistics,
    weekly_override_rates,
)
from cds_hooks.feedback.settings import StorageSettings
from cds_hooks.feedback.store import FeedbackStore

__all__ = [
    "FeedbackStore",
    "ReasonCount",
    "RuleStats",
    "StorageError",
    "StorageSettings",
    "WeekRate",
    "as_csv",
    "as_json",
    "as_table",
    "rule_statistics",
    "weekly_override_rates",
]
