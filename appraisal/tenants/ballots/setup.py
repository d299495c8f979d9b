"""Kept only for :mod:`.forms`, which still imports its limits from here; the
code lives in :mod:`.services.settings`. Delete once forms.py imports
``appraisal.tenants.ballots.services.settings``."""

from appraisal.tenants.ballots.services.settings import MAX_GROUP_NAME, MAX_TITLE

__all__ = ["MAX_GROUP_NAME", "MAX_TITLE"]
