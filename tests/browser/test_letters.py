"""Target setting in the browser: the unit admin drafts the responsibility letter,
the sector lead returns it once and approves it after resubmission; the office
watches the progress on the cycle page and moves the cycle to tracking."""

from __future__ import annotations

from tests.browser.conftest import require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402


def _add_item(page, title: str, points: str, measure: str) -> None:
    form = page.locator("#item-form form").first
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=points]").fill(points)
    form.locator("textarea[name=measure]").fill(measure)
    form.locator("textarea[name=evidence_required]").fill("统计报表、财政决算")
    form.get_by_role("button", name="保存目标").click()
    expect(page.locator(".flash-success[role=status]")).to_contain_text("已保存目标")


def test_letter_drafted_returned_resubmitted_and_approved(city, shot, page_as):
    slug, cycle_id = city.slug, city.ids["cycle"]
    finance = city.ids["appraisees"]["市财政局"]

    # The office opens the cycle page: no letter approved yet.
    office = page_as("office_admin")
    office.goto(f"/t/{slug}/cycles/{cycle_id}")
    expect(office.locator("h1")).to_contain_text("2026年度目标管理考核")
    progress = office.locator("section.card", has_text="目标责任书进度")
    expect(progress.locator(".stat").first).to_have_text(
        "0 / 10"
    )  # 5 departments + 5 county-level cadres (scheme C has items too)
    shot(office, "office-cycle-page")

    # The unit admin drafts the letter: items until they total 70, then submits.
    unit = page_as("unit_admin")
    unit.goto(f"/t/{slug}/letters/")
    unit.get_by_role("link", name="市财政局").first.click()
    expect(unit.locator("h1")).to_contain_text("市财政局 · 2026 年度目标责任书")
    expect(unit.locator(".page-head .badge")).to_have_text("未起草")
    _add_item(unit, "地方一般公共预算收入增长8%", "40", "完成目标得满分，每低1个百分点扣2分")
    _add_item(unit, "预算绩效管理全覆盖", "20", "按覆盖率计分")
    total = unit.locator("tfoot th.num")
    expect(total).to_have_text("60 / 70")
    expect(unit.locator("tfoot .text-danger")).to_have_text("60 / 70")  # marked while it is short of 70
    shot(unit, "unit-letter-draft-60-of-70")
    _add_item(unit, "政府债务风险防控", "10", "未发生风险事件得满分")
    expect(total).to_have_text("70 / 70")
    unit.get_by_role("button", name="提交审核").click()
    expect(unit.locator(".flash-success[role=status]")).to_contain_text("已提交分口考核组审核")
    expect(unit.locator(".page-head .badge")).to_have_text("待审核")
    shot(unit, "unit-letter-submitted")

    # The sector lead returns it with a reason.
    lead = page_as("sector_lead")
    lead.goto(f"/t/{slug}/letters/")
    row = lead.locator("tr", has_text="市财政局")
    expect(row.locator(".badge").first).to_have_text("待审核")
    shot(lead, "lead-letters-list")
    row.get_by_role("link", name="市财政局").click()
    lead.locator("textarea[name=reason]").fill("债务风险防控目标缺少量化指标，请补充化解存量债务的具体数额。")
    lead.get_by_role("button", name="退回修改").click()
    expect(lead.locator(".flash-success[role=status]")).to_contain_text("已退回")
    expect(lead.locator(".page-head .badge")).to_have_text("已退回")

    # The unit admin sees the reason, corrects the item and resubmits.
    unit.goto(f"/t/{slug}/letters/{finance}")
    expect(unit.locator(".flash-error")).to_contain_text("缺少量化指标")
    shot(unit, "unit-letter-returned")
    unit.locator("tr", has_text="政府债务风险防控").get_by_role("link", name="修改").click()
    unit.locator("#item-form input[name=title]").fill("政府债务风险防控：化解存量债务5亿元")
    unit.locator("#item-form").get_by_role("button", name="保存目标").click()
    expect(unit.locator(".flash-success[role=status]")).to_contain_text("已保存目标")
    expect(unit.locator("tbody").first).to_contain_text("化解存量债务5亿元")
    unit.get_by_role("button", name="提交审核").click()
    expect(unit.locator(".page-head .badge")).to_have_text("待审核")

    # The sector lead approves: the letter is frozen.
    lead.goto(f"/t/{slug}/letters/{finance}")
    lead.get_by_role("button", name="审定").click()
    expect(lead.locator(".flash-success[role=status]")).to_contain_text("已审定，责任书已冻结")
    expect(lead.locator(".page-head .badge")).to_have_text("已审定")
    expect(lead.locator(".timeline")).to_contain_text("退回：债务风险防控目标缺少量化指标")
    shot(lead, "lead-letter-approved")

    # The unit can no longer edit it; the print view lists the items.
    unit.goto(f"/t/{slug}/letters/{finance}")
    expect(unit.locator("#item-form")).to_have_count(0)
    unit.goto(f"/t/{slug}/letters/{finance}/print")
    expect(unit.locator("body")).to_contain_text("地方一般公共预算收入增长8%")
    shot(unit, "unit-letter-print")

    # The office sees 1 / 10 approved and moves the cycle on to tracking.
    office.goto(f"/t/{slug}/cycles/{cycle_id}")
    expect(progress.locator(".stat").first).to_have_text("1 / 10")
    office.locator("select[name=to]").select_option(label="过程跟踪")
    office.get_by_role("button", name="变更阶段").click()
    expect(office.locator(".flash-success[role=status]")).to_contain_text("已进入“过程跟踪”阶段")
    expect(office.locator(".page-head .badge")).to_have_text("过程跟踪")
    shot(office, "office-cycle-tracking")
    # In tracking the unit can no longer draft: the letters list shows the rest as not approved.
    office.goto(f"/t/{slug}/letters/?status=missing")
    expect(office.locator("tbody tr")).to_have_count(9)
