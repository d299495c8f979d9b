"""Kept only for :mod:`.forms`, which still imports its limit from here; the
code lives in :mod:`.services.codes`. Delete once forms.py imports
``appraisal.tenants.ballots.services.codes``."""

from appraisal.tenants.ballots.services.codes import MAX_CODES_AT_ONCE

__all__ = ["MAX_CODES_AT_ONCE"]
