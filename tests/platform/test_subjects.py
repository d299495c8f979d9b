"""The subject registry: a feature's models hold columns; what the permission
rules judge for them is registered with the permissions module."""

from __future__ import annotations

from types import SimpleNamespace

from appraisal.platform import permissions
from appraisal.platform.permissions import register_subject, subject_of


class _File:
    def __init__(self, owner):
        self.owner_ = owner


class _Claim:
    user_id = None


def test_subject_of_follows_registered_subjects(monkeypatch):
    monkeypatch.setattr(permissions, "_SUBJECTS", {})
    judged = SimpleNamespace(unit_path="/7/", user_id=3)
    register_subject(_Claim, lambda claim: judged)
    register_subject(_File, lambda f: f.owner_)
    # a file is judged as its owner, and the owner (a registered model) as its subject
    assert subject_of(_File(_Claim())) is judged
    assert subject_of(_Claim()) is judged
    plain = SimpleNamespace(unit_path="/1/")
    assert subject_of(plain) is plain  # unregistered objects are judged as themselves


def test_scoring_models_hold_no_permission_properties(app):
    """Scores, claims, vetoes, self-reports and files expose no unit paths of their
    own: scoring's services register what the rules judge for them."""
    from appraisal.tenants.evidence.models import Evidence
    from appraisal.tenants.scoring.models import AdjustmentClaim, Score, SelfReport, Veto

    for model in (Score, AdjustmentClaim, Veto, SelfReport, Evidence):
        for name in ("unit_path", "user_id", "assessor_unit_id", "owner_path", "owner"):
            assert not hasattr(model, name), (model.__name__, name)
        assert model in permissions._SUBJECTS, model.__name__
