"""Anonymity by construction: the ballot tables cannot be joined to the voters,
one ballot per voter even under a burst of simultaneous submissions, and the
close rewrites every ballot under new ids."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import Date, DateTime, Integer, func, inspect, select, text

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Ballot, BallotLine, Evaluation, SealedBallot, Voter
from appraisal.tenants.ballots.services import closing
from tests.tenants.ballots.conftest import (
    group_id,
    make_evaluation,
    opened_lines,
    sealed_count,
    sheet_ids,
    vote,
    voter_id,
)

LINKING_WORDS = (
    "voter",
    "person",
    "user",
    "people",
    "staff",
    "code",
    "label",
    "seq",
    "order",
    "serial",
    "created",
    "updated",
    "time",
    "_at",
    "ip",
    "addr",
    "session",
    "token",
    "by",
)


def _columns(table: str):
    return inspect(db.engine).get_columns(table)


def test_ballot_tables_have_no_linking_column(app):
    for table, allowed in (
        ("ballots", {"id", "tenant_id", "evaluation_id", "rater_group_id", "cast_on"}),
        # lines carry no ballot id: grouped, a ballot skipping its voter's own line would name the voter
        ("ballot_lines", {"id", "tenant_id", "evaluation_id", "rater_group_id", "appraisee_id", "score"}),
        ("sealed_ballots", {"id", "tenant_id", "evaluation_id", "sealed"}),
        # reasons for extreme scores: like lines, no ballot id
        ("ballot_reasons", {"id", "tenant_id", "evaluation_id", "rater_group_id", "appraisee_id", "score", "reason"}),
    ):
        columns = {c["name"]: c for c in _columns(table)}
        assert set(columns) == allowed, table
        for name, column in columns.items():
            assert not any(word in name for word in LINKING_WORDS), f"{table}.{name}"
            # no datetime: the only time is a date (the day)
            assert not isinstance(column["type"], DateTime), f"{table}.{name}"
            if "date" in type(column["type"]).__name__.lower() or name == "cast_on":
                assert isinstance(column["type"], Date), f"{table}.{name}"
        # no integer, autoincrementing primary key: the id is random text
        pk = inspect(db.engine).get_pk_constraint(table)["constrained_columns"]
        assert pk == ["id"]
        assert not isinstance(columns["id"]["type"], Integer), table
        if table == "sealed_ballots":
            assert not any(isinstance(c["type"], Date) for c in columns.values())
        assert columns["id"]["type"].length == 32
        assert columns["id"].get("autoincrement") in (False, "auto", None)
        # nothing points at voters, people or users
        targets = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys(table)}
        assert not targets & {"voters", "people", "users", "login_sessions", "audit_entries"}, table
    # the voters table, for its part, holds nothing about a ballot
    voters = {c["name"] for c in _columns("voters")}
    assert not any("ballot" in name or "score" in name for name in voters)
    assert {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("voters")}.isdisjoint(
        {"ballots", "ballot_lines"}
    )
    assert isinstance({c["name"]: c for c in _columns("voters")}["voted_on"]["type"], Date)


def test_a_ballot_row_is_random_id_group_and_day_only(city):
    eid = make_evaluation(city)
    vote(city, eid, "staff1", 88)
    with tenant_scope(city.tenant):
        # while voting is open the ballot is sealed: no plain row yet (it is read after the close)
        assert db.session.scalars(select(Ballot)).all() == [] and sealed_count(eid) == 1
        services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.commit()
        ballot = db.session.scalars(select(Ballot)).one()
        assert len(ballot.id) == 32 and int(ballot.id, 16) >= 0
        assert type(ballot.cast_on) is date
        lines = db.session.scalars(select(BallotLine)).all()
        assert {len(line.id) for line in lines} == {32}
        assert len({line.id for line in lines} | {ballot.id}) == len(lines) + 1
        voter = db.session.get(Voter, voter_id(city, eid, "staff1"))
        assert voter.has_voted and voter.voted_on == ballot.cast_on


def test_casting_writes_no_audit_entry(city):
    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    vote(city, eid, "staff1")
    with tenant_scope(city.tenant):
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def _race_app(app_factory, database):
    options = {"pool_pre_ping": True, "pool_size": 20, "max_overflow": 40, "pool_timeout": 60}
    if database["kind"] == "sqlite":
        options["connect_args"] = {"timeout": 30}  # wait for the write lock instead of failing
    return app_factory(SQLALCHEMY_ENGINE_OPTIONS=options)


def test_fifty_simultaneous_submissions_by_one_voter_give_one_ballot(city, app_factory, database):
    eid = make_evaluation(city)
    vid = voter_id(city, eid, "staff2")
    answers = {aid: 75 for aid in sheet_ids(city, eid, vid)}
    tenant_id = city.tenant.id
    db.session.commit()
    db.session.remove()
    racing = _race_app(app_factory, database)
    barrier = threading.Barrier(50)

    def submit(i: int) -> str:
        with racing.app_context():
            try:
                with tenant_scope(tenant_id):
                    barrier.wait(timeout=60)
                    services.cast_ballot(vid, {k: v + (i % 5) for k, v in answers.items()})
                return "cast"
            except services.AlreadyVoted:
                return "refused"
            except Exception as exc:
                return f"error: {exc!r}"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(submit, range(50)))

    assert outcomes.count("cast") == 1, outcomes
    assert outcomes.count("refused") == 49, outcomes
    with tenant_scope(city.tenant):
        db.session.expire_all()
        # counted in the sealed pool: there are no plain ballot rows while voting is open
        assert sealed_count(eid) == 1
        assert len(opened_lines(eid)) == len(answers)
        voter = db.session.get(Voter, vid)
        assert voter.has_voted is True
        assert db.session.get(Evaluation, eid).settings_frozen is True


def test_simultaneous_different_voters_all_count(city, app_factory, database):
    """The guard serialises one voter, not the meeting: six staff at once, six ballots."""
    eid = make_evaluation(city)
    keys = [f"staff{i}" for i in range(1, 7)]
    jobs = [(voter_id(city, eid, k), {aid: 60 for aid in sheet_ids(city, eid, voter_id(city, eid, k))}) for k in keys]
    tenant_id = city.tenant.id
    db.session.remove()
    racing = _race_app(app_factory, database)
    barrier = threading.Barrier(len(jobs) * 3)

    def submit(job) -> str:
        vid, answers = job
        with racing.app_context():
            try:
                with tenant_scope(tenant_id):
                    barrier.wait(timeout=60)
                    services.cast_ballot(vid, answers)
                return "cast"
            except services.AlreadyVoted:
                return "refused"
            except Exception as exc:
                return f"error: {exc!r}"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs) * 3) as pool:
        outcomes = list(pool.map(submit, jobs * 3))  # each voter three times at once
    assert outcomes.count("cast") == 6 and outcomes.count("refused") == 12, outcomes
    with tenant_scope(city.tenant):
        assert sealed_count(eid) == 6  # sealed while voting is open


def test_closing_rewrites_every_ballot_under_new_ids_in_random_order(city):
    eid = make_evaluation(city)
    for i, key in enumerate(["staff1", "staff2", "staff3", "staff4", "staff5", "deputy1", "principal"]):
        vote(city, eid, key, 60 + i)
    with tenant_scope(city.tenant):
        # before the close the ballots are sealed: read them by opening the pool
        before_ballots = set(db.session.scalars(select(SealedBallot.id)))
        content_before = sorted(opened_lines(eid))
        before_lines = content_before
        evaluation = db.session.get(Evaluation, eid)
        assert services.close_evaluation(evaluation) == 7
        db.session.commit()
        after = {b.id: (b.rater_group_id, b.cast_on) for b in db.session.scalars(select(Ballot))}
        after_lines = db.session.execute(
            select(BallotLine.id, BallotLine.rater_group_id, BallotLine.appraisee_id, BallotLine.score)
        ).all()
        # new ids everywhere, none of the old ones left
        assert len(after) == 7 and not set(after) & before_ballots
        assert db.session.scalar(select(func.count()).select_from(SealedBallot)) == 0
        assert not {line.id for line in after_lines} & set(after)
        # the same votes: group, appraisee and score are kept (lines are kept per group, not per ballot)
        assert sorted((line.rater_group_id, line.appraisee_id, line.score) for line in after_lines) == content_before
        # one ballots row per ballot, with its group: five staff, a deputy and the principal
        assert sorted(g for g, _d in after.values()) == sorted(
            [group_id(city, eid, "staff")] * 5 + [group_id(city, eid, "deputy"), group_id(city, eid, "principal")]
        )
        # and the day is the closing day for every ballot
        assert {cast_on for _g, cast_on in after.values()} == {evaluation.closed_on}
        assert len(after_lines) == len(before_lines)


def test_closing_writes_the_copies_in_shuffled_order(city, monkeypatch, database):
    """The copies go in in the order the shuffle gives, so the table's physical
    order no longer follows the order of casting (or any index)."""
    eid = make_evaluation(city)
    for key in ("staff1", "deputy1", "principal"):
        vote(city, eid, key, 70)
    shuffled: list[list] = []

    class Rotating:  # a stand-in for SystemRandom: a known permutation, recorded
        def shuffle(self, items):
            items.append(items.pop(0))
            shuffled.append(list(items))

    monkeypatch.setattr(closing.secrets, "SystemRandom", Rotating)
    physical = "rowid" if database["kind"] == "sqlite" else "ctid"
    query = text(f"SELECT rater_group_id FROM ballots WHERE tenant_id = :t ORDER BY {physical}")
    with tenant_scope(city.tenant):
        # the ballots are sealed until the close: their groups, from the opened pool
        cast_order = [g for g, _lines in closing.sealing.open_all(db.session.get(Evaluation, eid))]
        services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.commit()
        after = db.session.scalars(query, {"t": city.tenant.id}).all()
    assert len(shuffled) == 2  # the ballots, then all their lines
    assert after == [b["rater_group_id"] for b in shuffled[0]]
    assert sorted(after) == sorted(cast_order)
    lines = sum(len(sheet_ids(city, eid, voter_id(city, eid, k))) for k in ("staff1", "deputy1", "principal"))
    assert len(shuffled[1]) == lines
