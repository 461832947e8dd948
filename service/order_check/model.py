"""What the workup-order check sees besides the situation every rule sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from service.chart.model import Resulted
from service.order_check.drafts import DraftTest


@dataclass(frozen=True)
class OrderReview:
    now: datetime  # when the call was received: "recently" counts back from it
    drafts: tuple[DraftTest, ...]  # the judged draft tests of the workup
    # Keys of the orders the patient-view workup suggests for this same chart: never objected to.
    workup_suggests: frozenset[str] = frozenset()
    coded: Mapping[str, Resulted] = field(default_factory=dict)  # order-only LOINC code -> latest
