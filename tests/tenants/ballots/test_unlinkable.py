"""A database administrator tries to join ballots to voters, on PostgreSQL.

An evaluation is opened, 32 anonymous voters in two rater groups cast distinct
ballots in a random order, and every join we can think of is tried while voting
is open and again after the close: transaction ids (xmin), physical row order
(ctid), insertion order, dates and a ``pg_dump`` of the whole database.

The attacker's view of the vote order is the voters' own ``xmin`` (each claim
runs in its own transaction, and transaction ids grow): we use exactly that.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
from decimal import Decimal
from glob import glob

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import inspect, select, text

from appraisal.platform.db import db
from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.ballots import services
from appraisal.tenants.ballots.models import Evaluation, RaterGroup, Voter
from tests.tenants.ballots.conftest import make_evaluation, sheet_ids

VOTERS = {"staff": 20, "deputy": 12}  # 32 voters in two rater groups

# Fixed points of a uniformly random permutation of n = 32 items follow, to within
# 2**n / n! (< 1e-20 here), a Poisson law of mean 1: P(X >= 7) = 1 - e**-1 * sum(1/k!
# for k in 0..6) = 1 - 0.36788 * 2.71806 = 8.3e-5 < 1e-4. So a random order shows at
# most 6 fixed points except once in more than 12,000 runs; an order that follows
# the voting (today's insertion order) shows all 32.
MAX_FIXED_POINTS = 6


def _score(i: int, k: int) -> Decimal:
    """Voter i's score for the k-th appraisee: unique over the whole evaluation
    (integer part 30 + i, cents 11 + 7k), so a score names its voter."""
    return Decimal(f"{30 + i}.{11 + 7 * k:02d}")


def _pg_dump(url: str) -> str:
    binaries = sorted(glob("/usr/lib/postgresql/*/bin/pg_dump"))
    assert binaries, "pg_dump is not installed"
    libpq_url = re.sub(r"^postgresql\+\w+:", "postgresql:", url)  # no SQLAlchemy driver name
    result = subprocess.run(
        [binaries[-1], "--no-owner", "--dbname", libpq_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        check=True,
    )
    return result.stdout


def _fixed_points(a: list, b: list) -> int:
    return sum(1 for x, y in zip(a, b, strict=True) if x == y)


def _tables() -> list[str]:
    return [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]


def test_no_database_artefact_links_a_ballot_to_its_voter(city, database):
    if database["kind"] != "postgresql":
        pytest.skip("xmin, ctid and pg_dump are PostgreSQL's")
    eid = make_evaluation(city, voters=False, open_=False)
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        for key, n in VOTERS.items():
            group = db.session.scalar(select(RaterGroup).where(RaterGroup.evaluation_id == eid, RaterGroup.key == key))
            services.generate_codes(evaluation, group, n)
        services.open_evaluation(evaluation)
        db.session.commit()
        voters = list(db.session.scalars(select(Voter.id).where(Voter.evaluation_id == eid).order_by(Voter.id)))
    assert len(voters) == 32
    rng = random.Random(20261204)
    rng.shuffle(voters)  # the order they come to vote in
    appraisees = sheet_ids(city, eid, voters[0])
    ballot_of: dict[int, dict[int, Decimal]] = {}
    for i, vid in enumerate(voters):
        ballot_of[vid] = {aid: _score(i, k) for k, aid in enumerate(appraisees)}
        with tenant_scope(city.tenant):
            services.cast_ballot(vid, ballot_of[vid])
    voter_of_score = {str(score): vid for vid, lines in ballot_of.items() for score in lines.values()}
    conn_url = database["url"]

    def voter_xmins() -> dict[str, int]:
        return dict(
            db.session.execute(
                text("SELECT xmin::text, id FROM voters WHERE evaluation_id = :e AND has_voted"), {"e": eid}
            ).all()
        )

    def attacker_vote_order() -> list[int]:
        """The order of voting as the database shows it: voters by transaction id."""
        return [
            vid
            for _x, vid in sorted(
                db.session.execute(
                    text("SELECT xmin::text::bigint, id FROM voters WHERE evaluation_id = :e AND has_voted"), {"e": eid}
                ).all()
            )
        ]

    # -- while voting is open ------------------------------------------------
    with tenant_scope(city.tenant):
        db.session.commit()
        xmins = voter_xmins()
        assert len(xmins) == 32  # one transaction per voter, as expected
        assert attacker_vote_order() == voters  # the database does reveal the order of voting...
        # ...so no plaintext ballot may exist anywhere yet: not one row in the ballot tables
        assert (
            db.session.execute(text("SELECT count(*) FROM ballots WHERE evaluation_id = :e"), {"e": eid}).scalar() == 0
        )
        assert db.session.execute(text("SELECT count(*) FROM ballot_lines")).scalar() == 0
        # every row written in a voter's transaction: only the claim, the evaluation's
        # freeze flag and a sealed (unreadable) ballot
        linked: dict[str, list] = {}
        for table in _tables():
            rows = db.session.execute(text(f'SELECT xmin::text AS x, t.* FROM "{table}" t')).mappings().all()
            hits = [dict(r) for r in rows if r["x"] in xmins]
            if hits:
                linked[table] = hits
        assert set(linked) <= {"voters", "evaluations", "sealed_ballots"}, set(linked)
        assert len(linked.get("sealed_ballots", [])) == 32
        columns = {c["name"] for c in inspect(db.engine).get_columns("sealed_ballots")}
        assert columns == {"id", "tenant_id", "evaluation_id", "sealed"}
        for row in linked["sealed_ballots"]:
            blob = bytes(row["sealed"])
            # nothing readable: no score, no appraisee id, no group in any column
            for value in (str(s) for s in ballot_of[voters[0]].values()):
                assert value.encode() not in blob
            assert b"staff" not in blob and b"deputy" not in blob
            assert not re.search(rb'"\w+"\s*:', blob)  # no JSON in the clear
            # and a key that is not this evaluation's opens nothing
            with pytest.raises(InvalidTag):
                AESGCM(AESGCM.generate_key(256)).decrypt(blob[:12], blob[12:], None)
        # all ciphertexts have one length: the size gives away no group or sheet
        assert len({len(bytes(r["sealed"])) for r in linked["sealed_ballots"]}) == 1
        for table in ("voters", "evaluations"):
            for row in linked.get(table, []):
                assert not set(map(str, row.values())) & set(voter_of_score), table
        # the sealed pool's physical order carries no content to order-match
        dump = _pg_dump(conn_url)
        for score in voter_of_score:
            assert not re.search(rf"(?<![\d.]){re.escape(score)}(?!\d)", dump), f"{score} in the dump while open"
        # dates: voters carry a day only, and no ballot-side row exists to compare with
        assert {
            c["name"] for c in inspect(db.engine).get_columns("voters") if "time" in str(c["type"]).lower()
        } == set()

        services.close_evaluation(db.session.get(Evaluation, eid))
        db.session.commit()

    # -- after the close -----------------------------------------------------
    with tenant_scope(city.tenant):
        evaluation = db.session.get(Evaluation, eid)
        assert db.session.execute(text("SELECT count(*) FROM sealed_ballots")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM ballot_keys")).scalar() == 0
        ballots = db.session.execute(
            text("SELECT xmin::text AS x, id, cast_on FROM ballots WHERE evaluation_id = :e ORDER BY ctid"), {"e": eid}
        ).all()
        lines = db.session.execute(
            text("SELECT xmin::text AS x, id, score FROM ballot_lines WHERE evaluation_id = :e ORDER BY ctid"),
            {"e": eid},
        ).all()
        assert len(ballots) == 32 and len(lines) == 32 * len(appraisees)
        # one transaction wrote them all, and it is no voter's
        assert len({b.x for b in ballots} | {line.x for line in lines}) == 1
        assert not {b.x for b in ballots} & set(voter_xmins())
        # one day for all: the closing day
        assert {b.cast_on for b in ballots} == {evaluation.closed_on}
        # the same votes came through (each score names its voter, for this test only)
        assert sorted(voter_of_score[str(line.score)] for line in lines) == sorted(
            vid for vid in voters for _a in appraisees
        )
        order = attacker_vote_order()
        # ctid order of lines: the order in which each voter's lines first appear
        line_voters = [voter_of_score[str(line.score)] for line in lines]
        first_seen = list(dict.fromkeys(line_voters))
        assert _fixed_points(first_seen, order) <= MAX_FIXED_POINTS
        # ...and voters' lines are not bunched together: adjacent lines by the same voter.
        # Shuffled, each of the 127 neighbouring pairs is a same-voter pair with probability
        # 3/127, about 3 in all; in voting order (lines written ballot by ballot) it is 96.
        assert sum(a == b for a, b in itertools.pairwise(line_voters)) <= 15
        # random line ids: their sort order says nothing either
        by_id = list(dict.fromkeys(voter_of_score[str(line.score)] for line in sorted(lines, key=lambda r: r.id)))
        assert _fixed_points(by_id, order) <= MAX_FIXED_POINTS
        # a dump lists the rows in physical order: the same shuffle
        dump = _pg_dump(conn_url)
        copied = re.search(r"COPY public\.ballot_lines \((.*?)\) FROM stdin;\n(.*?)\n\\\.", dump, re.S)
        score_at = copied.group(1).split(", ").index("score")
        dumped = [row.split("\t")[score_at] for row in copied.group(2).splitlines()]
        dumped_voters = list(dict.fromkeys(voter_of_score[s] for s in dumped if s in voter_of_score))
        assert len(dumped_voters) == 32
        assert _fixed_points(dumped_voters, order) <= MAX_FIXED_POINTS
