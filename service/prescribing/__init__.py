"""The iron-prescribing check of order-select: the selected iron drafts, why iron may not help, the card."""
