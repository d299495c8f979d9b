"""The demo year's scoring: every indicator by its assessor, the staff schemes, the finance
bureau's own scheme, self-reports and the democratic evaluation, as a part of the year — see
``year``."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from appraisal.demo import content
from appraisal.demo.year_base import DEMOCRATIC, LOW_PERSON_RANK, rounded
from appraisal.platform.db import db
from appraisal.tenants.ballots import services as ballots
from appraisal.tenants.ballots.models import Evaluation, Voter
from appraisal.tenants.cycles.models import Appraisee, Population
from appraisal.tenants.letters import services as letters
from appraisal.tenants.scoring import services as scoring
from appraisal.tenants.scoring.models import Score


class ScoringSteps:
    """Scoring for ``year._Year`` (which provides the state and helpers)."""

    # -- scoring ----------------------------------------------------------

    def save(self, entries: list[scoring.Entry], user) -> None:
        """Save as ``user``; the cells of ``user``'s own row (nobody scores themself)
        are entered by the deputy office admin."""
        own = [e for e in entries if e.appraisee.user_id == user.id]
        others = [e for e in entries if e.appraisee.user_id != user.id]
        for batch, by in ((others, user), (own, self.scorers.deputy)):
            if batch:
                scoring.save_entries(batch, by)
                self.count("scores", len(batch))

    def score_departments(self) -> None:
        population = self.populations["departments"]
        columns = scoring.scheme_columns(population)
        items = scoring.item_columns(population)
        by_assessor: dict[int, list[scoring.Entry]] = {}
        by_lead: dict[str, list[scoring.Entry]] = {}
        rnd = self.draw.random
        for appraisee in self.appraisees("departments"):
            q = self.quality(appraisee)
            group = self.org.group_of[appraisee.name]
            for column in items.get(appraisee.id, []):
                value = float(column.points) * min(1.0, q + rnd.uniform(-0.04, 0.04))
                by_lead.setdefault(group, []).append(scoring.Entry(appraisee, column, rounded(value)))
            for column in columns:
                value = float(column.points) * min(1.0, q + rnd.uniform(-0.03, 0.05))
                by_assessor.setdefault(column.assessor_unit_id, []).append(
                    scoring.Entry(appraisee, column, rounded(value))
                )
        for group, entries in by_lead.items():
            self.save(entries, self.scorers.leads[group])
        names = {u.id: n for n, u in self.org.departments.items()}
        for unit_id, entries in by_assessor.items():
            self.save(entries, self.scorers.assessors.get(names.get(unit_id), self.scorers.office))
        self.inspection_records(population, columns)

    def inspection_records(self, population: Population, columns: list[scoring.Column]) -> None:
        """The assessing departments' inspection notes behind the three lowest scores of
        the first assessed indicator (party building): evidence a breakdown links to."""
        column = next((c for c in columns if c.assessor_unit_id), None)
        if column is None:
            return
        lowest = db.session.execute(
            select(Score.id, Appraisee.name)
            .join(Appraisee, Appraisee.id == Score.appraisee_id)
            .where(
                Score.cycle_id == self.cycle.id,
                Appraisee.population_id == population.id,
                Score.indicator_key == column.indicator_key,
                Score.item_key == column.item_key,
            )
            .order_by(Score.value, Appraisee.sort_order)
            .limit(3)
        ).all()
        for score_id, name in lowest:
            self.attach("score", score_id, f"{column.name}检查记录（{name}）.pdf", f"Inspection record {self.year}")

    def score_districts(self) -> None:
        population = self.populations["districts"]
        rnd = self.draw.random
        by_user: dict[int, tuple[object, list[scoring.Entry]]] = {}
        names = {u.id: n for n, u in self.org.departments.items()}
        for index, appraisee in enumerate(self.appraisees("districts")):
            q = self.quality(appraisee, low=0.86, span=0.12)
            size = (0.6 + 0.15 * index) * (1 + 0.06 * (self.year - 2025))  # 滕州市 is the largest
            for column in scoring.scheme_columns(population):
                user = self.scorers.assessors.get(names.get(column.assessor_unit_id), self.scorers.office)
                leaf = column.indicator_key.rsplit(".", 1)[-1]
                if column.kind in ("target", "actual"):
                    base = content.DISTRICT_TARGETS[leaf][1] * size
                    ratio = 1.0 if column.kind == "target" else q + 0.1 + rnd.uniform(-0.06, 0.05)
                    value = rounded(base * ratio, "0.01")
                else:
                    value = rounded(float(column.points) * min(1.0, q + rnd.uniform(-0.03, 0.04)))
                by_user.setdefault(user.id, (user, []))[1].append(scoring.Entry(appraisee, column, value))
        for user, entries in by_user.values():
            self.save(entries, user)

    def score_staff(self, key: str) -> None:
        population = self.populations[key]
        columns = scoring.scheme_columns(population)
        names = {u.id: n for n, u in self.org.departments.items()}
        rnd = self.draw.random
        by_user: dict[int, tuple[object, list[scoring.Entry]]] = {}
        office = self.scorers.office
        for rank, appraisee in enumerate(self.appraisees(key), start=1):
            low = key == "section_staff" and rank == LOW_PERSON_RANK
            q = 0.5 + rnd.uniform(0, 0.05) if low else self.draw.fraction(appraisee.subject_key, low=0.76, span=0.2)
            for column in columns:
                user = self.scorers.assessors.get(names.get(column.assessor_unit_id), office)
                value = float(column.points) * min(1.0, q + rnd.uniform(-0.03, 0.03))
                by_user.setdefault(user.id, (user, []))[1].append(
                    scoring.Entry(appraisee, column, rounded(value, "0.01"))
                )
            democratic = 100 * min(0.99, (0.55 if low else q) + rnd.uniform(-0.06, 0.03))
            by_user.setdefault(office.id, (office, []))[1].append(
                scoring.Entry(appraisee, DEMOCRATIC, rounded(democratic))
            )
        for user, entries in by_user.values():
            self.save(entries, user)

    def score_finance(self) -> None:
        population = self.populations["finance_staff"]
        columns = {(c.indicator_key, c.item_key): c for c in scoring.scheme_columns(population)}
        rnd = self.draw.random
        entries = []
        for appraisee in self.appraisees("finance_staff"):
            q = self.draw.fraction(appraisee.subject_key, low=0.82, span=0.17)
            for key in ("self_report.supervisor_score", "self_report.team_score"):
                column = columns[(key, "")]
                entries.append(scoring.Entry(appraisee, column, rounded(5 * min(1.0, q + rnd.uniform(-0.04, 0.04)))))
            if rnd.random() < 0.3:
                indicator, item, reason = rnd.choice(content.FINANCE_DEDUCTIONS)
                entries.append(
                    scoring.Entry(appraisee, columns[(indicator, item)], str(rnd.choice((1, 1, 2))), reason=reason)
                )
        self.save(entries, self.scorers.unit_admins["市财政局"])  # the bureau scores its own staff

    def self_reports(self) -> None:
        for appraisee in self.appraisees("departments"):
            focus = "、".join(content.FOCUS[appraisee.name][:2])
            count = len(letters.letter_for(appraisee, create=False).items)
            scoring.save_self_report(
                appraisee,
                submit=True,
                body=content.SELF_REPORT.format(name=appraisee.name, year=self.year, count=count, focus=focus),
            )
            self.count("self_reports")
        for appraisee in self.appraisees("finance_staff"):
            scoring.save_self_report(
                appraisee,
                submit=True,
                body=(
                    f"{appraisee.name}{self.year}年度述职：认真履行岗位职责，按时完成科室分配的各项工作任务，"
                    "严格遵守工作纪律，积极参加集中学习和志愿服务活动。"
                ),
            )
            self.count("self_reports")

    def democratic_evaluation(self) -> None:
        """市财政局's staff rate each other at the year-end meeting: anonymous ballots."""
        population = self.populations["finance_staff"]
        finance = self.org.departments["市财政局"]
        evaluation = ballots.create_evaluation(
            self.cycle,
            population,
            title=f"市财政局{self.year}年度述职民主评议",
            owner_unit=finance,
            groups=[
                ballots.GroupSpec("principal", "主要领导", Decimal("0.3")),
                ballots.GroupSpec("deputy", "副职领导", Decimal("0.2")),
                ballots.GroupSpec("staff", "干部职工", Decimal("0.5")),
            ],
        )
        ballots.add_voters_by_unit(evaluation, finance, role_groups=ballots.default_role_groups(evaluation))
        # The bureau has one principal leader, whose group the scheme weights 30 %: a group
        # below the minimum size is refused at opening unless the office confirms the
        # warning that its voter is identifiable and keeps it as a known-voter group (记名组).
        sizes = ballots.group_sizes(evaluation)
        for group in ballots.groups_of(evaluation):
            if 0 < sizes.get(group.id, 0) < evaluation.min_group_size:
                ballots.set_known_voters(evaluation, group, True, confirmed=True)
        ballots.open_evaluation(evaluation)
        voter_ids = list(
            db.session.scalars(select(Voter.id).where(Voter.evaluation_id == evaluation.id).order_by(Voter.id))
        )
        rnd = self.draw.random
        evaluation_id = evaluation.id
        abstain = set(rnd.sample(voter_ids, 2))  # two were away on the day
        for voter_id in voter_ids:
            if voter_id in abstain:
                continue
            voter = db.session.get(Voter, voter_id)
            evaluation = db.session.get(Evaluation, evaluation_id)
            answers = {}
            for row in ballots.ballot_sheet(evaluation, voter):
                q = self.draw.fraction(row.appraisee.subject_key, low=0.82, span=0.17)
                answers[row.appraisee.id] = rounded(min(100.0, 100 * q + rnd.uniform(-6, 4)), "1")
            ballots.cast_ballot(voter_id, answers)  # commits (ballots own their transaction)
            self.count("ballots")
        ballots.close_evaluation(db.session.get(Evaluation, evaluation_id))
        db.session.commit()
        ballots.after_close()
        self.count("evaluations")
