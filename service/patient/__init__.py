"""The patient context the workup reasons in: age, sex, pregnancy, menopause, diagnoses, iron, orders."""
