"""What every stage of the demo years shares: the fixed choices (seed, years, the low
performers, population names, staff overrides, the democratic column, helper logins), the
records handed back to the loader, and the deterministic draws (values, a stand-in PDF,
rounding) — see ``year``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from appraisal.platform.models import Role
from appraisal.tenants.cycles.models import Cycle, Population
from appraisal.tenants.scoring import services as scoring

SEED = 2026_0606
YEARS = (2025, 2026)
LOW_DEPARTMENT = "市地方金融监督管理局"  # below 60 in both years → the history flag
LOW_PERSON_RANK = 17  # the n-th section-level person: incompetent in both years

#: population key → (name, scheme key)
POPULATIONS = {
    "departments": "市直部门",
    "districts": "区（市）",
    "county_cadres": "县级干部",
    "section_staff": "科级及以下工作人员",
    "finance_staff": "市财政局干部职工",
}

#: staff schemes: the business share is entered (the office collects each unit's
#: assessment), not filled from personal letters
STAFF_OVERRIDES = {
    "indicators": {
        "targets": {"children": {"business": {"method": {"kind": "entered"}, "assessor_zh": "所在单位评定"}}}
    }
}

DEMOCRATIC = scoring.Column(
    indicator_key="democratic",
    item_key="",
    name="民主测评",
    item_name="测评得分",
    kind="entered",
    points=Decimal(100),
    low=Decimal(0),
    high=Decimal(100),
    integer=False,
    assessor_unit_id=None,
    by_sector=False,
)


@dataclass
class Scorers:
    """The users who enter scores: the office, each sector group's lead, each
    functional department's assessor, the admin of a unit that appraises its own staff."""

    office: object
    leads: dict[str, object] = field(default_factory=dict)  # sector group name → user
    assessors: dict[str, object] = field(default_factory=dict)  # department name → user
    unit_admins: dict[str, object] = field(default_factory=dict)  # department name → user
    deputy: object = None  # a second office admin: enters what a scorer may not (their own row)


@dataclass
class DemoYear:
    cycle: Cycle
    populations: dict[str, Population]


@dataclass
class DemoYears:
    years: dict[int, DemoYear] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


#: helper logins (besides the one per role printed first): the other sector groups'
#: leads and the other functional assessors. (email, role, unit name)
HELPERS = (
    ("lead2@demo.cn", Role.SECTOR_LEAD, "城建城管组"),
    ("lead3@demo.cn", Role.SECTOR_LEAD, "社会事业组"),
    ("lead4@demo.cn", Role.SECTOR_LEAD, "政法群团组"),
    ("lead5@demo.cn", Role.SECTOR_LEAD, "党群综合组"),
    ("jiwei@demo.cn", Role.ASSESSOR, "市纪委监委"),
    ("xuanchuan@demo.cn", Role.ASSESSOR, "市委宣传部"),
    ("zhaoshang@demo.cn", Role.ASSESSOR, "市招商局"),
    ("tongji@demo.cn", Role.ASSESSOR, "市统计局"),
)


class Draw:
    """Deterministic values: a steady quality per subject, a little noise per year."""

    def __init__(self) -> None:
        self.random = random.Random(SEED)
        self.quality: dict[str, float] = {}

    def of(self, subject: str) -> float:
        if subject not in self.quality:
            self.quality[subject] = self.random.random()
        return self.quality[subject]

    def fraction(self, subject: str, low: float = 0.80, span: float = 0.18, noise: float = 0.03) -> float:
        value = low + span * self.of(subject) + self.random.uniform(-noise, noise)
        return min(max(value, 0.0), 1.0)


def demo_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned document (ASCII only: no font needed)."""
    text = title.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 760 Td (Zaozhuang demo city - evidence) Tj 0 -24 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def rounded(value: float, step: str = "0.1") -> str:
    return str(Decimal(str(value)).quantize(Decimal(step)))
