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

The operations live by concept, one module each in this package:
:mod:`.settings` (the scheme's rater groups, the settings and their checks),
:mod:`.setup` (creating, changing and opening an evaluation), :mod:`.voters`
(eligible voters), :mod:`.codes` (one-time codes and slips), :mod:`.casting`
(the ballot sheet and casting), :mod:`.sealing` (ballots encrypted while
voting is open), :mod:`.closing` (closing and the shuffled write-out),
:mod:`.tallies` (turnout, results, the small-group rule and the engine's
``ballots`` input) and :mod:`.voting` (the voter's own evaluations);
:mod:`.common` holds what they share. This module re-exports the feature's
public surface: what its views, other features (results, cycles) and the demo
use. Nothing outside the feature imports the modules themselves (tests may).
"""

from __future__ import annotations

from appraisal.tenants.ballots.services.casting import ballot_sheet, cast_ballot, check_can_vote
from appraisal.tenants.ballots.services.closing import after_close, close_evaluation
from appraisal.tenants.ballots.services.codes import (
    Slip,
    code_stats,
    format_code,
    generate_codes,
    issue_named_codes,
    normalise_code,
    voter_for_code,
)
from appraisal.tenants.ballots.services.common import (
    AlreadyVoted,
    BallotError,
    BallotInvalid,
    GroupSpec,
    NotEligible,
    ResultsHidden,
    SettingsFrozen,
    fmt_weight,
    group_sizes,
    groups_of,
    session_group_sizes,
)
from appraisal.tenants.ballots.services.rules import UNKNOWN, Rules, parse_rules, rules_of, top_label
from appraisal.tenants.ballots.services.sessions import (
    close_session,
    population_departments,
    session_of,
    sessions_of,
    set_closing_time,
)
from appraisal.tenants.ballots.services.settings import (
    DEFAULT_GRADES,
    FROZEN_REASON,
    KNOWN_VOTERS_WARNING,
    STANDARD_GROUPS,
    engine_rater_groups,
    grades_text,
    groups_from_form,
    parse_grades,
    scheme_ballot,
)
from appraisal.tenants.ballots.services.setup import (
    create_evaluation,
    open_evaluation,
    population_inside,
    set_known_voters,
    update_evaluation,
)
from appraisal.tenants.ballots.services.tallies import (
    MERGED,
    population_ballots_frame,
    results,
    session_turnouts,
    turnout,
    turnouts,
)
from appraisal.tenants.ballots.services.voters import (
    add_voter,
    add_voters_by_unit,
    create_department_sessions,
    default_role_groups,
    rater_group,
    remove_voter,
)
from appraisal.tenants.ballots.services.voting import my_evaluations, voter_of

__all__ = [
    "DEFAULT_GRADES",
    "FROZEN_REASON",
    "KNOWN_VOTERS_WARNING",
    "MERGED",
    "STANDARD_GROUPS",
    "UNKNOWN",
    "AlreadyVoted",
    "BallotError",
    "BallotInvalid",
    "GroupSpec",
    "NotEligible",
    "ResultsHidden",
    "Rules",
    "SettingsFrozen",
    "Slip",
    "add_voter",
    "add_voters_by_unit",
    "after_close",
    "ballot_sheet",
    "cast_ballot",
    "check_can_vote",
    "close_evaluation",
    "close_session",
    "code_stats",
    "create_department_sessions",
    "create_evaluation",
    "default_role_groups",
    "engine_rater_groups",
    "fmt_weight",
    "format_code",
    "generate_codes",
    "grades_text",
    "group_sizes",
    "groups_from_form",
    "groups_of",
    "issue_named_codes",
    "my_evaluations",
    "normalise_code",
    "open_evaluation",
    "parse_grades",
    "parse_rules",
    "population_ballots_frame",
    "population_departments",
    "population_inside",
    "rater_group",
    "remove_voter",
    "results",
    "rules_of",
    "scheme_ballot",
    "session_group_sizes",
    "session_of",
    "session_turnouts",
    "sessions_of",
    "set_closing_time",
    "set_known_voters",
    "top_label",
    "turnout",
    "turnouts",
    "update_evaluation",
    "voter_for_code",
    "voter_of",
]
