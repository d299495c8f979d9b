"""Display names (Chinese message ids, translated to English by the catalogue)."""

from flask_babel import lazy_gettext as _l

from appraisal.platform.models import Role

ROLE_LABELS = {
    Role.OFFICE_ADMIN: _l("考核办管理员"),
    Role.SECTOR_LEAD: _l("分口考核组"),
    Role.ASSESSOR: _l("职能考核部门"),
    Role.UNIT_ADMIN: _l("单位管理员"),
    Role.STAFF: _l("干部职工"),
}


def role_label(role) -> str:
    return ROLE_LABELS.get(Role(role), str(role))
