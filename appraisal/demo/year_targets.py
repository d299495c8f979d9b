"""The demo year's target setting and tracking (responsibility letters, criticism penalties,
bonus claims, deduction notices, the veto, their evidence), as a part of the year — see ``year``."""

from __future__ import annotations

from datetime import date

from appraisal.demo import content
from appraisal.demo.year_base import demo_pdf
from appraisal.tenants.evidence import services as evidence
from appraisal.tenants.letters import services as letters
from appraisal.tenants.scoring import services as scoring


class TargetsAndTrackingSteps:
    """Target setting and tracking for ``year._Year`` (which provides the state and helpers)."""

    # -- target setting ---------------------------------------------------

    def write_letters(self) -> None:
        returned = {d: (reason, index, title) for d, reason, index, title in content.RETURNED.get(self.year, [])}
        rnd = self.draw.random
        for appraisee in self.appraisees("departments"):
            focus = list(content.FOCUS[appraisee.name])
            n = rnd.choice((5, 6, 6, 7))
            titles = (focus + list(content.COMMON))[:n]
            letter = letters.letter_for(appraisee)
            items = [
                letters.save_item(
                    letter, title=title, points=points, measure=content.MEASURE, evidence_required=content.EVIDENCE
                )
                for title, points in zip(titles, content.SPLITS[n])
            ]
            letters.submit(letter)
            if appraisee.name in returned:
                reason, index, title = returned[appraisee.name]
                letters.decide(letter, approve=False, reason=reason)
                item = items[index]
                letters.save_item(
                    letter,
                    title=title,
                    points=item.points,
                    measure=item.measure,
                    evidence_required=item.evidence_required,
                    item=item,
                )
                letters.submit(letter)
                self.count("letters_returned")
            letters.decide(letter, approve=True)
            self.count("letters")
            self.count("letter_items", len(items))

    def record_penalties(self) -> None:
        for name, quarter, text in content.CRITICISMS[self.year]:
            penalty = scoring.record_penalty(
                self.dept_appraisee(name),
                rule_key="criticism",
                description=text,
                occurred_on=date(self.year, 3 * quarter - 1, 18),
            )
            self.attach(
                "claim",
                penalty.id,
                f"通报批评文件（{name}，{self.year}年第{quarter}季度）.pdf",
                f"Criticism notice {self.year} Q{quarter}",
            )
            self.count("penalties")

    # -- tracking ---------------------------------------------------------

    def claims(self) -> None:
        for name, rule, level, project, text in content.INNOVATION_CLAIMS[self.year]:
            claim = scoring.create_claim(
                self.dept_appraisee(name),
                rule_key=rule,
                level=level,
                dedup_key=project,
                description=text,
                occurred_on=date(self.year, 6, 20),
            )
            self.attach("claim", claim.id, f"{project}推广文件.pdf", f"Endorsement {self.year} claim {claim.id}")
            scoring.decide_claim(claim, approve=True)
            self.count("claims_verified")
        if self.final:
            return
        a, b, rule, level, project, text = content.SHARED_CLAIM
        for mine, other in ((a, b), (b, a)):
            claim = scoring.create_claim(
                self.dept_appraisee(mine),
                rule_key=rule,
                level=level,
                dedup_key=project,
                shared_with=other,
                description=text,
                occurred_on=date(self.year, 9, 8),
            )
            scoring.decide_claim(claim, approve=True)
            self.count("claims_verified")
        name, rule, level, project, text, reason = content.REJECTED_CLAIM
        claim = scoring.create_claim(
            self.dept_appraisee(name),
            rule_key=rule,
            level=level,
            dedup_key=project,
            description=text,
            occurred_on=date(self.year, 7, 1),
        )
        self.attach("claim", claim.id, f"{project}工作简报.pdf", "Work bulletin (not an endorsement)")
        scoring.decide_claim(claim, approve=False, reason=reason)
        self.count("claims_rejected")
        # a section's honour: every member claims it, it counts once for each
        budget = self.org.sections[("市财政局", "预算科")]
        members = {a.person_id: a for a in self.appraisees("finance_staff")}
        for person in self.org.people_by_unit[budget.id]:
            if person.id in members:
                claim = scoring.create_claim(
                    members[person.id],
                    rule_key="honour",
                    level="city",
                    dedup_key="全市财政系统先进集体",
                    description="预算科被评为全市财政系统先进集体",
                    occurred_on=date(self.year, 5, 10),
                )
                scoring.decide_claim(claim, approve=True)
                self.count("claims_verified")

    def publish_notices(self) -> None:
        for quarter in (1, 2, 3):
            scoring.publish_notice(
                self.cycle,
                quarter=quarter,
                title=f"{self.year}年第{'一二三'[quarter - 1]}季度目标管理扣分情况通报",
                body=scoring.notice_body(self.cycle, quarter),
            )
            self.count("notices")

    def veto(self) -> None:
        name, rule, text = content.VETO
        veto = scoring.record_veto(self.dept_appraisee(name), rule_key=rule, description=text)
        self.attach("veto", veto.id, "考核委员会一票否决认定书.pdf", "Veto decision")
        self.count("vetoes")

    def attach(self, owner_type: str, owner_id: int, filename: str, title: str) -> None:
        evidence.attach(owner_type, owner_id, filename, demo_pdf(title))
        self.count("evidence")
