"""The demo city's org tree and people (deterministic: the same every time).

A city appraisal office with five sector groups, forty municipal departments
(the functional assessors among them), six districts, sections inside some
departments, and about five hundred people with generated Chinese names.
Everything is created through the org services, so the audit log shows it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from appraisal.platform.tenancy import tenant_scope
from appraisal.tenants.org import services
from appraisal.tenants.org.models import (
    LeaderRole,
    OrgUnit,
    Person,
    PersonCategory,
    UnitKind,
)

SEED = 20261121

OFFICE = ("KHB", "枣庄市目标管理考核办公室")

#: sector group code, name, its departments (name, sections)
SECTOR_GROUPS: list[tuple[str, str, list[tuple[str, tuple[str, ...]]]]] = [
    (
        "FKZ01",
        "综合经济组",
        [
            ("市发展和改革委员会", ("办公室", "发展规划科", "固定资产投资科")),
            ("市财政局", ("办公室", "预算科", "国库科", "综合科")),
            ("市统计局", ("办公室", "综合统计科")),
            ("市商务局", ()),
            ("市招商局", ("办公室", "项目推进科")),
            ("市审计局", ()),
            ("市市场监督管理局", ()),
            ("市地方金融监督管理局", ()),
            ("市工业和信息化局", ()),
        ],
    ),
    (
        "FKZ02",
        "城建城管组",
        [
            ("市住房和城乡建设局", ()),
            ("市自然资源和规划局", ()),
            ("市生态环境局", ()),
            ("市交通运输局", ()),
            ("市水务局", ()),
            ("市城市管理局", ()),
            ("市应急管理局", ("办公室", "安全生产综合协调科")),
            ("市行政审批服务局", ()),
        ],
    ),
    (
        "FKZ03",
        "社会事业组",
        [
            ("市教育局", ("办公室", "基础教育科", "职业教育科")),
            ("市科学技术局", ()),
            ("市民政局", ()),
            ("市人力资源和社会保障局", ()),
            ("市文化和旅游局", ()),
            ("市卫生健康委员会", ()),
            ("市退役军人事务局", ()),
            ("市医疗保障局", ()),
        ],
    ),
    (
        "FKZ04",
        "政法群团组",
        [
            ("市公安局", ()),
            ("市司法局", ()),
            ("市信访局", ()),
            ("市总工会", ()),
            ("共青团枣庄市委", ()),
            ("市妇女联合会", ()),
            ("市残疾人联合会", ()),
        ],
    ),
    (
        "FKZ05",
        "党群综合组",
        [
            ("市委办公室", ()),
            ("市政府办公室", ()),
            ("市纪委监委", ("办公室", "党风政风监督室")),
            ("市委组织部", ("办公室", "干部科", "组织科", "公务员管理科")),
            ("市委宣传部", ("办公室", "文明创建科")),
            ("市委统战部", ()),
            ("市委政法委", ()),
            ("市委机构编制委员会办公室", ()),
        ],
    ),
]

DISTRICTS = ("市中区", "薛城区", "峄城区", "台儿庄区", "山亭区", "滕州市")

#: indicator of template A → the department that scores it (domain.md §1)
FUNCTIONAL_ASSESSORS = {
    "党的建设": "市委组织部",
    "党风廉政建设": "市纪委监委",
    "精神文明建设": "市委宣传部",
    "招商引资": "市招商局",
    "区县经济数据": "市统计局",
}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺龚"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国红玉兰英志文斌辉鹏宇浩凯晨琳颖婷雪梅峰亮成海波"
    "新春晓东林宁倩莉鑫瑞博阳丹健飞翔燕萍佳欣然思雨泽楠帆昊晶莹毅诚瑶俊庆荣德振兴凤云秀坤"
)


@dataclass
class DemoOrg:
    """What the demo created, for later loaders (schemes, cycles) to build on."""

    office: OrgUnit
    groups: dict[str, OrgUnit] = field(default_factory=dict)  # name -> unit
    departments: dict[str, OrgUnit] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)  # department name -> group name
    districts: dict[str, OrgUnit] = field(default_factory=dict)
    sections: dict[tuple[str, str], OrgUnit] = field(default_factory=dict)  # (department, section)
    people: list[Person] = field(default_factory=list)
    people_by_unit: dict[int, list[Person]] = field(default_factory=dict)

    @property
    def functional_assessors(self) -> dict[str, OrgUnit]:
        return {indicator: self.departments[name] for indicator, name in FUNCTIONAL_ASSESSORS.items()}

    def leader(self, unit: OrgUnit) -> Person:
        return next(p for p in self.people_by_unit[unit.id] if p.leader_role == LeaderRole.PRINCIPAL)


def _titles(name: str) -> tuple[str, str]:
    """(head, deputy) titles from the unit's name."""
    if name.endswith("纪委监委"):
        return "书记", "副书记"
    if name.endswith(("市委", "团市委")):
        return "书记", "副书记"
    if name.endswith("部"):
        return "部长", "副部长"
    if name.endswith("局"):
        return "局长", "副局长"
    if name.endswith("残疾人联合会"):
        return "理事长", "副理事长"
    if name.endswith(("联合会", "工会")):
        return "主席", "副主席"
    if name.endswith("区"):
        return "区长", "副区长"
    if name.endswith("市"):
        return "市长", "副市长"
    return "主任", "副主任"


class _People:
    """Deterministic names and staff numbers."""

    def __init__(self, org: DemoOrg) -> None:
        self.random = random.Random(SEED)
        self.org = org
        self.seq = 0
        self.used: set[str] = set()

    def name(self) -> str:
        for _ in range(100):
            given = "".join(self.random.choice(GIVEN) for _ in range(self.random.choice((1, 2, 2, 2))))
            name = self.random.choice(SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name
        return name

    def add(
        self, unit: OrgUnit, category: PersonCategory, position: str, leader: LeaderRole = LeaderRole.NONE
    ) -> Person:
        self.seq += 1
        members = self.org.people_by_unit.setdefault(unit.id, [])
        person = services.create_person(
            staff_no=f"ZZ{self.seq:05d}",
            name=self.name(),
            unit=unit,
            category=category,
            position=position,
            leader_role=leader,
            sort_order=len(members) + 1,
        )
        members.append(person)
        self.org.people.append(person)
        return person

    def staff(self, unit: OrgUnit, count: int) -> None:
        """Ordinary staff: mostly section level, some general staff, the odd trainee or secondee."""
        for _ in range(count):
            roll = self.random.random()
            if roll < 0.06:
                self.add(unit, PersonCategory.TRAINEE, "见习生")
            elif roll < 0.10:
                self.add(unit, PersonCategory.SECONDED, "挂职干部")
            elif roll < 0.35:
                self.add(unit, PersonCategory.GENERAL_STAFF, "科员")
            else:
                self.add(
                    unit, PersonCategory.SECTION_LEVEL, self.random.choice(("科员", "科员", "副科长", "一级主任科员"))
                )

    def leadership(self, unit: OrgUnit, deputies: int) -> None:
        head, deputy = _titles(unit.name)
        self.add(unit, PersonCategory.CITY_CADRE, head, LeaderRole.PRINCIPAL)
        for _ in range(deputies):
            self.add(unit, PersonCategory.COUNTY_LEVEL, deputy, LeaderRole.DEPUTY)


def load_org(tenant) -> DemoOrg:
    """Create the demo tree and people in ``tenant`` (the caller commits)."""
    with tenant_scope(tenant):
        return _load_org()


def _load_org() -> DemoOrg:
    office = services.create_unit(code=OFFICE[0], name=OFFICE[1], kind=UnitKind.OFFICE)
    org = DemoOrg(office=office)
    people = _People(org)

    # the office itself
    people.add(office, PersonCategory.CITY_CADRE, "主任", LeaderRole.PRINCIPAL)
    for _ in range(2):
        people.add(office, PersonCategory.COUNTY_LEVEL, "副主任", LeaderRole.DEPUTY)
    people.staff(office, 4)

    dept_no = 0
    for group_index, (code, group_name, departments) in enumerate(SECTOR_GROUPS, start=1):
        group = services.create_unit(
            code=code, name=group_name, kind=UnitKind.SECTOR_GROUP, parent=office, sort_order=group_index
        )
        org.groups[group_name] = group
        people.add(group, PersonCategory.CITY_CADRE, "市政府副秘书长（组长）", LeaderRole.PRINCIPAL)
        people.add(group, PersonCategory.SECTION_LEVEL, "联络员")
        for sort, (dept_name, sections) in enumerate(departments, start=1):
            dept_no += 1
            dept = services.create_unit(
                code=f"BM{dept_no:03d}", name=dept_name, kind=UnitKind.DEPARTMENT, parent=group, sort_order=sort
            )
            org.departments[dept_name] = dept
            org.group_of[dept_name] = group_name
            people.leadership(dept, deputies=people.random.choice((2, 3, 3)))
            if sections:
                for section_no, section_name in enumerate(sections, start=1):
                    section = services.create_unit(
                        code=f"BM{dept_no:03d}-{section_no:02d}",
                        name=section_name,
                        kind=UnitKind.SECTION,
                        parent=dept,
                        sort_order=section_no,
                    )
                    org.sections[(dept_name, section_name)] = section
                    people.add(section, PersonCategory.SECTION_LEVEL, "科长")
                    people.staff(section, people.random.randint(7, 12))
            else:
                people.staff(dept, people.random.randint(24, 38))

    for index, district_name in enumerate(DISTRICTS, start=1):
        district = services.create_unit(
            code=f"QX{index:02d}", name=district_name, kind=UnitKind.DISTRICT, parent=office, sort_order=100 + index
        )
        org.districts[district_name] = district
        people.leadership(district, deputies=people.random.choice((3, 4)))
        people.staff(district, people.random.randint(12, 18))
    return org
