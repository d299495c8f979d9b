"""The sealed pool (ballots encrypted while voting is open, opened at the close)
and known-voter groups (a group below the minimum size, kept only after the
office confirms that its voters are identifiable)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from appraisal.platform.audit import AuditEntry
from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Ballot, BallotKey, BallotLine, Evaluation, RaterGroup, SealedBallot, Voter
from appraisal.tenants.ballots.services import sealing, tallies
from tests.tenants.ballots.conftest import (
    appraisee_of,
    group_id,
    make_evaluation,
    opened_lines,
    recorded_statements,
    sealed_count,
    sheet_ids,
    vote,
    voter_id,
)

# ---------------------------------------------------------------------------
# The sealed pool
# ---------------------------------------------------------------------------


def test_a_cast_ballot_is_one_opaque_row_of_one_length(city):
    eid = make_evaluation(city)
    vote(city, eid, "staff1", 77)
    vote(city, eid, "principal", 91)  # an appraisee himself: one line fewer than staff1
    vote(city, eid, "deputy1", 66)  # likewise
    with tenant_scope(city.tenant):
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        rows = db.session.scalars(select(SealedBallot)).all()
        assert len(rows) == 3
        for row in rows:
            assert b'"l":[[' not in row.sealed
        assert len({len(row.sealed) for row in rows}) == 1  # size says nothing about group or sheet
        assert db.session.scalar(select(func.count()).select_from(BallotKey)) == 1
        assert sorted({s for _g, _a, s in opened_lines(eid)}) == [Decimal(66), Decimal(77), Decimal(91)]


def test_casting_a_ballot_reads_the_population_and_the_key_once(city, app):
    """The cast is voting's hot path: the sheet's appraisees give the padded
    length too (no second look at the population), the key row is read once,
    and the self-reports (shown on the sheet, not needed to check it) are not read."""
    eid = make_evaluation(city)
    vid = voter_id(city, eid, "staff1")
    answers = {aid: 80 for aid in sheet_ids(city, eid, vid)}
    with recorded_statements(app) as statements, tenant_scope(city.tenant):
        services.cast_ballot(vid, answers)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not any("self_reports" in s for s in reads)
    assert sum("FROM appraisees" in s for s in reads) == 1
    assert sum("FROM ballot_keys" in s for s in reads) == 1
    assert len(statements) <= 10, statements
    with tenant_scope(city.tenant):
        assert {s for _g, _a, s in opened_lines(eid)} == {Decimal(80)}


def test_a_cast_through_the_screens_reads_the_population_once(city, app, as_role):
    """A successful POST of the ballot page (with an account, or with a code)
    does not build the sheet it will not show: one read of the population (the
    cast's own), no self-reports."""
    eid = make_evaluation(city)
    staff = as_role("staff")
    answers = {f"score-{aid}": "80" for aid in sheet_ids(city, eid, voter_id(city, eid, "staff1"))}
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        outside = services.rater_group(evaluation, group_id(city, eid, "outside"))
        slip = services.generate_codes(evaluation, outside, 3)[0]  # a group of the minimum size
        db.session.commit()
    code_answers = {f"score-{aid}": "75" for aid in sheet_ids(city, eid, code_voter_id(city, slip.label))}
    for client, url, data in (
        (staff, f"/t/city/my-evaluations/{eid}", answers),
        (app.test_client(), "/t/city/vote", {"code": slip.code, "cast": "1", **code_answers}),
    ):
        with recorded_statements(app) as statements:
            response = client.post(url, data=data)
        assert response.status_code in (200, 303), response.get_data(as_text=True)
        assert not any("FROM self_reports" in s for s in statements), url
        assert sum("FROM appraisees" in s for s in statements) == 1, url
    with tenant_scope(city.tenant):
        assert sorted({s for _g, _a, s in opened_lines(eid)}) == [Decimal(75), Decimal(80)]


def code_voter_id(world, label: str) -> int:
    with tenant_scope(world.tenant):
        return db.session.scalar(select(Voter.id).where(Voter.label == label))


def test_the_key_is_useless_without_the_servers_secret(city, app):
    eid = make_evaluation(city)
    vote(city, eid, "staff1", 80)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        app.config["SECRET_KEY"], kept = "another-secret", app.config["SECRET_KEY"]
        try:
            with pytest.raises(services.BallotError, match="SECRET_KEY"):
                services.close_evaluation(evaluation)
            db.session.rollback()
        finally:
            app.config["SECRET_KEY"] = kept
        evaluation = db.session.get(Evaluation, eid)
        assert evaluation.is_open and sealed_count(eid) == 1  # refused: nothing changed
        assert services.close_evaluation(evaluation) == 1
        db.session.commit()


def test_a_ballot_that_cannot_be_opened_refuses_the_close_and_changes_nothing(city):
    eid = make_evaluation(city)
    for key in ("staff1", "staff2", "staff3"):
        vote(city, eid, key, 80)
    with tenant_scope(city.tenant):
        row = db.session.scalars(select(SealedBallot)).first()
        good = bytes(row.sealed)
        broken = good[:-1] + bytes([good[-1] ^ 1])
        db.session.execute(update(SealedBallot).where(SealedBallot.id == row.id).values(sealed=broken))
        db.session.commit()
        with pytest.raises(services.BallotError, match="无法解开"):
            services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.rollback()
        evaluation = db.session.get(Evaluation, eid)
        assert evaluation.is_open and sealed_count(eid) == 3
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert db.session.scalar(select(func.count()).select_from(BallotKey)) == 1
        # restored (e.g. from a backup), the close goes through with every ballot
        db.session.execute(update(SealedBallot).where(SealedBallot.id == row.id).values(sealed=good))
        assert services.close_evaluation(evaluation) == 3
        db.session.commit()
        assert sealed_count(eid) == 0 and db.session.scalar(select(func.count()).select_from(BallotKey)) == 0


def test_a_missing_sealed_ballot_refuses_the_close(city):
    """Each claim commits with its ballot: fewer ballots than voters who voted means
    rows were removed behind the app's back — the close says so instead of going on."""
    eid = make_evaluation(city)
    for key in ("staff1", "staff2", "staff3"):
        vote(city, eid, key, 80)
    with tenant_scope(city.tenant):
        gone = db.session.scalars(select(SealedBallot.id)).first()
        db.session.execute(SealedBallot.__table__.delete().where(SealedBallot.id == gone))
        db.session.commit()
        with pytest.raises(services.BallotError, match="选票数（2）与已投票人数（3）不一致"):
            services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.rollback()
        assert db.session.get(Evaluation, eid).is_open and sealed_count(eid) == 2


def test_a_close_that_crashes_halfway_loses_nothing_and_can_be_retried(city, monkeypatch):
    eid = make_evaluation(city)
    for key in ("staff1", "staff2", "staff3", "deputy1"):
        vote(city, eid, key, 70)
    from appraisal.tenants.ballots.services import closing

    real = closing._chunks
    calls = []

    def crash(items, size=500):
        calls.append(1)
        if len(calls) == 2:  # after the ballots went in, before the lines
            raise RuntimeError("power cut")
        return real(items, size)

    monkeypatch.setattr(closing, "_chunks", crash)
    with tenant_scope(city.tenant):
        with pytest.raises(RuntimeError):
            services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.rollback()
        assert db.session.get(Evaluation, eid).is_open and sealed_count(eid) == 4
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    monkeypatch.setattr(closing, "_chunks", real)
    with tenant_scope(city.tenant):
        assert services.close_evaluation(db.session.get(Evaluation, eid)) == 4
        db.session.commit()
        with pytest.raises(services.BallotError):  # a second close is refused
            services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 4


def test_plain_ballots_cast_before_sealing_existed_are_rewritten_at_the_close(city, other):
    """An evaluation opened before the sealed pool: its plain rows are written
    out again with the sealed ones under new ids, and the old rows are gone
    (another tenant's ballots of the same shape are left alone)."""
    eids = {}
    for world in (city, other):
        eids[world.slug] = make_evaluation(world)
        vote(world, eids[world.slug], "staff1", 70)
        with tenant_scope(world.tenant):
            eid = eids[world.slug]
            plain = db.session.get(Voter, voter_id(world, eid, "staff2"))
            plain.has_voted = True
            old_id = f"{world.tenant.id:04d}{0:028d}"
            db.session.add(
                Ballot(id=old_id, evaluation_id=eid, rater_group_id=plain.rater_group_id, cast_on=date(2026, 1, 5))
            )
            for i, aid in enumerate(sheet_ids(world, eid, plain.id)):
                db.session.add(
                    BallotLine(
                        id=f"{world.tenant.id:04d}{i:028d}",
                        evaluation_id=eid,
                        rater_group_id=plain.rater_group_id,
                        appraisee_id=aid,
                        score=Decimal(55),
                    )
                )
            db.session.commit()
    with tenant_scope(city.tenant):
        lines_before = db.session.scalar(select(func.count()).select_from(BallotLine))
        assert services.close_evaluation(db.session.get(Evaluation, eids["city"])) == 2
        db.session.commit()
        ballots = db.session.scalars(select(Ballot)).all()
        assert len(ballots) == 2 and not any(b.id.startswith(f"{city.tenant.id:04d}00000") for b in ballots)
        lines = db.session.scalars(select(BallotLine)).all()
        assert len(lines) == lines_before + len(sheet_ids(city, eids["city"], voter_id(city, eids["city"], "staff1")))
        assert sorted({line.score for line in lines}) == [Decimal(55), Decimal(70)]
        assert not any(line.id.startswith(f"{city.tenant.id:04d}00000") for line in lines)
    with tenant_scope(other.tenant):  # untouched
        assert [b.id for b in db.session.scalars(select(Ballot))] == [f"{other.tenant.id:04d}{0:028d}"]
        assert {line.score for line in db.session.scalars(select(BallotLine))} == {Decimal(55)}


def test_the_close_screen_commits_and_leaves_no_sealed_row(city, as_role):
    eid = make_evaluation(city)
    for key in ("staff1", "staff2", "staff3"):
        vote(city, eid, key, 75)
    assert as_role("office_admin").post(f"/t/city/ballots/{eid}/close").status_code == 303
    with tenant_scope(city.tenant):
        assert db.session.get(Evaluation, eid).is_closed
        assert sealed_count(eid) == 0 and db.session.scalar(select(func.count()).select_from(BallotKey)) == 0
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 3


def test_nothing_echoes_statements_to_the_log(app):
    """A log of SQL statements with their parameters would hold every ballot."""
    assert not app.config.get("SQLALCHEMY_ECHO")
    assert not db.engine.echo


def test_an_evaluation_opened_before_sealing_gets_its_key_at_the_first_ballot(city):
    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        db.session.execute(BallotKey.__table__.delete())
        db.session.commit()
    vote(city, eid, "staff1", 81)
    with tenant_scope(city.tenant):
        assert db.session.scalar(select(func.count()).select_from(BallotKey)) == 1
        assert {s for _g, _a, s in opened_lines(eid)} == {Decimal(81)}
        assert sealing.sealed_count(db.session.get(Evaluation, eid)) == 1


# ---------------------------------------------------------------------------
# Known-voter groups
# ---------------------------------------------------------------------------


def test_a_group_below_the_minimum_is_refused_at_opening(city):
    eid = make_evaluation(city, known=(), open_=False)  # principal 1, deputies 2, staff 6
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        with pytest.raises(services.BallotError, match=r"组别“主要领导”只有 1 名投票人.*其投票人可被识别"):
            services.open_evaluation(evaluation)
        db.session.rollback()
        principal = db.session.get(RaterGroup, group_id(city, eid, "principal"))
        with pytest.raises(services.BallotError, match="请先确认"):
            services.set_known_voters(evaluation, principal, True)
        assert services.set_known_voters(evaluation, principal, True, confirmed=True)
        with pytest.raises(services.BallotError, match="组别“副职领导”只有 2 名投票人"):
            services.open_evaluation(evaluation)
        db.session.rollback()
        for key in ("principal", "deputy"):
            services.set_known_voters(
                evaluation, db.session.get(RaterGroup, group_id(city, eid, key)), True, confirmed=True
            )
        services.open_evaluation(evaluation)
        db.session.commit()
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ballots.known_group").order_by(AuditEntry.id)
        ).all()
        assert [e.after["group"] for e in entries] == ["principal", "deputy"]
        assert all(e.after["known_voters"] and "可被识别" in e.after["warning"] for e in entries)


def test_a_group_cannot_shrink_below_the_minimum_while_open(city):
    eid = make_evaluation(city)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        outside = db.session.get(RaterGroup, group_id(city, eid, "outside"))
        with pytest.raises(services.BallotError, match="服务对象代表"):
            services.generate_codes(evaluation, outside, 1)
        db.session.rollback()
        principal = db.session.get(RaterGroup, group_id(city, eid, "principal"))
        code_voter = db.session.scalar(
            select(Voter).where(Voter.rater_group_id == principal.id, Voter.person_id.is_(None))
        )
        with pytest.raises(services.BallotError, match="主要领导"):
            services.remove_voter(evaluation, code_voter)
        db.session.rollback()


def test_a_known_voter_groups_scores_count_as_written(city):
    """Not merged, not dropped: the principal's one ballot is his group's score,
    and the results say the group is a known-voter group of one."""
    eid = make_evaluation(city, known=("principal", "deputy"))
    for key, score in (("staff1", 80), ("staff2", 82), ("staff3", 84), ("principal", 70)):
        vote(city, eid, key, score)
    with tenant_scope(city.tenant):
        services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.commit()
        evaluation = db.session.get(Evaluation, eid)
        results = services.results(evaluation)
        principal_g, staff_g = group_id(city, eid, "principal"), group_id(city, eid, "staff")
        head = next(r for r in results.rows if r.appraisee.id == appraisee_of(city, "county", "other_head"))
        assert head.cells[principal_g].n == 1 and head.cells[principal_g].mean == Decimal("70.00")
        assert principal_g not in head.hidden and services.MERGED not in head.cells
        assert head.total == ((Decimal("0.3") * 70 + Decimal("0.4") * 82) / Decimal("0.7")).quantize(Decimal("0.01"))
        column = next(c for c in results.columns if c.key == principal_g)
        assert column.known_voters and column.voters == 1
        frame = tallies.ballots_frame(evaluation)
        rows = frame[frame.appraisee_id == str(head.appraisee.id)]
        assert sorted(rows.rater_group) == ["principal"] + ["staff"] * 3
        assert staff_g in head.cells


def test_after_the_close_no_ballot_is_singled_out_by_the_line_its_voter_skipped(city):
    """A voter who is also an appraisee does not rate themself: a ballot whose lines
    could be grouped together would lack exactly its voter's own line and so name
    its voter (here 局长甲, 副局长乙, 副局长丙). After the close the lines are
    therefore kept per rater group only, with nothing that groups them into ballots."""
    eid = make_evaluation(city)
    for key in ("principal", "deputy1", "deputy2", "staff1", "staff2", "staff3"):
        vote(city, eid, key, 80)
    with tenant_scope(city.tenant):
        services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.commit()
        from sqlalchemy import inspect

        columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_lines")}
        grouping = columns - {"id", "tenant_id", "evaluation_id", "rater_group_id", "appraisee_id", "score"}
        assert not grouping, f"ballot_lines can be grouped into ballots by {grouping}"
        assert "ballots" not in {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("ballot_lines")}
        # the ballots themselves are still counted (one row per ballot: group and day)
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.evaluation_id == eid)) == 6
        results = services.results(db.session.get(Evaluation, eid))
        assert results.ballots == 6


def test_raising_the_minimum_of_an_open_evaluation_cannot_leave_a_group_identifiable(city):
    eid = make_evaluation(city)  # staff 6, principal and deputies filled up to 3
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        with pytest.raises(services.BallotError, match="少于最少人数 5 人"):
            services.update_evaluation(evaluation, min_group_size=5)
        db.session.rollback()
        assert db.session.get(Evaluation, eid).min_group_size == 3
