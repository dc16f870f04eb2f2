"""The inquiry world plus an application list and a published black list with an organization on it.

The supervisor compiles the application list under its own identity; the organ keeps the list and names it on
its published inquiry list for the contexts of the measures it triggers (otherwise those measures could not be
published: Art. 17.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from xinyong.auth import Actor
from xinyong.db import session_scope
from xinyong.listing import service as listing
from xinyong.measure import service as measures
from xinyong.models import Unit
from xinyong.unit import service as units

from ..factories import ric
from ..inquiry.conftest import ORG_USCC, World, world  # noqa: F401
from ..helpers import TODAY

RESPONSIBLE_RIC = ric(date(1975, 8, 9), seq=321)
SUPERVISOR = Actor(role="supervisor")


def add_measure(s, code, *, kind="punishment", item="1", items=("penalty",), lists=(), targets=("organization",),
                responsible=False, contexts=("permit",), level="local-regulation", publish_on=TODAY,
                implementing=(), implementing_class="context", check_basis=None, check_level=None,
                actor=SUPERVISOR):
    m = measures.add(s, code=code, name=f"措施 {code}", description="列为重点审查对象，不适用告知承诺", kind=kind,
                     item=item, incident="受到行政处罚", incident_items=list(items), incident_lists=list(lists),
                     targets=list(targets), reaches_responsible=responsible, contexts=list(contexts),
                     implementing_organ="上海市某区人民政府办公室", basis_text="《上海市社会信用条例》第三十条",
                     basis_level=level, implementing_units=list(implementing),
                     implementing_class=implementing_class, check_basis=check_basis, check_basis_level=check_level,
                     actor=actor)
    if publish_on:
        measures.publish(s, measure=m.id, on=publish_on, actor=actor)
        # the official announcement, the same day (Art. 22, 32.2)
        measures.announce(s, measure=m.id, announced_in="gazette", document=f"沪信用公告〔2025〕{m.id}号",
                          on=publish_on, actor=actor)
    return m.id


def black_list(s, actor, code="BL-1", disclosure="organs"):
    lst = listing.define(s, code=code, name="严重违法失信名单", kind="black", keeper_organ="上海市市场监督管理局",
                         entry_standard="严重违法行为", legal_basis="《市场监督管理严重违法失信名单管理办法》",
                         entry_requirements="受到较重行政处罚", removal_requirements="公示满三年",
                         remedy_paths="行政复议、行政诉讼", comment_from=date(2025, 3, 1),
                         comment_to=date(2025, 4, 30), disclosure=disclosure,
                         public_basis="《市场监督管理严重违法失信名单管理办法》第十八条" if disclosure == "public" else None,
                         public_basis_level="departmental-rule" if disclosure == "public" else None, actor=actor)
    listing.publish(s, list_id=lst.id, on=date(2025, 5, 6), actor=actor)
    return lst.id


def name_list(s, organ: Actor, list_id: int, purposes=("permit", "procurement")):
    """Put the list on the organ's published inquiry list (keeping its items), for these purposes."""
    unit = s.get(Unit, organ.unit_id)
    items = sorted({q.item_code for q in unit.inquiry_items})
    units.publish_inquiry_list(s, unit=unit, items=items, lists=[list_id], purposes=list(purposes),
                               published_on=date(2025, 5, 6), actor=organ)


@dataclass
class Joint:
    w: World
    list_id: int
    entry_id: int
    measures: dict[str, int]
    person_id: int


@pytest.fixture
def joint(engine, world) -> Joint:  # noqa: F811
    with session_scope(engine) as s:
        list_id = black_list(s, world.organ)
        name_list(s, world.organ, list_id)
        entry = listing.enter(s, list_id=list_id, subject=ORG_USCC, ground="(2)", ground_text="串通投标",
                              document="沪市监〔2025〕9号", decided_on=date(2025, 6, 1),
                              persons=[{"role": "legal-representative", "name": "王某",
                                        "identifier": RESPONSIBLE_RIC}], actor=world.organ)
        from xinyong.models import ListEntryPerson
        pid = s.query(ListEntryPerson.subject_id).filter(ListEntryPerson.entry_id == entry.id).scalar()
        ms = {
            "penalty": add_measure(s, "P-PENALTY"),
            "arrears": add_measure(s, "P-ARREARS", items=("arrears",), item="5"),
            "restrict": add_measure(s, "R-MARKET", kind="restriction", item="1", items=(), lists=(list_id,),
                                    responsible=True, level="law", contexts=("permit", "procurement")),
            "draft": add_measure(s, "P-DRAFT", publish_on=None),
            "later": add_measure(s, "P-LATER", publish_on=date(2025, 7, 1)),
        }
        entry_id = entry.id
    return Joint(world, list_id, entry_id, ms, pid)
