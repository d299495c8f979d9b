"""Upload bombs (issue item 7): peak RSS of refusing each one. Before the bounded
readers, a 4 M-row sheet cost ~794 MB, one 400 MB string ~480 MB, 12 MB of YAML
over 1 GB; now each is refused before a parser builds anything. The bombs are
built by streaming in setup (small: the xlsx files are < 1 MB)."""

from __future__ import annotations

from benchmarks.run import Benchmark

TARGETS = {
    name: "peak RSS ≈ the interpreter's own (< +50 MB)"
    for name in ("bomb_xlsx_4m_rows", "bomb_xlsx_400mb_string", "bomb_yaml_12mb", "bomb_yaml_1000_deep")
}


def _app():
    from appraisal.platform.app import create_app

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
        env={"APPRAISAL_ENV": "testing", "SECRET_KEY": "bench"},
    )
    ctx = app.test_request_context()
    ctx.push()
    return ctx


def _refuse_xlsx(data):
    from appraisal.tenants.org import roster_file

    tables, issues = roster_file.read_tables("名册.xlsx", data)
    assert not tables and issues


def _refuse_yaml(text):
    from appraisal.platform.limits import InputTooLarge, load_yaml_text

    try:
        load_yaml_text(text)
    except InputTooLarge:
        return
    raise AssertionError("not refused")


def benchmarks() -> list[Benchmark]:
    from tests.platform.test_limits import xlsx_bomb

    def rows():
        _app()
        return xlsx_bomb(rows=4_000_000, row_xml=lambda n: '<row><c t="s"><v>0</v></c></row>')

    def string():
        _app()
        return xlsx_bomb(shared="x" * 1_000_000, repeat=400)

    def yaml_big():
        _app()
        return "overrides:\n" + "".join(f"  k{i}: {i}\n" for i in range(700_000))

    def yaml_deep():
        _app()
        return "a: " + "[" * 900 + "]" * 900

    return [
        Benchmark("bomb_xlsx_4m_rows", rows, _refuse_xlsx, runs=3),
        Benchmark("bomb_xlsx_400mb_string", string, _refuse_xlsx, runs=3),
        Benchmark("bomb_yaml_12mb", yaml_big, _refuse_yaml, runs=3),
        Benchmark("bomb_yaml_1000_deep", yaml_deep, _refuse_yaml, runs=3),
    ]
