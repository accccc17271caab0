"""Validators named by id in recognizers/entities.yaml: the checks a regex cannot express.

A regex finds candidates; a validator decides whether a candidate can be real (checksum, calendar
date, numbering plan, geographic bounds). Validators are where precision comes from, so each one
defers to a maintained library when one exists (python-stdnum, phonenumbers) and keeps only the
China-specific rules those libraries lack (residence-permit region codes, future birth dates,
coordinate bounds).
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import phonenumbers
from stdnum import imei as std_imei
from stdnum import meid as std_meid
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

Validator = Callable[[str], bool]

_SEPARATORS = re.compile(r"[\s\-·•・()（）]")
# China's extent (mainland and islands), degrees: lng 73.4..135.1, lat 3.8..53.6.
_LNG = (73.4, 135.1)
_LAT = (3.8, 53.6)
# MNCs allocated to Chinese operators under MCC 460 (ITU-T E.212 list).
_CN_MNC = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "11", "15", "20"}
_MAX_AGE_YEARS = 130
# `icon@2x.png` is an asset name, not a mailbox: file extensions that are not top-level domains.
_FILE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "ico", "js", "css", "html", "json",
                              "xml", "txt", "mp3", "mp4", "webm", "pdf", "zip", "apk", "so", "dex", "jar"})
_SEQUENTIAL = "0123456789abcdefghijklmnopqrstuvwxyz"
# First labels of Android package names (reversed domains): generic TLDs, the country codes app
# makers use most, and the platform's own.
_PACKAGE_ROOTS = frozenset({"com", "cn", "net", "org", "io", "me", "tv", "cc", "co", "top", "xyz", "app", "info",
                            "android", "androidx", "jp", "kr", "de", "uk", "in", "hk", "tw", "sg", "us"})


# libphonenumber's own CN number plan, used directly: phonenumbers.parse costs ~50 µs a number, a
# fullmatch of the same metadata pattern ~1 µs, and traffic holds many phone-shaped values.
_CN_PLAN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
_CN_MOBILE = re.compile(_CN_PLAN.mobile.national_number_pattern)
_CN_FIXED = re.compile(_CN_PLAN.fixed_line.national_number_pattern)
_NON_DIGITS = re.compile(r"[^0-9]")
_NUMBER = re.compile(r"-?[0-9]+\.[0-9]+")


# Luhn by table: stdnum's luhn.is_valid builds a tuple and calls divmod per digit (~7 µs a number), and
# every 15-digit value under a device key and every card-shaped number in text goes through it.
# Doubling a digit and summing the digits of the product is a character translation.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """stdnum.luhn.is_valid for the decimal alphabet: False for an empty string or any non-ASCII-digit."""
    if not digits.isascii() or not digits.isdigit():
        return False
    mixed = digits[-1::-2] + digits[-2::-2].translate(_LUHN_DOUBLED)
    return (sum(mixed.encode()) - 48 * len(mixed)) % 10 == 0


def _national(value: str) -> str:
    """Digits without the +86 / 0086 country prefix; a landline keeps its trunk 0."""
    v = value.strip()
    digits = _NON_DIGITS.sub("", v)
    if v.startswith("+86") or v.startswith("0086"):
        digits = digits[2:] if v.startswith("+") else digits[4:]
        # after a country code the trunk 0 of an area code is dropped: +86 10 6234 5678
        return digits if digits.startswith("1") and len(digits) == 11 else "0" + digits
    if len(digits) == 13 and digits.startswith("861"):  # 8613812345678 in a field
        return digits[2:]
    return digits


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", value)


@lru_cache(maxsize=4)
def _today(hour: int) -> datetime.date:
    return datetime.date.today()


def _plausible_birth(d: datetime.date) -> bool:
    today = _today(int(time.time()) // 3600)  # date.today() per candidate is measurable on log text
    return today.year - _MAX_AGE_YEARS <= d.year and d <= today


class RegionTable:
    """Province codes, the 6-digit codes stdnum does not know (residence permits, 2018), and whether a
    county code can stand in a number issued to someone born in a given year (recognizers/cn_regions.yaml)."""

    def __init__(self, provinces: set[str], extra_codes: set[str], first_issue: int, fifteen_last: int) -> None:
        self.provinces = provinces
        self.extra_codes = extra_codes
        self.first_issue = first_issue
        self.fifteen_last = fifteen_last

    @lru_cache(maxsize=65536)  # noqa: B019 - one table per process, held for its lifetime
    def valid(self, code6: str, birth_year: int, fifteen: bool = False) -> bool:
        """In use at some time from max(birth year, first issue) on (by the end of 15-digit issue for those)."""
        if code6[:2] not in self.provinces:
            return False
        if code6 in self.extra_codes:
            return True
        since = max(birth_year, self.first_issue)
        until = self.fifteen_last if fifteen else None
        return any((end is None or end >= since) and (start is None or until is None or start <= until)
                   for start, end in _county_years(code6))


@lru_cache(maxsize=65536)
def _county_years(code6: str) -> tuple[tuple[int | None, int | None], ...]:
    """(first year, last year) of each county stdnum's table has under a code; None where open.

    stdnum's cn/loc.dat writes a county as `[1986-]房山区` or `[-2010]崇文区`, several joined by
    commas when a code was reused. A code with no county line under its prefecture (119900) has none.
    """
    info = {k: v for _, props in numdb.get("cn/loc").info(code6) for k, v in props.items()}
    spans = []
    for county in info.get("county", "").split(",") if info.get("county") else ():
        if not county.startswith("["):
            spans.append((None, None))
            continue
        start, _, end = county[1:].partition("]")[0].partition("-")
        spans.append((int(start) if start else None, int(end) if end else None))
    return tuple(spans)


class CardBrands:
    """Issuer ranges and lengths of payment card brands (recognizers/cards.yaml)."""

    def __init__(self, brands: list[dict[str, Any]]) -> None:
        self._ranges: list[tuple[int, int, int, frozenset[int]]] = []  # prefix length, low, high, lengths
        for b in brands:
            lengths = frozenset(int(n) for n in b["lengths"])
            for iin in b["iin"]:
                low, _, high = str(iin).partition("-")
                self._ranges.append((len(low), int(low), int(high or low), lengths))

    def known(self, digits: str) -> bool:
        """Whether a brand issues numbers with these leading digits and this length."""
        n = len(digits)
        return any(n in lengths and low <= int(digits[:width]) <= high for width, low, high, lengths in self._ranges)


def make_validators(regions: RegionTable, is_person_name: Validator, is_address: Validator,
                    cards: CardBrands) -> dict[str, Validator]:
    """All validators by id; the data-driven ones close over the tables they need."""

    @lru_cache(maxsize=65536)
    def cn_ric18(value: str) -> bool:
        v = _digits(value).upper()
        if len(v) != 18 or not v[:17].isdigit():
            return False
        if ric.calc_check_digit(v) != v[-1]:
            return False
        try:
            born = ric.get_birth_date(v)
        except ValidationError:
            return False
        return _plausible_birth(born) and regions.valid(v[:6], born.year)

    @lru_cache(maxsize=65536)
    def cn_ric15(value: str) -> bool:
        v = _digits(value)
        if len(v) != 15 or not v.isdigit():
            return False
        try:
            born = datetime.date(1900 + int(v[6:8]), int(v[8:10]), int(v[10:12]))
        except ValueError:
            return False
        # The 15-digit form was issued until 2004 (GB 11643-1999 replaced it), so birth years are 19xx.
        return regions.valid(v[:6], born.year, fifteen=True)

    def cn_ric(value: str) -> bool:
        return cn_ric18(value) if len(_digits(value)) == 18 else cn_ric15(value)

    def cn_mobile(value: str) -> bool:
        return bool(_CN_MOBILE.fullmatch(_national(value)))

    def cn_landline(value: str) -> bool:
        n = _national(value)
        return n.startswith("0") and bool(_CN_FIXED.fullmatch(n[1:]))

    def bank_card(value: str) -> bool:
        v = _digits(value)
        return 15 <= len(v) <= 19 and v.isdigit() and len(set(v)) > 1 and luhn_valid(v)

    def payment_card(value: str) -> bool:
        v = _digits(value)
        return 12 <= len(v) <= 19 and v.isdigit() and len(set(v)) > 1 and luhn_valid(v) and cards.known(v)

    def imei(value: str) -> bool:
        v = _digits(value)
        if len(set(v)) <= 3:
            return False
        # the common 15-digit form straight to Luhn (stdnum's full validate costs 10x more per value)
        return luhn_valid(v) if len(v) == 15 and v.isdigit() else std_imei.is_valid(v)

    def meid(value: str) -> bool:
        v = _digits(value)
        return len(set(v)) > 3 and std_meid.is_valid(v)

    def cn_imsi(value: str) -> bool:
        v = _digits(value)
        return len(v) == 15 and v.startswith("460") and v[3:5] in _CN_MNC and len(set(v[5:])) > 2

    def imsi(value: str) -> bool:
        v = _digits(value)
        return v.isdigit() and 14 <= len(v) <= 15 and len(set(v[5:])) > 2

    def iccid(value: str) -> bool:
        v = _digits(value).upper().rstrip("F")
        if not v.isdigit() or not 18 <= len(v) <= 20:
            return False
        # 19- and 20-digit ICCIDs end in a Luhn check digit; Chinese operators also issue 20-digit
        # numbers without one, so a failed check only rules out the 19-digit form.
        return luhn_valid(v) or len(v) == 20

    def not_trivial_hex(value: str) -> bool:
        # All-zero ids (an OAID when the user opted out) and words like "unknown" carry no identity.
        v = value.replace("-", "").lower()
        return len(set(v)) >= 5 and any(map(str.isdigit, v)) and v not in _SEQUENTIAL  # map: no generator frame

    def mac(value: str) -> bool:
        v = re.sub(r"[:\-]", "", value).lower()
        if len(v) != 12 or len(set(v)) < 3:
            return False
        # 02:00:00:00:00:00 is what Android returns when it withholds the MAC; multicast is not a device.
        return v != "020000000000" and not int(v[1], 16) & 1

    def cn_plate(value: str) -> bool:
        serial = re.sub(r"[·•・ \-]", "", value)[2:].rstrip("挂学警港澳")
        if len(serial) == 6:  # new-energy: D/F first (small car) or last (large vehicle)
            return (serial[0] in "DF" and serial[1:].isalnum()) or (serial[-1] in "DF" and serial[:-1].isdigit())
        return len(serial) == 5 and sum(c.isdigit() for c in serial) >= 3

    def cn_coord(value: str) -> bool:
        if "," in value or "，" in value:
            return cn_coord_pair(value)
        try:
            x = float(value)
        except ValueError:
            return False
        return _LNG[0] <= x <= _LNG[1] or _LAT[0] <= x <= _LAT[1]

    def cn_coord_pair(value: str) -> bool:
        parts = re.split(r"\s*[,，]\s*", value.strip())
        if len(parts) != 2:
            return False
        try:
            a, b = float(parts[0]), float(parts[1])
        except ValueError:
            return False
        return is_cn_pair(a, b) or is_cn_pair(b, a)

    def cn_coord_named(value: str) -> bool:
        """`lng=121.47, lat=31.23` in either order: the names say which number is which axis."""
        nums = [float(x) for x in _NUMBER.findall(value)]
        if len(nums) != 2:
            return False
        lng_first = value.lstrip().lower().startswith(("lng", "lon", "经度"))
        lng, lat = nums if lng_first else nums[::-1]
        return is_cn_pair(lng, lat)

    def birth_date(value: str) -> bool:
        m = re.match(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})", value)
        if not m:
            return False
        try:
            d = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return False
        return _plausible_birth(d)

    def ssid(value: str) -> bool:
        return 0 < len(value.encode("utf-8", "surrogatepass")) <= 32 and value.strip('"') != "<unknown ssid>"

    def email(value: str) -> bool:
        return value.rpartition(".")[2].lower() not in _FILE_EXTENSIONS

    def ip_address(value: str) -> bool:
        v = value.strip()
        if ":" in v and "::" not in v and v.count(":") < 6:  # 10:23:03 is a time (IPv6 has 8 groups or ::)
            return False
        try:
            ip = ipaddress.ip_address(v)
        except ValueError:
            return False
        if ip.version == 6:  # "::" and "::1" (in scripts: C++ scopes, CSS pseudo-elements) identify no one
            return sum(1 for group in v.split(":") if group) >= 2
        # 3.1.2.4 is a clause or version number far more often than an address
        return any(len(part) > 1 for part in v.split("."))

    def package_names(value: str) -> bool:
        # com.tencent.mm, not a domain (www.qq.com) or a file name (icon.png): reversed-domain order
        first = re.split(r"[ ,;|]+", value.strip(), maxsplit=1)[0].lower()
        head, _, tail = first.partition(".")
        return head in _PACKAGE_ROOTS and tail.rpartition(".")[2] not in _FILE_EXTENSIONS

    def none(value: str) -> bool:
        return True

    validators: dict[str, Validator] = {
        "cn_ric18": cn_ric18,
        "cn_ric15": cn_ric15,
        "cn_ric": cn_ric,
        "cn_mobile": cn_mobile,
        "cn_landline": cn_landline,
        "bank_card": bank_card,
        "payment_card": payment_card,
        "imei": imei,
        "meid": meid,
        "cn_imsi": cn_imsi,
        "imsi": imsi,
        "iccid": iccid,
        "not_trivial_hex": not_trivial_hex,
        "mac": mac,
        "cn_plate": cn_plate,
        "cn_coord": cn_coord,
        "cn_coord_pair": cn_coord_pair,
        "cn_coord_named": cn_coord_named,
        "birth_date": birth_date,
        "ssid": ssid,
        "email": email,
        "ip_address": ip_address,
        "package_names": package_names,
        "none": none,
        "person_name": is_person_name,
        "cn_address": is_address,
    }
    return validators


def is_cn_pair(lng: float, lat: float) -> bool:
    return _LNG[0] <= lng <= _LNG[1] and _LAT[0] <= lat <= _LAT[1]


def is_lat(x: float) -> bool:
    return _LAT[0] <= x <= _LAT[1]


def is_lng(x: float) -> bool:
    return _LNG[0] <= x <= _LNG[1]
