"""Results in the browser: the office computes and publishes; the unit admin
sees the published leaderboard and its breakdown and files an appeal; the
office upholds it, corrects the score through the scoring screen (appeals
phase), recomputes; the leaderboard shows the change and the audit log the
correction."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.browser.conftest import move_to, require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

# business (one approved 70-point item), party building, clean governance, civilisation, investment
INPUTS = {
    "市财政局": ("66", "7", "9", "4.5", "4.5"),  # 91.00; 94.00 once party building is corrected to 10
    "市发改委": ("66.5", "9", "9", "4.5", "4.5"),  # 93.50
    "市委组织部": ("62", "8.5", "9", "4", "4"),  # 87.50
    "市教育局": ("65", "9", "9", "4.5", "4"),  # 91.50
    "市卫健委": ("66", "9", "9", "4.5", "4.5"),  # 93.00, vetoed
}
PUBLIC = ("public.party_building", "public.clean_governance", "public.civilisation", "public.investment")


def _flash(page):
    return page.locator(".flash[role=status]")


def prepare_inputs(city) -> None:
    """Letters approved and every indicator scored, a veto on 市卫健委; the cycle
    left in the scoring phase — with the services and the models, as the people
    did in the other tests through the screens."""
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Appraisee
    from appraisal.tenants.letters import services as letters
    from appraisal.tenants.scoring.models import Score, Veto

    with tenant_scope(city.tenant):
        items = {}
        for name in INPUTS:
            appraisee = db.session.get(Appraisee, city.ids["appraisees"][name])
            letter = letters.letter_for(appraisee)
            item = letters.save_item(letter, title=f"{name}年度重点工作", points="70", measure="按完成情况计分")
            db.session.flush()
            items[name] = item.id
            letters.submit(letter)
            letters.decide(letter, approve=True)
        db.session.commit()
    move_to(city, "scoring")
    with tenant_scope(city.tenant):
        for name, (business, *public) in INPUTS.items():
            common = {"cycle_id": city.ids["cycle"], "appraisee_id": city.ids["appraisees"][name]}
            db.session.add(
                Score(indicator_key="business", item_key=str(items[name]), value=Decimal(business), **common)
            )
            db.session.add_all(Score(indicator_key=key, value=Decimal(v), **common) for key, v in zip(PUBLIC, public))
        db.session.add(
            Veto(
                cycle_id=city.ids["cycle"],
                appraisee_id=city.ids["appraisees"]["市卫健委"],
                rule_key="work_safety",
                description="辖管医院发生较大安全生产事故",
            )
        )
        db.session.commit()
    db.session.remove()


def _leaderboard_row(page, name: str):
    return page.locator("table.leaderboard tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_results_computed_published_appeal_upheld_corrected_and_recomputed(city, shot, page_as):
    prepare_inputs(city)
    slug = city.slug
    finance = city.ids["appraisees"]["市财政局"]

    # The office closes the scoring: the cycle moves on to computing (form on the cycle page).
    office = page_as("office_admin")
    office.goto(f"/t/{slug}/cycles/{city.ids['cycle']}")
    office.locator("select[name=to]").select_option(label="计算")
    office.get_by_role("button", name="变更阶段").click()
    expect(_flash(office)).to_have_text("已进入“计算”阶段。")

    # It computes both populations.
    office.goto(f"/t/{slug}/results/")
    expect(office.locator(".filters .badge")).to_have_text("未公示（仅考核办可见）")
    for population, count in (("市直部门", 5), ("县级干部", 5)):
        row = office.locator("tbody tr", has_text=population)
        expect(row).to_contain_text("尚未计算")
        row.get_by_role("button", name="计算").click()
        expect(_flash(office)).to_have_text(f"计算完成：{count} 个考核对象。")
    expect(office.locator("tbody tr", has_text="市直部门").locator(".run-status")).to_contain_text("成功")
    shot(office, "office-results-computed")

    # The leaderboard of the departments, per sector group.
    office.get_by_role("link", name="市直部门").click()
    expect(office.locator("h1")).to_have_text("市直部门 · 排行榜")
    expect(office.locator(".flash-warning")).to_contain_text("结果尚未公示")
    for name, rank, score in (("市发改委", "1", "93.50"), ("市财政局", "2", "91.00"), ("市委组织部", "3", "87.50")):
        row = _leaderboard_row(office, name)
        expect(row.locator("td").nth(0)).to_have_text(rank)
        expect(row.locator("td").nth(2)).to_have_text(score)
    expect(_leaderboard_row(office, "市卫健委")).to_contain_text("一票否决")
    shot(office, "office-leaderboard-before-appeal")

    # The office publishes (publicity 5 days, appeals 10, answers 10: from scheme A).
    office.goto(f"/t/{slug}/results/")
    publish = office.locator("form", has_text="公示结果")
    expect(publish.locator("input[name=publicity_days]")).to_have_value("5")
    publish.locator("textarea[name=notice]").fill("2026年度目标管理考核结果公示，如有异议请在复核期内提出。")
    shot(office, "office-publish-form")
    publish.get_by_role("button", name="公示").click()
    expect(_flash(office)).to_contain_text("已公示，公示期至")
    expect(office.locator(".filters .badge")).to_have_text("已公示")
    shot(office, "office-published")

    # The unit admin sees the published results and the breakdown of 市财政局, and appeals.
    unit = page_as("unit_admin")
    unit.get_by_role("navigation").get_by_role("link", name="考核结果").click()
    # the page opens with the unit's own result, then the boards
    expect(unit.locator(".own-results")).to_contain_text("市直部门 · 市财政局")
    unit.get_by_role("link", name="市直部门", exact=True).click()
    expect(unit.locator(".flash-warning")).to_have_count(0)
    unit.get_by_role("link", name="市财政局", exact=True).click()
    expect(unit.locator("h1")).to_have_text("市财政局 · 得分明细")
    expect(unit.locator(".stat").nth(0)).to_have_text("91.00")
    expect(unit.locator(".explain")).to_contain_text("党的建设")
    shot(unit, "unit-breakdown")
    # No screen links to the appeal form (see test_appeal_form_reachable_from_the_breakdown): its address.
    unit.goto(f"/t/{slug}/results/appraisees/{finance}/appeal")
    expect(unit.locator("h1")).to_have_text("申请复核 · 市财政局")
    unit.locator("textarea[name=reasons]").fill("党的建设得分7分有误：我局获省级“五星级党支部”表彰，应按10分计。")
    unit.locator("input[name=files]").set_input_files(
        [{"name": "五星级党支部表彰决定.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 honour"}]
    )
    shot(unit, "unit-appeal-form")
    unit.get_by_role("button", name="提交申请").click()
    expect(_flash(unit)).to_contain_text("已提交复核申请，考核办将在")
    shot(unit, "unit-appeal-filed")

    # The office answers: upheld.
    office.get_by_role("navigation").get_by_role("link", name="复核申请").click()
    appeal_row = office.locator("tbody tr", has_text="市财政局")
    expect(appeal_row.locator(".badge").first).to_have_text("待答复")
    expect(appeal_row).to_contain_text("剩 10 天")
    shot(office, "office-appeals-list")
    appeal_row.get_by_role("link", name="市财政局").click()
    # the appellant's file is there to read before answering
    with office.expect_download() as download:
        office.get_by_role("link", name="五星级党支部表彰决定.pdf").click()
    assert download.value.suggested_filename == "五星级党支部表彰决定.pdf"
    office.locator("textarea[name=answer]").fill("经核实，该表彰属实，党的建设得分更正为10分并重新计算。")
    office.get_by_role("button", name="采纳（更正后重新计算）").click()
    expect(_flash(office)).to_have_text("已采纳：请通过评分、加减分等页面更正数据，然后重新计算。")
    expect(office.locator("h2").first).to_contain_text("已采纳")
    shot(office, "office-appeal-upheld")

    # The office corrects the party-building score in the appeals phase, through the scoring screen.
    office.goto(f"/t/{slug}/scoring/appraisees/{finance}")
    expect(office.locator(".page-head")).to_contain_text("当前阶段：复核")
    party = office.locator("section.card", has_text="评分").locator("tbody tr", has_text="党的建设")
    party.locator("input.v").fill("10")
    party.locator("input[name^='c|']").fill("复核更正：省级五星级党支部表彰")
    office.get_by_role("button", name="保存评分").click()
    expect(_flash(office)).to_have_text("已保存 1 项评分。")
    expect(party.locator("input.v")).to_have_value("10")
    shot(office, "office-score-corrected")

    # Recompute: 市财政局 now leads its group.
    office.goto(f"/t/{slug}/results/")
    office.locator("tbody tr", has_text="市直部门").get_by_role("button", name="计算").click()
    expect(_flash(office)).to_have_text("计算完成：5 个考核对象。")
    office.get_by_role("link", name="市直部门").click()
    for name, rank, score in (("市财政局", "1", "94.00"), ("市发改委", "2", "93.50"), ("市委组织部", "3", "87.50")):
        row = _leaderboard_row(office, name)
        expect(row.locator("td").nth(0)).to_have_text(rank)
        expect(row.locator("td").nth(2)).to_have_text(score)
    shot(office, "office-leaderboard-after-recompute")
    unit.goto(f"/t/{slug}/results/appraisees/{finance}")
    expect(unit.locator(".stat").nth(0)).to_have_text("94.00")

    # The audit log shows the correction (7 → 10) and the appeal's answer.
    office.goto(f"/t/{slug}/audit/?action=score.update")
    entry = office.locator("table.audit tbody tr").first
    expect(entry).to_contain_text("考核办王主任")
    expect(entry.locator("del").first).to_have_text(re.compile(r"^7(\.0+)?$"))  # the log keeps 3 decimals
    expect(entry.locator("ins").first).to_have_text(re.compile(r"^10(\.0+)?$"))
    shot(office, "office-audit-score-correction")
    office.goto(f"/t/{slug}/audit/?action=appeal")
    expect(office.locator("table.audit tbody")).to_contain_text("appeal.uphold")
    shot(office, "office-audit-appeal")


def test_appeal_form_reachable_from_the_breakdown(city, page_as):
    prepare_inputs(city)
    move_to(city, "computing")
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Cycle, Population
    from appraisal.tenants.results import services
    from appraisal.tenants.results.services import publication

    with tenant_scope(city.tenant):
        for key in ("dept_pop", "staff_pop"):
            services.request_compute(db.session.get(Population, city.ids[key]))
        publication.publish(db.session.get(Cycle, city.ids["cycle"]), publicity_days=5, appeal_days=10, answer_days=10)
        db.session.commit()
    db.session.remove()
    unit = page_as("unit_admin")
    unit.goto(f"/t/{city.slug}/results/appraisees/{city.ids['appraisees']['市财政局']}")
    unit.get_by_role("link", name="申请复核").click(timeout=3000)
    expect(unit.locator("h1")).to_have_text("申请复核 · 市财政局")
