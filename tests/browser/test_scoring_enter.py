"""Saving from the keyboard in the score grid: what was typed is saved, in whatever row it was typed.

The grid is one form with a "保存本行" button per row. Without JavaScript, Enter in a
cell submits the form with its default button; with it, the grid is a sheet (issue 16):
Enter moves down and saves at the last row, Ctrl+Enter saves from any row. Every one
of these must submit with the default button, never the first row's (which saved
row 1 only and dropped everything typed elsewhere)."""

from __future__ import annotations

from tests.browser.conftest import move_to, require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402


def _cell(page, name: str):
    return page.locator("#score-grid tbody tr", has=page.get_by_role("link", name=name, exact=True)).locator("input.v")


def test_enter_in_the_third_row_saves_what_was_typed(city, shot, page_as):
    move_to(city, "scoring")
    assessor = page_as("assessor")
    assessor.goto(f"/t/{city.slug}/scoring/grid?population={city.ids['dept_pop']}")
    rows = assessor.locator("#score-grid tbody tr")
    expect(rows).to_have_count(5)
    third = rows.nth(2).locator("a").first.inner_text()
    fifth = rows.nth(4).locator("a").first.inner_text()
    _cell(assessor, fifth).fill("8.7")  # typed in another row first: must not be lost either
    _cell(assessor, third).fill("9.1")
    _cell(assessor, third).press("Control+Enter")
    expect(assessor.locator(".flash[role=status]")).to_have_text("已保存 2 项评分。")
    shot(assessor, "enter-saved")
    expect(_cell(assessor, third)).to_have_value("9.1")
    expect(_cell(assessor, fifth)).to_have_value("8.7")
    assessor.reload()
    expect(_cell(assessor, third)).to_have_value("9.1")
    expect(_cell(assessor, fifth)).to_have_value("8.7")


def test_enter_moves_down_and_saves_every_row_at_the_last(city, page_as):
    move_to(city, "scoring")
    assessor = page_as("assessor")
    assessor.goto(f"/t/{city.slug}/scoring/grid?population={city.ids['dept_pop']}")
    cells = assessor.locator("#score-grid tbody input.v")
    cells.nth(4).fill("8.7")
    cells.nth(2).fill("9.1")
    cells.nth(2).press("Enter")
    expect(cells.nth(3)).to_be_focused()  # moved down, nothing submitted
    expect(assessor.locator(".flash[role=status]")).to_have_count(0)
    assessor.keyboard.press("Enter")
    expect(cells.nth(4)).to_be_focused()
    assessor.keyboard.press("Enter")  # the last row: saves everything, not row 1 only
    expect(assessor.locator(".flash[role=status]")).to_have_text("已保存 2 项评分。")
    expect(cells.nth(2)).to_have_value("9.1")
    expect(cells.nth(4)).to_have_value("8.7")


def test_saving_one_row_keeps_what_was_typed_in_the_others(city, page_as):
    move_to(city, "scoring")
    assessor = page_as("assessor")
    assessor.goto(f"/t/{city.slug}/scoring/grid?population={city.ids['dept_pop']}")
    rows = assessor.locator("#score-grid tbody tr")
    second = rows.nth(1).locator("a").first.inner_text()
    fourth = rows.nth(3).locator("a").first.inner_text()
    _cell(assessor, second).fill("9.3")
    _cell(assessor, fourth).fill("8.9")
    rows.nth(3).get_by_role("button", name="保存本行").click()
    expect(assessor.locator(".flash[role=status]").first).to_have_text("已保存 1 项评分。")
    expect(assessor.locator(".flash[role=status]").nth(1)).to_contain_text("其他行还有 1 项改动尚未保存")
    expect(_cell(assessor, second)).to_have_value("9.3")  # kept on the page, not saved yet
    expect(_cell(assessor, fourth)).to_have_value("8.9")
    assessor.get_by_role("button", name="保存全部修改").click()
    expect(assessor.locator(".flash[role=status]")).to_have_text("已保存 1 项评分。")
    assessor.goto(f"/t/{city.slug}/scoring/grid?population={city.ids['dept_pop']}")
    expect(_cell(assessor, second)).to_have_value("9.3")
    expect(_cell(assessor, fourth)).to_have_value("8.9")
