"""The office admin's view of the audit log: browse and filter.

Entries keep the raw action code and field names (``org.unit.create``,
``staff_no``); the page shows them in words (Chinese message ids, English by
the catalogue) with the raw code beside them, small, for support staff. A code
or field without a label shows as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appraisal.platform.audit import AuditEntry
from appraisal.platform.inputs import text_problem
from appraisal.platform.permissions import requires
from appraisal.platform.tenancy import current_tenant
from appraisal.platform.web import NavItem, paginate, tenant_blueprint

bp = tenant_blueprint("audit", __name__, url_prefix="/audit")

NAV = (NavItem("audit.index", _l("操作日志"), "audit.view", icon="audit", order=90),)

#: Every action code recorded (``audit.record``) → what happened, in words.
ACTION_LABELS = {
    "tenant.create": _l("创建租户"),
    "notifications.profile": _l("修改个人通知方式"),
    "notifications.settings": _l("修改本单位通知设置"),
    "notifications.urge": _l("催办"),
    "tenant.suspend": _l("暂停租户"),
    "tenant.activate": _l("恢复租户"),
    # API tokens (api feature)
    "api_token.create": _l("创建接口令牌"),
    "api_token.revoke": _l("撤销接口令牌"),
    "user.create": _l("创建账号"),
    "user.update": _l("修改账号信息"),
    "user.roles": _l("调整角色"),
    "user.activate": _l("账号启用"),
    "user.deactivate": _l("账号停用"),
    "user.password_change": _l("本人修改密码"),
    "user.password_reset": _l("管理员重置密码"),
    "org.unit.create": _l("新建单位"),
    "org.unit.update": _l("修改单位信息"),
    "org.unit.move": _l("调整上级单位"),
    "org.unit.activate": _l("启用单位"),
    "org.unit.deactivate": _l("停用单位"),
    "org.person.create": _l("新建人员"),
    "org.person.update": _l("修改人员信息"),
    "org.person.activate": _l("启用人员"),
    "org.person.deactivate": _l("停用人员"),
    "org.person.link_user": _l("关联登录账号"),
    "org.person.unlink_user": _l("解除登录账号关联"),
    "org.roster.import": _l("名册导入"),
    "cycle.create": _l("创建考核年度"),
    "cycle.dates": _l("设置各阶段日期"),
    "cycle.phase": _l("变更考核阶段"),
    "population.create": _l("新建考核对象群体"),
    "population.assessors": _l("指定考核部门"),
    "scheme.create": _l("创建考核方案"),
    "scheme.version": _l("保存方案新版本"),
    "scheme.allow_units": _l("设置是否允许各单位采用"),
    "letter.item.add": _l("新增责任书目标"),
    "letter.item.update": _l("修改责任书目标"),
    "letter.item.remove": _l("删除责任书目标"),
    "letter.submit": _l("提交责任书"),
    "letter.approve": _l("审定责任书"),
    "letter.return": _l("退回责任书"),
    "letter.reopen": _l("重新打开责任书"),
    "ballots.create": _l("创建民主测评"),
    "ballots.update": _l("修改民主测评"),
    "ballots.open": _l("测评开始投票"),
    "ballots.close": _l("结束测评"),
    "ballots.sessions_create": _l("按部门建立测评场次"),
    "ballots.session_open": _l("测评场次开始投票"),
    "ballots.session_close": _l("测评场次结束投票"),
    "ballots.session_time": _l("设定场次结束时间"),
    "ballots.voters_add": _l("批量添加投票人"),
    "ballots.voter_add": _l("添加投票人"),
    "ballots.voter_remove": _l("移除投票人"),
    "ballots.codes": _l("生成匿名投票码"),
    "ballots.codes_named": _l("发放实名投票码"),
    "ballots.known_group": _l("设置记名组"),
    "score.enter": _l("录入评分"),
    "score.update": _l("修改评分"),
    "claim.create": _l("提交加分申请"),
    "claim.verify": _l("核实加分"),
    "claim.reject": _l("驳回加分申请"),
    "claim.withdraw": _l("撤回加分申请"),
    "penalty.record": _l("登记扣分"),
    "penalty.withdraw": _l("撤销扣分"),
    "veto.record": _l("登记一票否决"),
    "veto.revoke": _l("撤销一票否决"),
    "notice.publish": _l("发布季度扣分通报"),
    "self_report.save": _l("保存述职草稿"),
    "self_report.submit": _l("提交述职报告"),
    "evidence.upload": _l("上传依据材料"),
    "results.compute": _l("计算结果"),
    "results.publish": _l("公示考核结果"),
    "results.tie_decide": _l("决定并列待定的入选者"),
    "results.withdraw": _l("撤回公示"),
    "appeal.file": _l("提交复核申请"),
    "appeal.uphold": _l("复核申请予以采纳"),
    "appeal.reject": _l("复核申请不予采纳"),
    "appeal.withdraw": _l("撤回复核申请"),
}

#: The filter's groups: action codes by prefix (the log filters by prefix).
ACTION_AREAS = (
    ("tenant.", _l("租户")),
    ("user.", _l("账号与角色")),
    ("api_token.", _l("接口令牌")),
    ("org.unit.", _l("单位")),
    ("org.person.", _l("人员")),
    ("org.roster.", _l("名册导入")),
    ("cycle.", _l("考核年度")),
    ("population.", _l("考核对象群体")),
    ("scheme.", _l("考核方案")),
    ("letter.", _l("目标责任书")),
    ("ballots.", _l("民主测评")),
    ("score.", _l("评分")),
    ("claim.", _l("加分")),
    ("penalty.", _l("扣分")),
    ("veto.", _l("一票否决")),
    ("notice.", _l("扣分通报")),
    ("self_report.", _l("述职报告")),
    ("evidence.", _l("依据材料")),
    ("results.", _l("计算与公示")),
    ("appeal.", _l("复核申请")),
    ("notifications.", _l("通知与催办")),
)

#: Field names in the before/after values → words (unknown names stay as they are).
FIELD_LABELS = {
    # API tokens and the figures they push (api feature)
    "scopes": _l("权限范围"),
    "verified_by": _l("核实部门"),
    "expires_at": _l("有效期至"),
    "prefix": _l("令牌开头"),
    "assessor_unit_id": _l("考核部门"),
    "id": _l("编号"),
    "name": _l("名称"),
    "code": _l("编码"),
    "kind": _l("类型"),
    "parent_id": _l("上级单位"),
    "sort_order": _l("排序"),
    "path": _l("路径"),
    "active": _l("在用"),
    "created_at": _l("创建时间"),
    "email": _l("登录邮箱"),
    "display_name": _l("显示名称"),
    "locale": _l("语言"),
    "roles": _l("角色"),
    "last_login_at": _l("最近登录"),
    "password_changed_at": _l("密码修改时间"),
    "staff_no": _l("工号"),
    "category": _l("类别"),
    "position": _l("职务"),
    "leader_role": _l("领导职务"),
    "unit_id": _l("所在单位"),
    "user_id": _l("登录账号"),
    "year": _l("年度"),
    "phase": _l("阶段"),
    "letters_due": _l("目标责任书截止日期"),
    "previous_cycle_id": _l("上一考核年度"),
    "finalised_at": _l("归档时间"),
    "status": _l("状态"),
    "reason": _l("原因"),
    "reasons": _l("理由"),
    "title": _l("标题"),
    "points": _l("分值"),
    "measure": _l("措施"),
    "evidence_required": _l("佐证要求"),
    "indicator_key": _l("指标"),
    "seq": _l("序号"),
    "slug": _l("租户代码"),
    "time_zone": _l("时区"),
    "key": _l("标识"),
    "template_key": _l("模板"),
    "appraisee_kind": _l("考核对象类型"),
    "owner_unit_id": _l("所属单位"),
    "owner_unit": _l("组织单位"),
    "allowed_for_units": _l("允许各单位采用"),
    "scheme": _l("考核方案"),
    "version": _l("版本"),
    "overrides": _l("覆盖项"),
    "locks": _l("锁定项"),
    "hash": _l("内容校验值"),
    "scheme_hash": _l("方案校验值"),
    "value": _l("分值"),
    "comment": _l("评语"),
    "selector": _l("选取条件"),
    "appraisees": _l("考核对象数"),
    "assessors": _l("考核部门"),
    "population": _l("考核对象群体"),
    "scheme_version": _l("方案版本"),
    "scale": _l("评分方式"),
    "grade_values": _l("等次分值"),
    "min_group_size": _l("最少人数"),
    "small_group_policy": _l("人数不足组别的处理方式"),
    "rater_groups": _l("评价人组别"),
    "opened_on": _l("开始投票日期"),
    "closed_on": _l("结束日期"),
    "voters": _l("投票人"),
    "ballots": _l("选票数"),
    "group": _l("组别"),
    "count": _l("数量"),
    "slips": _l("投票码"),
    "slip": _l("投票码"),
    "reissue": _l("重新发放"),
    "person": _l("人员"),
    "revoked": _l("已撤销"),
    "description": _l("说明"),
    "rule_key": _l("规则"),
    "revoke_reason": _l("撤销原因"),
    "quarter": _l("季度"),
    "body": _l("正文"),
    "submitted": _l("已提交"),
    "filename": _l("文件名"),
    "size": _l("大小"),
    "sha256": _l("文件校验值"),
    "owner": _l("所属对象"),
    "cycle": _l("考核年度"),
    "publicity_ends_on": _l("公示截止"),
    "appeals_end_on": _l("复核申请截止"),
    "appraisee": _l("考核对象"),
    "files": _l("文件"),
    "answer": _l("答复"),
    "rows": _l("行数"),
    "units": _l("单位"),
    "people": _l("人员"),
    "added": _l("新增"),
    "subtree": _l("下级单位"),
    "subtree_paths_rewritten": _l("随之移动的下级单位"),
    "unit": _l("单位"),
    "level": _l("等级"),
    "dedup_key": _l("去重标识"),
    "appraisee_id": _l("考核对象"),
    "cycle_id": _l("考核年度"),
    "recorded_by_id": _l("记录人"),
    "recorded_at": _l("记录时间"),
    "known_voters": _l("记名组"),
    "warning": _l("确认的提示"),
}

#: Object types → words.
OBJECT_LABELS = {
    "Tenant": _l("租户"),
    "User": _l("账号"),
    "OrgUnit": _l("单位"),
    "Person": _l("人员"),
    "Cycle": _l("考核年度"),
    "Population": _l("考核对象群体"),
    "Scheme": _l("考核方案"),
    "SchemeVersion": _l("方案版本"),
    "Letter": _l("目标责任书"),
    "LetterItem": _l("责任书目标"),
    "Evaluation": _l("民主测评"),
    "Score": _l("评分"),
    "AdjustmentClaim": _l("加减分"),
    "Veto": _l("一票否决"),
    "DeductionNotice": _l("扣分通报"),
    "SelfReport": _l("述职报告"),
    "Evidence": _l("依据材料"),
    "ResultRun": _l("计算"),
    "Publication": _l("结果公示"),
    "Appeal": _l("复核申请"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


#: (object type, field) → {stored value: label}: the values a field takes, in words.
#: Features register their own (phases, statuses) where they define the labels.
VALUE_LABELS: dict[tuple[str, str], dict] = {}


def register_value_labels(object_type: str, field: str, labels: dict) -> None:
    VALUE_LABELS[(object_type, field)] = labels


register_value_labels("Tenant", "status", {"active": _l("正常"), "suspended": _l("已停用")})


def value_label(object_type: str, field: str, value):
    """A recorded value as people read it: a phase or status in words, else as stored."""
    labels = VALUE_LABELS.get((object_type, field))
    if labels is None or not isinstance(value, str) or value not in labels:
        return value
    return str(labels[value])


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type))


def area_of(code: str) -> str | None:
    """The filter group (prefix) of an action code or prefix, the longest that fits."""
    fits = [prefix for prefix, _label in ACTION_AREAS if code.startswith(prefix)]
    return max(fits, key=len) if fits else None


@dataclass(frozen=True)
class ActionChoice:
    value: str
    label: str
    nested: bool = False  # an action inside the chosen group


def action_choices(current: str) -> list[ActionChoice]:
    """The action filter's options: the groups, and the actions of the chosen
    group under it (choose a group, then narrow it to one action). A value typed
    into the address (any prefix) is kept as an option of its own."""
    area = area_of(current) if current else None
    choices = []
    for prefix, label in ACTION_AREAS:
        choices.append(ActionChoice(prefix, str(label)))
        if prefix == area:
            choices.extend(
                ActionChoice(code, action_label(code), nested=True) for code in ACTION_LABELS if area_of(code) == prefix
            )
    if current and current not in {c.value for c in choices}:
        choices.append(ActionChoice(current, current))
    return choices


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


def _filter(name: str) -> str:
    """A text filter from the query string; one with a control character (a NUL
    the database cannot compare) is dropped, and the page says so."""
    value = (request.args.get(name) or "").strip()
    if text_problem(value):
        flash(_("筛选条件不能包含不可见的控制字符，已忽略该条件"), "error")
        return ""
    return value


def _midnight(day, tz, *, days_after: int = 0) -> datetime | None:
    """The moment ``day`` (+ ``days_after``) begins in ``tz``, in UTC; None past
    the calendar's ends (from 0001-01-01, to 9999-12-31): no bound on that side."""
    try:
        return datetime.combine(day + timedelta(days=days_after), time.min, tz).astimezone(UTC)
    except OverflowError:
        return None


@bp.route("/")
@requires("audit.view")
def index():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(current_tenant().time_zone)
    args = {name: _filter(name) for name in ("action", "actor", "object_type", "object_id")}
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    action = args["action"]
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if args["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.contains(args["actor"]))
    if args["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == args["object_type"])
    if args["object_id"]:
        stmt = stmt.where(AuditEntry.object_id == args["object_id"])
    start, end = _day(request.args.get("from")), _day(request.args.get("to"))
    if start and (since := _midnight(start, tz)):
        stmt = stmt.where(AuditEntry.at >= since)
    if end and (until := _midnight(end, tz, days_after=1)):
        stmt = stmt.where(AuditEntry.at < until)
    page = paginate(stmt)
    object_types = list(db_distinct(AuditEntry.object_type))
    return render_template(
        "audit/index.html",
        page=page,
        object_types=object_types,
        tz=tz,
        action=action,
        action_choices=action_choices(action),
        action_label=action_label,
        field_label=field_label,
        object_label=object_label,
        value_label=value_label,
    )


def db_distinct(column):
    from appraisal.platform.db import db

    return db.session.scalars(select(column).distinct().order_by(column))
