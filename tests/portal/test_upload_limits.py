"""The portal's upload limits are settings (``XINYONG_MATERIALS_MAX_MB``, ``XINYONG_UPLOAD_MAX_MB``): the
refusal and the page's words follow the setting."""

from __future__ import annotations

import pytest

from xinyong.errors import InvalidInput
from xinyong.portal import unit_work
from xinyong.restoration import materials

from .conftest import portal_world  # noqa: F401
from .test_me_requests import _client

MB = 1024 * 1024


@pytest.mark.article("Art. 36.1")
def test_the_evidence_limit_follows_its_setting_on_the_page_and_in_the_refusal(engine, portal_world, monkeypatch):  # noqa: F811
    client = _client(engine, portal_world.person_id)
    assert "At most 10 MB a file." in client.get("/me/objections?lang=en").text
    monkeypatch.setenv("XINYONG_MATERIALS_MAX_MB", "1")
    assert "At most 1 MB a file." in client.get("/me/objections?lang=en").text
    assert "每个文件不超过 1 MB" in client.get("/me/objections?lang=zh").text
    big = b"x" * (MB + 1)
    refused = client.post("/me/objections?lang=en", data={"kind": "omission", "reason": "遗漏了表彰信息"},
                          files={"evidence_files": ("big.pdf", big, "application/pdf")}, follow_redirects=False)
    assert refused.status_code == 422 and "a file may be at most 1 MB" in refused.text


def test_the_unit_upload_limit_follows_its_setting(monkeypatch):
    data = b"91310000MA1FL0000X\n" * (MB // 19 + 1)  # a little over 1 MB
    assert unit_work.max_upload_mb() == 2 and unit_work.read_column(data, "bidders.txt")
    monkeypatch.setenv("XINYONG_UPLOAD_MAX_MB", "1")
    with pytest.raises(InvalidInput) as refused:
        unit_work.read_column(data, "bidders.txt")
    assert refused.value.message == "the file is larger than 1 MB"
    assert materials.max_mb() == 10
