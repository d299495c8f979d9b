"""Ties decided openly (并列待定).

The engine breaks a tie at a quota or prize line by the scheme's tie-break chain; when
the chain is exhausted the tie is pending (the run's ``ties``) and publication waits
until the office records who is placed, why, and the document number. A decision is
never changed or deleted: every computation passes all the population's decisions to
the engine, which applies one while the same tie recurs (same line, same appraisees)
and asks again otherwise."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from appraisal import engine
from appraisal.platform import audit
from appraisal.platform.db import db
from appraisal.platform.permissions import actor_id
from appraisal.platform.refusals import Refusal
from appraisal.tenants.cycles.models import Appraisee, Cycle, Population
from appraisal.tenants.results.models import ResultRun, TieDecision


class TieError(Refusal):
    """Why the office's decision on a tie was refused."""


def engine_decisions(population: Population) -> list[engine.TieDecision]:
    """Every recorded decision of the population, oldest first (a later one on the same
    tie wins)."""
    rows = db.session.scalars(
        select(TieDecision).where(TieDecision.population_id == population.id).order_by(TieDecision.id)
    )
    return [
        engine.TieDecision(
            row.line,
            frozenset(str(i) for i in row.tied),
            frozenset(str(i) for i in row.placed),
            row.reason,
            row.document_no,
        )
        for row in rows
    ]


def run_ties(run: ResultRun | None) -> list[dict]:
    return list(run.ties or []) if run is not None else []


def pending_populations(cycle: Cycle) -> list[str]:
    """Names of the cycle's populations whose current results have a pending tie."""
    runs = db.session.execute(
        select(Population.name, ResultRun.ties)
        .join(ResultRun, ResultRun.population_id == Population.id)
        .where(Population.cycle_id == cycle.id, ResultRun.is_current.is_(True))
        .order_by(Population.id)
    ).all()
    return [name for name, ties in runs if any(t.get("status") == "pending" for t in ties or [])]


def ties_for_page(population: Population, run: ResultRun | None) -> list[dict]:
    """The current run's ties with the tied appraisees' names (for the decision screen)."""
    ties = run_ties(run)
    ids = {int(i) for tie in ties for i in (tie.get("tied") or "").split(",") if i.isdigit()}
    names = dict(
        db.session.execute(
            select(Appraisee.id, Appraisee.name).where(Appraisee.population_id == population.id, Appraisee.id.in_(ids))
        ).all()
    )
    out = []
    for number, tie in enumerate(ties):
        tied = [int(i) for i in (tie.get("tied") or "").split(",") if i.isdigit()]
        placed = {int(i) for i in (tie.get("placed") or "").split(",") if i.isdigit()}
        people = [{"id": i, "name": names.get(i, str(i)), "placed": i in placed} for i in tied]
        out.append({**tie, "number": number, "people": people})
    return out


def decide(
    population: Population, run: ResultRun | None, number: int, placed: list[int], reason: str, document_no: str
) -> TieDecision:
    """Record the office's decision on the pending tie ``number`` of the current run."""
    ties = run_ties(run)
    if not 0 <= number < len(ties) or ties[number].get("status") != "pending":
        raise TieError(_("该并列已不在待定状态（结果可能已重新计算），请刷新页面后再试"))
    tie = ties[number]
    tied = sorted(int(i) for i in str(tie["tied"]).split(","))
    chosen = sorted(set(placed))
    places = int(tie["places"])
    if not set(chosen) <= set(tied):
        raise TieError(_("只能从并列的考核对象中选择入选者"))
    if len(chosen) != places:
        raise TieError(_("须选定 %(n)s 名入选者（该并列争 %(n)s 个名额），现选了 %(m)s 名", n=places, m=len(chosen)))
    reason, document_no = reason.strip(), document_no.strip()
    if not reason:
        raise TieError(_("请填写决定理由"))
    if not document_no:
        raise TieError(_("请填写决定的文号"))
    if len(reason) > 2000 or len(document_no) > 100:
        raise TieError(_("理由不超过 2000 字，文号不超过 100 字"))
    decision = TieDecision(
        population_id=population.id,
        line=str(tie["line"]),
        tied=tied,
        placed=chosen,
        reason=reason,
        document_no=document_no,
        decided_by_id=actor_id(),
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        "results.tie_decide",
        decision,
        after={
            "population": population.name,
            "line": tie.get("line_zh") or tie["line"],
            "tied": tied,
            "placed": chosen,
            "reason": reason,
            "document_no": document_no,
        },
        label=f"{population.name} {tie.get('line_zh', '')}",
    )
    return decision
