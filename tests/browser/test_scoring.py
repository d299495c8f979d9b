"""Year-end scoring in the browser: the assessor's grid (with the refusal of a
stale edit from a second tab), the sector lead's business items, a bonus
claimed by the unit and verified by the office, a penalty and a veto recorded
by the office."""

from __future__ import annotations

import re

from tests.browser.conftest import move_to, require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

PARTY = {"市财政局": "9.5", "市发改委": "9", "市委组织部": "8.5", "市教育局": "9.2", "市卫健委": "8.8"}


def _flash(page):
    return page.locator(".flash[role=status]")


def _cell(page, name: str):
    return page.locator("#score-grid tbody tr", has=page.get_by_role("link", name=name, exact=True)).locator("input.v")


def test_assessor_scores_party_building_for_every_department(city, shot, page_as):
    move_to(city, "scoring")
    slug = city.slug
    assessor = page_as("assessor")
    assessor.goto(f"/t/{slug}/scoring/")
    task = assessor.locator("section.card", has_text="我的评分任务").locator("tbody tr", has_text="市直部门")
    expect(task).to_contain_text("党的建设")
    expect(task).to_contain_text("已评 0 / 5")
    shot(assessor, "assessor-tasks")
    task.get_by_role("link", name="评分表").click()
    expect(assessor.locator("h1")).to_have_text("评分表 · 市直部门")
    expect(assessor.locator("#score-grid tbody tr")).to_have_count(5)
    for name, value in PARTY.items():
        _cell(assessor, name).fill(value)
    shot(assessor, "assessor-grid-filled")
    assessor.get_by_role("button", name="保存全部修改").click()
    expect(_flash(assessor)).to_have_text("已保存 5 项评分。")
    expect(assessor.locator(".page-head")).to_contain_text("已评 5 / 5")
    for name, value in PARTY.items():
        expect(_cell(assessor, name)).to_have_value(value)
    shot(assessor, "assessor-grid-saved")

    # Lowering a score needs a reason: refused, nothing saved, the message beside the cell.
    _cell(assessor, "市发改委").fill("8")
    assessor.get_by_role("button", name="保存全部修改").click()
    row = assessor.locator("#score-grid tbody tr", has_text="市发改委")
    expect(row.locator(".cell-error")).to_contain_text("降低分数须填写原因")
    shot(assessor, "assessor-lowering-without-reason")
    row.locator("input.note").fill("年底复查发现组织生活会记录不全")
    row.get_by_role("button", name="保存本行").click()
    expect(_flash(assessor)).to_have_text("已保存 1 项评分。")
    expect(_cell(assessor, "市发改委")).to_have_value("8")

    # Two tabs on the same grid: the second save of the same score is refused with both values.
    grid_url = assessor.url
    other_tab = assessor.context.new_page()
    other_tab.goto(grid_url)
    _cell(assessor, "市财政局").fill("9.6")
    assessor.locator("#score-grid tbody tr", has_text="市财政局").get_by_role("button", name="保存本行").click()
    expect(_flash(assessor)).to_have_text("已保存 1 项评分。")
    _cell(other_tab, "市财政局").fill("9.7")
    other_tab.locator("#score-grid tbody tr", has_text="市财政局").get_by_role("button", name="保存本行").click()
    expect(other_tab.locator("h1")).to_have_text("分数已被他人修改，未保存")
    conflict = other_tab.locator("table.conflicts tbody tr")
    expect(conflict.locator("td.yours")).to_have_text("9.7")
    expect(conflict.locator("td.theirs")).to_have_text("9.6")
    expect(conflict).to_contain_text("组织部张科长")
    shot(other_tab, "assessor-stale-edit-refused")
    other_tab.get_by_role("link", name="重新打开，查看最新分数").click()
    expect(_cell(other_tab, "市财政局")).to_have_value("9.6")


def test_bonus_claimed_and_verified_penalty_and_veto_recorded(city, shot, page_as):
    move_to(city, "scoring")
    slug = city.slug
    finance = city.ids["appraisees"]["市财政局"]

    # The unit admin claims an innovation bonus for 市财政局.
    unit = page_as("unit_admin")
    unit.goto(f"/t/{slug}/scoring/")
    unit.locator("section.card", has_text="考核对象").get_by_role("link", name="市财政局").first.click()
    expect(unit.locator("h1")).to_have_text("市财政局")
    unit.get_by_role("link", name="申请加分").click()
    unit.locator("select[name=rule]").select_option(label="创新加分(业务部门肯定推广)")
    unit.locator("select[name=level]").select_option(label="省级（6分）")
    unit.locator("input[name=dedup_key]").fill("预算绩效管理改革")
    unit.locator("textarea[name=description]").fill("预算绩效管理改革经验被省财政厅发文推广。")
    shot(unit, "unit-bonus-claim-form")
    unit.get_by_role("button", name="提交申请").click()
    expect(_flash(unit)).to_have_text("已提交加分申请，等待核实。")
    claim_row = unit.locator("section.card", has_text="加减分").locator("tbody tr", has_text="创新加分")
    expect(claim_row.locator(".badge").nth(1)).to_have_text("待核实")

    # The office verifies it.
    office = page_as("office_admin")
    office.goto(f"/t/{slug}/scoring/appraisees/{finance}")
    office_row = office.locator("section.card", has_text="加减分").locator("tbody tr", has_text="创新加分")
    expect(office_row).to_contain_text("项目：预算绩效管理改革")
    shot(office, "office-claim-to-verify")
    office_row.get_by_role("button", name="核实认定").click()
    expect(_flash(office)).to_have_text("已核实认定。")
    expect(office_row.locator(".badge").nth(1)).to_have_text("已核实")
    expect(office_row.locator("td.num").nth(1)).to_have_text("6")

    # A penalty (official criticism) on 市发改委, recorded by the office.
    office.goto(f"/t/{slug}/scoring/appraisees/{city.ids['appraisees']['市发改委']}")
    office.get_by_role("link", name="记录扣分").click()
    office.locator("select[name=rule]").select_option(label="通报批评（每次5分）")
    office.locator("textarea[name=description]").fill("市政府督查室通报批评：重点项目推进滞后。")
    office.get_by_role("button", name="记录扣分").click()
    expect(_flash(office)).to_have_text("已记录扣分，被考核对象可立即看到。")
    penalty = office.locator("section.card", has_text="加减分").locator("tbody tr", has_text="通报批评")
    expect(penalty.locator(".badge").first).to_have_text("扣分")
    expect(penalty.locator("td.num").nth(1)).to_have_text("5")
    shot(office, "office-penalty-recorded")

    # A veto (work safety) on 市卫健委.
    office.goto(f"/t/{slug}/scoring/appraisees/{city.ids['appraisees']['市卫健委']}")
    office.get_by_role("link", name="记录一票否决").click()
    office.locator("select[name=rule]").select_option(label="安全生产一票否决")
    office.locator("textarea[name=description]").fill("辖管医院发生较大安全生产事故。")
    shot(office, "office-veto-form")
    office.get_by_role("button", name="记录").click()
    expect(_flash(office)).to_have_text("已记录一票否决。")
    expect(office.locator(".flash-error[role=alert]")).to_have_text("该考核对象已被一票否决，详见下方记录。")
    shot(office, "office-veto-recorded")
    office.goto(f"/t/{slug}/scoring/vetoes")
    expect(office.locator("tbody")).to_contain_text("市卫健委")
    shot(office, "office-vetoes-list")
    office.goto(f"/t/{slug}/scoring/claims")
    expect(office.locator("tbody tr")).to_have_count(2)
    shot(office, "office-claims-list")

    # The unit admin sees the verified bonus on its own page.
    unit.goto(f"/t/{slug}/scoring/appraisees/{finance}")
    expect(claim_row.locator(".badge").nth(1)).to_have_text("已核实")
    expect(unit.get_by_role("link", name=re.compile("记录一票否决"))).to_have_count(0)


def _approve_letters(city, names) -> None:
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Appraisee
    from appraisal.tenants.letters import services as letters

    with tenant_scope(city.tenant):
        for name in names:
            letter = letters.letter_for(db.session.get(Appraisee, city.ids["appraisees"][name]))
            letters.save_item(letter, title=f"{name}重点改革任务", points="40", measure="按进度计分")
            letters.save_item(letter, title=f"{name}常规业务工作", points="30", measure="按完成率计分")
            letters.submit(letter)
            letters.decide(letter, approve=True)
        db.session.commit()
    db.session.remove()


def test_sector_lead_scores_the_business_items_of_its_departments(city, shot, page_as):
    _approve_letters(city, ["市财政局", "市发改委", "市教育局"])
    move_to(city, "scoring")
    slug = city.slug
    lead = page_as("sector_lead")
    lead.goto(f"/t/{slug}/scoring/")
    task = lead.locator("section.card", has_text="我的评分任务").locator("tbody tr", has_text="市直部门")
    task.get_by_role("link", name="业务目标评分").click()
    expect(lead.locator("h1")).to_have_text("业务目标评分 · 市直部门")
    sections = lead.locator("form[method=post] section.card")
    expect(sections).to_have_count(3)  # 综合经济组 only: 市教育局 (社会事业组) is not the lead's
    expect(lead.locator("main")).not_to_contain_text("市教育局")
    expect(sections.filter(has_text="市委组织部")).to_contain_text("尚无已审定的目标责任书。")
    for name, values in (("市财政局", ("38", "29")), ("市发改委", ("36.5", "30"))):
        inputs = sections.filter(has_text=name).locator("input.v")
        for i, value in enumerate(values):
            inputs.nth(i).fill(value)
    sections.filter(has_text="市财政局").locator("input[name^='c|']").first.fill("改革任务基本完成，个别事项滞后")
    shot(lead, "lead-business-items")
    lead.get_by_role("button", name="保存全部修改").click()
    expect(_flash(lead)).to_have_text("已保存 4 项评分。")
    expect(sections.filter(has_text="市发改委").locator("input.v").first).to_have_value("36.5")
    shot(lead, "lead-business-items-saved")


def test_assessor_task_row_offers_only_what_the_assessor_scores(city, page_as):
    """Once failed: scoring/index.html tested ``t.items`` on a dict (Jinja: the dict's
    ``.items`` method, always true), offering business-item scoring on every row."""
    move_to(city, "scoring")
    assessor = page_as("assessor")
    assessor.goto(f"/t/{city.slug}/scoring/")
    task = assessor.locator("section.card", has_text="我的评分任务").locator("tbody tr", has_text="市直部门")
    expect(task.get_by_role("link", name="评分表")).to_have_count(1)
    expect(task.get_by_role("link", name="业务目标评分")).to_have_count(0, timeout=2000)
