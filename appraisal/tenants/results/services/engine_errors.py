"""Engine failures in the user's words.

The engine reports problems in English, one line per problem (a bad ballot
table gives one line per ballot row). A user sees one complete Chinese
sentence saying what is wrong and what to do; the engine's own text goes to
the log and stays on the run (``ResultRun.message``) for whoever runs the
platform, never to the page.

Known problems get their own sentence; anything else a generic one. The
sentences are catalogue message ids, stored in Chinese (the computation may run
in a worker with no reader) and shown in the reader's language when a
translation exists (``_(run.error)`` in the template).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from appraisal import engine

NO_BALLOT_INDICATOR = _l(
    "计算失败：本群体有已结束的民主测评，但其考核方案没有民主测评指标，测评得分无法计入。"
    "请联系考核办在考核方案中增加民主测评指标后重新计算。"
)
BAD_INPUTS = _l("计算失败：考核数据中有计算程序无法处理的内容，请联系考核办。")
BAD_SCHEME = _l("计算失败：考核方案有误，计算程序无法使用，请联系考核办检查考核方案。")
UNEXPECTED = _l("计算失败：计算程序出错，请联系考核办。")

#: (table, the engine's message) → the sentence a user sees
KNOWN_INPUT_ERRORS = {
    ("ballots", "the scheme has no ballot indicator"): NO_BALLOT_INDICATOR,
}


def _message(exc: BaseException):
    if isinstance(exc, engine.InputErrors):
        for error in exc.errors:
            known = KNOWN_INPUT_ERRORS.get((error.table, error.message))
            if known is not None:
                return known
        return BAD_INPUTS
    if isinstance(exc, engine.SchemeErrors):
        return BAD_SCHEME
    return UNEXPECTED


def describe(exc: BaseException) -> str:
    """One complete Chinese sentence for a failed computation."""
    with force_locale("zh_Hans"):
        return str(_message(exc))
