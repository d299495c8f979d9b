"""Democratic evaluation (民主测评): running an evaluation, casting ballots, results.

Anonymity by construction (see :mod:`.models`):

* ``voters`` says who may vote and whether they have voted (and on which day);
  nothing about how.
* A ballot is cast in one transaction that first *claims* the voter with a
  conditional ``UPDATE voters SET has_voted = true … WHERE has_voted = false``
  and goes on only when exactly one row changed: two submissions by the same
  voter, however simultaneous, give one ballot (the database serialises the
  two updates; the second finds the flag already set). The ballot itself is
  written in that transaction *sealed* (:mod:`.sealing`): one opaque AES-GCM
  ciphertext under the evaluation's key, itself wrapped under a key derived
  from the server's ``SECRET_KEY``. While voting is open no readable ballot
  exists in the database, so a shared transaction id, the rows' physical order
  or a dump links a voter only to bytes nobody can read from the database alone.
* When the evaluation closes (:mod:`.closing`), one transaction opens the pool,
  writes ``ballots`` (group and closing day, for counting) and ``ballot_lines``
  (group, appraisee, score — no ballot id) in random order under random ids,
  and deletes the sealed rows and the key. A ballot that cannot be opened, or a
  count that differs from the voters who voted, refuses the close.
* A rater group with fewer voters than ``min_group_size`` cannot open unless the
  office keeps it as a known-voter group (its voters identifiable; audited;
  labelled on the results; its scores count as written).
* Results exist only after closing, and only for rater groups with at least
  ``min_group_size`` ballot lines for an appraisee; smaller groups are merged or
  dropped (``small_group_policy``). The same rule shapes the engine's input.
* No audit row is written per ballot (an audit row names its actor and the
  second it was written). Managing an evaluation is audited as usual.

Services raise :class:`BallotError` (a user-facing Chinese reason) and never
commit, except :func:`cast_ballot`, which owns its transaction.

The operations live by concept: :mod:`.setup` (the scheme's rater groups, the
settings, creating, changing and opening an evaluation), :mod:`.voters`
(eligible voters), :mod:`.codes` (one-time codes and slips), :mod:`.casting`
(the ballot sheet and casting), :mod:`.sealing` (ballots encrypted while
voting is open), :mod:`.closing` (closing and the shuffled write-out),
:mod:`.tallies` (turnout, results, the small-group rule and the engine's
``ballots`` input) and :mod:`.voting` (the voter's own evaluations);
:mod:`.common` holds what they share. This module re-exports what views, other
features and tests use.
"""

from __future__ import annotations

from appraisal.tenants.ballots.casting import SheetRow, ballot_sheet, cast_ballot, check_can_vote
from appraisal.tenants.ballots.closing import after_close, close_evaluation
from appraisal.tenants.ballots.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_CODES_AT_ONCE,
    Slip,
    code_stats,
    format_code,
    generate_codes,
    hash_code,
    issue_named_codes,
    new_code,
    normalise_code,
    voter_for_code,
)
from appraisal.tenants.ballots.common import (
    AlreadyVoted,
    BallotError,
    BallotInvalid,
    GroupSpec,
    NotEligible,
    ResultsHidden,
    SettingsFrozen,
    fmt_weight,
    groups_of,
    today,
)
from appraisal.tenants.ballots.setup import (
    DEFAULT_GRADES,
    FROZEN_REASON,
    MAX_GROUP_NAME,
    MAX_GROUP_SIZE_SETTING,
    MAX_TITLE,
    MIN_GROUP_SIZE,
    POLICIES,
    SCALES,
    STANDARD_GROUPS,
    KNOWN_VOTERS_WARNING,
    check_group_sizes,
    create_evaluation,
    engine_rater_groups,
    group_sizes,
    grades_text,
    groups_from_form,
    open_evaluation,
    parse_grades,
    population_inside,
    scheme_ballot,
    set_known_voters,
    snapshot,
    update_evaluation,
)
from appraisal.tenants.ballots.tallies import (
    FRAME_COLUMNS,
    MERGED,
    Cell,
    Column,
    GroupTurnout,
    ResultRow,
    Results,
    ballots_frame,
    population_ballots_frame,
    results,
    turnout,
    turnouts,
)
from appraisal.tenants.ballots.voters import (
    ROLE_GROUP_KEYS,
    add_voter,
    add_voters_by_unit,
    default_role_groups,
    rater_group,
    remove_voter,
)
from appraisal.tenants.ballots.voting import MyEvaluation, my_evaluations, voter_of

__all__ = [
    "AlreadyVoted",
    "BallotError",
    "BallotInvalid",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "Cell",
    "Column",
    "DEFAULT_GRADES",
    "FRAME_COLUMNS",
    "FROZEN_REASON",
    "GroupSpec",
    "GroupTurnout",
    "MAX_CODES_AT_ONCE",
    "MAX_GROUP_NAME",
    "MAX_GROUP_SIZE_SETTING",
    "MAX_TITLE",
    "MERGED",
    "MIN_GROUP_SIZE",
    "MyEvaluation",
    "NotEligible",
    "POLICIES",
    "ROLE_GROUP_KEYS",
    "ResultRow",
    "Results",
    "ResultsHidden",
    "SCALES",
    "STANDARD_GROUPS",
    "SettingsFrozen",
    "SheetRow",
    "Slip",
    "KNOWN_VOTERS_WARNING",
    "check_group_sizes",
    "group_sizes",
    "set_known_voters",
    "add_voter",
    "after_close",
    "add_voters_by_unit",
    "ballot_sheet",
    "ballots_frame",
    "cast_ballot",
    "check_can_vote",
    "close_evaluation",
    "code_stats",
    "create_evaluation",
    "default_role_groups",
    "engine_rater_groups",
    "fmt_weight",
    "format_code",
    "generate_codes",
    "grades_text",
    "groups_from_form",
    "groups_of",
    "hash_code",
    "issue_named_codes",
    "my_evaluations",
    "new_code",
    "normalise_code",
    "open_evaluation",
    "parse_grades",
    "population_ballots_frame",
    "population_inside",
    "rater_group",
    "remove_voter",
    "results",
    "scheme_ballot",
    "snapshot",
    "today",
    "turnout",
    "turnouts",
    "update_evaluation",
    "voter_for_code",
    "voter_of",
]
