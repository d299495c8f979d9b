"""Display names of the org vocabulary, and the words a roster file may use.

Display names are Chinese message ids (translated by the catalogue). The
roster vocabulary is *not* translated: a file filled in Chinese must import the
same whatever language the importer's screen is in, so it lists the Chinese
words (and the English enum values and a few aliases) literally.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.tenants.org.models import LeaderRole, PersonCategory, UnitKind

UNIT_KIND_LABELS = {
    UnitKind.OFFICE: _l("考核办"),
    UnitKind.SECTOR_GROUP: _l("分口考核组"),
    UnitKind.DEPARTMENT: _l("部门"),
    UnitKind.DISTRICT: _l("区县"),
    UnitKind.SECTION: _l("科室"),
}

#: CSS badge class per kind (see app.css: badge ok/warn/danger/brand).
UNIT_KIND_BADGES = {
    UnitKind.OFFICE: "brand",
    UnitKind.SECTOR_GROUP: "warn",
    UnitKind.DEPARTMENT: "",
    UnitKind.DISTRICT: "ok",
    UnitKind.SECTION: "",
}

CATEGORY_LABELS = {
    PersonCategory.CITY_CADRE: _l("市管干部"),
    PersonCategory.COUNTY_LEVEL: _l("县级干部"),
    PersonCategory.SECTION_LEVEL: _l("科级及以下"),
    PersonCategory.GENERAL_STAFF: _l("一般干部"),
    PersonCategory.TRAINEE: _l("见习人员"),
    PersonCategory.SECONDED: _l("挂职干部"),
}

LEADER_LABELS = {
    LeaderRole.NONE: _l("无"),
    LeaderRole.PRINCIPAL: _l("主要领导"),
    LeaderRole.DEPUTY: _l("副职"),
}


def kind_label(kind) -> str:
    return str(UNIT_KIND_LABELS.get(UnitKind(kind), kind))


def category_label(category) -> str:
    return str(CATEGORY_LABELS.get(PersonCategory(category), category))


def leader_label(role) -> str:
    return str(LEADER_LABELS.get(LeaderRole(role), role))


# ---------------------------------------------------------------------------
# Roster-file vocabulary: the first word of each list is what the template and
# the export write; every word is accepted on import (case-insensitive).
# ---------------------------------------------------------------------------

UNIT_KIND_WORDS: dict[UnitKind, tuple[str, ...]] = {
    UnitKind.OFFICE: ("考核办", "考核办公室", "机关"),
    UnitKind.SECTOR_GROUP: ("分口考核组", "考核组", "分口组"),
    UnitKind.DEPARTMENT: ("部门", "市直部门", "单位", "市直单位"),
    UnitKind.DISTRICT: ("区县", "区（市）", "区(市)", "区市", "县区", "区", "县"),
    UnitKind.SECTION: ("科室", "部室", "处室", "股室"),
}

CATEGORY_WORDS: dict[PersonCategory, tuple[str, ...]] = {
    PersonCategory.CITY_CADRE: ("市管干部",),
    PersonCategory.COUNTY_LEVEL: ("县级干部", "县级", "县处级干部"),
    PersonCategory.SECTION_LEVEL: ("科级及以下", "科级及以下干部", "科级"),
    PersonCategory.GENERAL_STAFF: ("一般干部", "干部职工", "一般工作人员"),
    PersonCategory.TRAINEE: ("见习人员", "见习"),
    PersonCategory.SECONDED: ("挂职干部", "挂职"),
}

LEADER_WORDS: dict[LeaderRole, tuple[str, ...]] = {
    LeaderRole.NONE: ("无", "否", "-"),
    LeaderRole.PRINCIPAL: ("主要领导", "正职", "正职领导"),
    LeaderRole.DEPUTY: ("副职", "副职领导"),
}


def _vocabulary(words: dict) -> dict:
    table = {}
    for member, names in words.items():
        table[member.value.lower()] = member
        table[member.name.lower()] = member
        for name in names:
            table[name.lower()] = member
    return table


UNIT_KIND_VOCABULARY = _vocabulary(UNIT_KIND_WORDS)
CATEGORY_VOCABULARY = _vocabulary(CATEGORY_WORDS)
LEADER_VOCABULARY = _vocabulary(LEADER_WORDS)


def file_word(member) -> str:
    """The word a roster file uses for an enum member (template, export)."""
    for words in (UNIT_KIND_WORDS, CATEGORY_WORDS, LEADER_WORDS):
        if member in words:
            return words[member][0]
    raise KeyError(member)
