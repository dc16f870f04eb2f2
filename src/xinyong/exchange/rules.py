"""Rules of the exchange with other platforms (Art. 7, 12, 16, 20, 36.2(2)): pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pycountry

from ..errors import InvalidInput, RuleViolation, msg
from ..law.rules import rule

MAINLAND = "CN"
# ISO 3166-1 gives Hong Kong, Macao and Taiwan codes of their own; ISO 3166-2:CN lists them among China's
# subdivisions too. Both forms are outside the mainland (境外) for the transfer of personal information.
OUTSIDE_MAINLAND_SUBDIVISIONS = frozenset({"CN-HK", "CN-MO", "CN-TW"})


@rule("Art. 12")
def check_recipient_region(code: str) -> str:
    """An export names its recipient's region, an ISO 3166 code (``CN``, or a subdivision such as ``CN-SH``); a
    recipient outside the mainland — abroad, or in Hong Kong, Macao or Taiwan — is refused.

    The regulation makes the platform the hub towards the national sharing platform and the other provinces'
    platforms (Art. 12); it names no platform outside the mainland. Refusing one is platform policy resting on
    PIPL Art. 36 (state organs store personal information within the territory; providing it abroad needs a
    security assessment), Art. 38–40, and the Data Security Law; Art. 39.2 of the regulation binds credit
    service establishments the same way. Returns the code in its normal form."""
    raw = (code or "").strip().upper()
    if not raw:
        raise InvalidInput("name the recipient's region: an ISO 3166 code (CN is the mainland; CN-SH a province)",
                           field="recipient_region")
    known = (pycountry.subdivisions.get(code=raw) if "-" in raw else pycountry.countries.get(alpha_2=raw))
    if known is None:
        raise InvalidInput(msg("'{code}' is not an ISO 3166 country or subdivision code (CN is the mainland)",
                               code=raw[:12]), field="recipient_region")
    mainland = raw == MAINLAND or (raw.startswith(MAINLAND + "-") and raw not in OUTSIDE_MAINLAND_SUBDIVISIONS)
    if not mainland:
        raise RuleViolation(msg("a recipient in {code} is outside the mainland (境外, Hong Kong, Macao and Taiwan "
                                "included): credit information is not exported there (platform policy resting on "
                                "the Personal Information Protection Law Art. 36 and 38–40 and the Data Security "
                                "Law; Art. 39.2 of the regulation binds credit service establishments)", code=raw),
                            article="Art. 12", field="recipient_region", status=403)
    return raw


# What kind of platform a partner is, and the article the sharing with it rests on.
PARTNER_KINDS = {
    "national": "Art. 12",  # the national credit information sharing platform (国家信用信息共享平台)
    "province": "Art. 7.2",  # another province's (autonomous region's, municipality's) credit information platform
    "city": "Art. 16.1",  # a system of the city's: the online government hall, the supervision platform, …
}


@rule("Art. 7.2")
def check_other_province(region: str, own_region: str) -> None:
    """Sharing with other provinces (Art. 7.2: 推动与其他省（自治区、直辖市）的信用信息共享): the partner is a
    province-level region of the mainland other than this platform's own (``XINYONG_PLATFORM_REGION``)."""
    if not region.startswith(MAINLAND + "-") or region == own_region:
        raise RuleViolation(msg("a province's platform is in another province-level region of the mainland "
                                "(CN-ZJ, CN-JS, …), not {region}", region=region), article="Art. 7.2",
                            field="region")


@rule("Art. 16.1")
def check_city_system(region: str, own_region: str) -> None:
    """The city's own systems (Art. 16.1: 本市网上政务大厅、事中事后综合监管平台、企业信用信息公示系统等): in the
    city's region."""
    if region != own_region:
        raise RuleViolation(msg("a system of the city's is in {own}, not {region}", own=own_region, region=region),
                            article="Art. 16.1", field="region")


def check_partner(kind: str, region: str, own_region: str) -> str:
    """A partner's kind and region agree; returns the article its sharing rests on. The national platform is
    registered with the mainland's code, ``CN`` (Art. 12)."""
    if kind not in PARTNER_KINDS:
        raise InvalidInput(msg("a partner is one of: {kinds} (not '{kind}')", kinds=", ".join(PARTNER_KINDS),
                               kind=kind), field="kind")
    region = check_recipient_region(region)
    if kind == "national" and region != MAINLAND:
        raise RuleViolation(msg("the national sharing platform is registered with the region CN, not {region}",
                                region=region), article="Art. 12", field="region")
    if kind == "province":
        check_other_province(region, own_region)
    if kind == "city":
        check_city_system(region, own_region)
    return PARTNER_KINDS[kind]


@dataclass(frozen=True, order=True)
class Watermark:
    """Where an export stopped: the last record id and the last record action id it covered. An export
    ``since`` a watermark carries the records received after it and the acts on records done after it."""

    record: int = 0
    action: int = 0

    def __str__(self) -> str:
        return f"r{self.record}.a{self.action}"


_WATERMARK = re.compile(r"^r(\d{1,18})\.a(\d{1,18})$")


def parse_watermark(text: str | None) -> Watermark:
    if text is None or not text.strip():
        return Watermark()
    m = _WATERMARK.match(text.strip())
    if not m:
        raise InvalidInput(msg("'{text}' is not a watermark: use the one an export's manifest gives "
                               "(e.g. r1200.a35)", text=text.strip()[:40]), field="since")
    return Watermark(int(m.group(1)), int(m.group(2)))


@rule("Art. 20(2)")
def check_export_intact(manifest: Mapping, signature_ok: bool, files: Mapping[str, tuple[str, int] | None],
                        sender_key: str, own_seal_key: str) -> None:
    """Nothing altered or invented enters the platform (Art. 20(2)): an export is imported only when its
    manifest carries the sender's signature, names this platform as its recipient, and every file it lists is
    there with the digest and the number of rows it states. ``files``: name → (sha256, rows) as found, or None."""
    if not signature_ok:
        raise RuleViolation("the manifest's signature does not verify with the key registered for the sender: "
                            "nothing of this export is imported", article="Art. 20(2)", field="signature")
    if manifest.get("sender", {}).get("verify_key") != sender_key:
        raise RuleViolation("the manifest names another sender key than the one registered for this partner",
                            article="Art. 20(2)", field="sender")
    if manifest.get("recipient", {}).get("seal_key") != own_seal_key:
        raise RuleViolation("this export was made for another platform (its recipient key is not this "
                            "platform's): nothing of it is imported", article="Art. 20(2)", field="recipient")
    for entry in manifest.get("files", []):
        name = entry.get("name")
        found = files.get(name)
        if found is None:
            raise RuleViolation(msg("the manifest lists {name}, which is missing", name=name),
                                article="Art. 20(2)", field="files")
        if found != (entry.get("sha256"), entry.get("rows")):
            raise RuleViolation(msg("{name} is not the file the manifest signed (digest or row count differs)",
                                    name=name), article="Art. 20(2)", field="files")


# The acts on a record that travel to the platforms it was shared with, and what the receiving side does
# (record.workflows): a correction replaces the content; the others end its service (Art. 11, 36, 37, 38).
CARRIED_ACTIONS = {"correct": "correct", "objection-correct": "correct", "withdraw": "withdraw",
                   "revoke": "revoke", "delete": "delete", "restore": "restore"}

