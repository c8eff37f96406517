"""Signals of the policies app. Apps that derive state from the rules in force (the lists)
listen, so that policies never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that changed which packs are in force on which days (a
# pack loaded, an ending event recorded or corrected); `packs` names the pack ids touched.
rules_changed = Signal()
