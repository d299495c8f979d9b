"""Helpers for engine tests: build input frames tersely and read results by id."""

from __future__ import annotations

import pandas as pd
import pytest

from appraisal.engine import Inputs, compute, load_template


def df(columns: str, rows: list[tuple]) -> pd.DataFrame:
    """df("appraisee_id value", [("a", 1), ...])"""
    return pd.DataFrame(rows, columns=columns.split())


def run(template: str, appraisees: pd.DataFrame, **tables):
    return compute(load_template(template), Inputs(appraisees, **tables))


def by_id(results) -> pd.DataFrame:
    return results.appraisees.set_index("appraisee_id")


def entered(ids, **values) -> pd.DataFrame:
    """scores rows: the same entered value of each indicator for every id."""
    rows = [(i, k, "", v) for i in ids for k, v in values.items()]
    return df("appraisee_id indicator item value", rows)


@pytest.fixture
def make_run():
    return run
