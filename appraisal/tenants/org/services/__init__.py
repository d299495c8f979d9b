"""What the org feature offers: the tree, its units and people, the roster.

Other features, the demo and the platform import this package (and
``org.models``) only. Inside it:

- ``core``: reading the tree (names, order, counts) and changing units
  (``OrgError`` when a change is refused);
- ``people``: changing people and linking them to users;
- ``access``: where on the tree a user may act (``TOP_LEVEL``, ``units_where``);
- ``labels``: display names of the org vocabulary and the words a roster file uses;
- ``roster_file``, ``roster_check``, ``importer``: reading, checking and
  applying a roster file (all-or-nothing, ``RosterInvalid`` lists every issue);
- ``workbooks``: the roster template and the exported workbooks.
"""

from __future__ import annotations

from appraisal.tenants.org.services.access import (
    TOP_LEVEL,
    Place,
    can_restructure,
    parent_place,
    units_where,
)
from appraisal.tenants.org.services.core import (
    MAX_CODE,
    MAX_PERSON_NAME,
    MAX_POSITION,
    MAX_STAFF_NO,
    MAX_UNIT_NAME,
    OrgError,
    ancestors,
    check_move,
    create_unit,
    in_tree_order,
    people_counts,
    person_by_staff_no,
    person_of_user,
    set_unit_active,
    subtree_totals,
    unit_by_code,
    unit_labels,
    unit_names,
    update_unit,
)
from appraisal.tenants.org.services.importer import (
    ImportResult,
    Preview,
    apply_plan,
    check_roster,
    import_roster,
    preview_plan,
)
from appraisal.tenants.org.services.labels import (
    CATEGORY_LABELS,
    LEADER_LABELS,
    UNIT_KIND_BADGES,
    UNIT_KIND_LABELS,
    category_label,
    kind_label,
    leader_label,
)
from appraisal.tenants.org.services.people import create_person, link_user, set_person_active, update_person
from appraisal.tenants.org.services.roster_check import OFFICE_ONLY_KINDS, plan_import
from appraisal.tenants.org.services.roster_file import PEOPLE, UNITS, Issue, RosterInvalid, Table, read_tables
from appraisal.tenants.org.services.workbooks import (
    XLSX_MIMETYPE,
    people_workbook,
    roster_workbook,
    template_workbook,
)

__all__ = [
    "CATEGORY_LABELS",
    "LEADER_LABELS",
    "MAX_CODE",
    "MAX_PERSON_NAME",
    "MAX_POSITION",
    "MAX_STAFF_NO",
    "MAX_UNIT_NAME",
    "OFFICE_ONLY_KINDS",
    "PEOPLE",
    "TOP_LEVEL",
    "UNITS",
    "UNIT_KIND_BADGES",
    "UNIT_KIND_LABELS",
    "XLSX_MIMETYPE",
    "ImportResult",
    "Issue",
    "OrgError",
    "Place",
    "Preview",
    "RosterInvalid",
    "Table",
    "ancestors",
    "apply_plan",
    "can_restructure",
    "category_label",
    "check_move",
    "check_roster",
    "create_person",
    "create_unit",
    "import_roster",
    "in_tree_order",
    "kind_label",
    "leader_label",
    "link_user",
    "parent_place",
    "people_counts",
    "people_workbook",
    "person_by_staff_no",
    "person_of_user",
    "plan_import",
    "preview_plan",
    "read_tables",
    "roster_workbook",
    "set_person_active",
    "set_unit_active",
    "subtree_totals",
    "template_workbook",
    "unit_by_code",
    "unit_labels",
    "unit_names",
    "units_where",
    "update_person",
    "update_unit",
]
