"""The score grid as a spreadsheet: a 40-row block copied from Excel or WPS
(tab-separated, full-width digits, trailing spaces, \\r\\n) pasted at the focused
cell fills the cells it covers and is saved in one action; a bad cell in the block
is refused at that cell and nothing is saved; arrows and Enter move between cells.

The clicks and keystrokes it takes to enter one indicator for 40 departments are
counted here, before (a click per cell or Tab through the row's stops) and after
(click, paste, save), and written to /tmp/shots_grid/counts.json."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import build_city, move_to, require_browser

require_browser()
from playwright.sync_api import expect  # noqa: E402

SHOTS = Path("/tmp/shots_grid")
#: 40 departments; the third is 市委组织部, which assesses party building (conftest's city)
FORTY = [("市财政局", "SG1"), ("市发改委", "SG1"), ("市委组织部", "SG1")] + [
    (f"市第{i}局", "SG1" if i % 2 else "SG2") for i in range(4, 41)
]


@pytest.fixture
def city(make_tenant, make_user):
    return build_city(make_tenant("zz", "枣庄市考核办"), make_user, departments=FORTY)


def _grid(page, city):
    page.goto(f"/t/{city.slug}/scoring/grid?population={city.ids['dept_pop']}")
    return page.locator("#score-grid tbody input.v")


def _block(values) -> str:
    """As Excel/WPS put a column on the clipboard: full-width digits here and there,
    trailing spaces, \\r\\n line ends and a final \\r\\n."""
    full = str.maketrans("0123456789.", "０１２３４５６７８９．")
    lines = [(v.translate(full) if i % 3 == 0 else v) + ("  " if i % 4 == 0 else "") for i, v in enumerate(values)]
    return "\r\n".join(lines) + "\r\n"


def _paste(page, locator, text: str) -> None:
    """A real paste (Ctrl+V) of ``text`` from the system clipboard into ``locator``."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    locator.click()
    locator.press("Control+V")


def _saved(city) -> dict[str, Decimal]:
    from appraisal.platform.db import db
    from appraisal.platform.tenancy import tenant_scope
    from appraisal.tenants.cycles.models import Appraisee
    from appraisal.tenants.scoring.models import Score

    with tenant_scope(city.tenant):
        rows = db.session.execute(
            select(Appraisee.name, Score.value)
            .join(Score, Score.appraisee_id == Appraisee.id)
            .where(Appraisee.population_id == city.ids["dept_pop"])
        ).all()
    db.session.remove()
    return {name: value for name, value in rows}


def test_a_pasted_40_row_block_is_saved_in_one_action(city, page_as, shot):
    move_to(city, "scoring")
    assessor = page_as("assessor")
    cells = _grid(assessor, city)
    expect(cells).to_have_count(40)
    names = assessor.locator("#score-grid tbody td.who a").all_inner_texts()

    # before: what entering the column took without the sheet — a click per cell (or
    # Tab through every stop of a row: the name link, the cell, the reason, "保存本行")
    tab_stops = assessor.evaluate(
        """() => { const row = document.querySelector('#score-grid tbody tr');
                   return row.querySelectorAll('a[href], input:not([type=hidden]), button').length; }"""
    )
    before = {"clicks": 40 + 1, "typed_values": 40, "tabs": 40 * tab_stops}

    values = [f"{8 + (i % 20) / 10:.1f}" for i in range(40)]
    clicks, keys = 0, 0
    _paste(assessor, cells.first, _block(values))
    clicks, keys = clicks + 1, keys + 1
    expect(assessor.locator("[data-sheet-status]")).to_have_text("有 40 项改动尚未保存")
    expect(assessor.locator("[data-sheet-pasted]")).to_have_text("已粘贴 40 格，尚未保存。")
    expect(assessor.locator("#score-grid td.changed")).to_have_count(40)
    expect(cells.nth(39)).to_have_value(values[39])
    expect(cells.nth(0)).to_have_value(values[0])  # ８．０ became 8.0, the trailing spaces gone
    shot(assessor, "pasted")
    assessor.screenshot(path=str(SHOTS / "grid-pasted.png"), full_page=True)
    assert _saved(city) == {}  # nothing written before the save

    assessor.get_by_role("button", name="保存全部修改").click()
    clicks += 1
    expect(assessor.locator(".flash[role=status]")).to_have_text("已保存 40 项评分。")
    saved = _saved(city)
    assert saved == {name: Decimal(v) for name, v in zip(names, values)}
    expect(assessor.locator("#score-grid td.changed")).to_have_count(0)
    assessor.screenshot(path=str(SHOTS / "grid-saved.png"), full_page=True)

    after = {"clicks": clicks, "keystrokes": keys, "typed_values": 0}
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "counts.json").write_text(
        json.dumps({"cells": 40, "before": before, "after_paste": after}, ensure_ascii=False), encoding="utf-8"
    )
    assert clicks + keys <= 3


def test_a_bad_cell_in_the_block_is_refused_there_and_nothing_is_saved(city, page_as, people):
    move_to(city, "scoring")
    assessor = page_as("assessor")
    cells = _grid(assessor, city)
    # a score and its reason in the first line, and a third column beyond the grid's last
    # (the reason): the cell left over is reported, not dropped silently
    block = "9\t按考核细则\t多余\n9.5\n12\n８．８\n"
    _paste(assessor, cells.nth(1), block)
    expect(assessor.locator("[data-sheet-pasted]")).to_have_text(
        "已粘贴 5 格，尚未保存。另有 1 格超出表格范围，未粘贴。"
    )
    expect(cells.nth(0)).to_have_value("")
    expect(assessor.locator("#score-grid tbody tr").nth(1).locator("input.note")).to_have_value("按考核细则")
    expect(cells.nth(3)).to_have_value("12")
    expect(cells.nth(4)).to_have_value("8.8")
    cells.nth(4).press("Control+Enter")  # saves all from anywhere
    bad = assessor.locator("#score-grid tbody td.has-error")
    expect(bad).to_have_count(1)
    expect(bad.locator(".cell-error")).to_contain_text("须在")
    expect(bad.locator("input.v")).to_have_value("12")
    expect(cells.nth(1)).to_have_value("9")  # what was pasted stays on the page, unsaved
    expect(assessor.locator("#score-grid td.changed")).to_have_count(4)
    expect(assessor.locator("#score-grid tbody tr").nth(1).locator("input.note")).to_have_value("按考核细则")
    assessor.screenshot(path=str(SHOTS / "grid-refused.png"), full_page=True)
    assert _saved(city) == {}  # all or nothing


def test_arrows_and_enter_move_between_cells_and_enter_at_the_last_row_saves(city, page_as):
    move_to(city, "scoring")
    assessor = page_as("assessor")
    cells = _grid(assessor, city)
    cells.nth(0).click()
    for i in range(40):
        assessor.keyboard.type(str(7 + (i % 3)))
        assessor.keyboard.press("Enter")  # the last Enter saves
    expect(assessor.locator(".flash[role=status]")).to_have_text("已保存 40 项评分。")
    assert len(_saved(city)) == 40
    cells = assessor.locator("#score-grid tbody input.v")
    cells.nth(5).click()
    assessor.keyboard.press("ArrowDown")
    expect(cells.nth(6)).to_be_focused()
    assessor.keyboard.press("ArrowUp")
    assessor.keyboard.press("ArrowUp")
    expect(cells.nth(4)).to_be_focused()
    assessor.keyboard.press("Shift+Enter")
    expect(cells.nth(3)).to_be_focused()
    assessor.keyboard.press("End")
    assessor.keyboard.press("ArrowRight")  # from the score to the row's reason
    expect(assessor.locator("#score-grid tbody tr").nth(3).locator("input.note")).to_be_focused()
