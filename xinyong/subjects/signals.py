"""Signals of the subjects app, for apps that derive state from a subject's records (the
stored points and grades) without the apps that change them importing those."""

from django.dispatch import Signal

# Sent inside the transaction that changed what the platform holds about a subject (a record
# submitted, corrected, withdrawn, repaired, an objection upheld); `subject_id` names it.
subject_changed = Signal()
