"""Validators on published example numbers and near misses (checksums, dates, regions, number plans)."""

from __future__ import annotations

import pytest

from auditor.pii import get_scanner


@pytest.fixture(scope="module")
def v() -> dict:
    return get_scanner().data.validators


def test_resident_id_gb11643_example_and_broken_variants(v: dict) -> None:
    assert v["cn_ric18"]("11010519491231002X")  # the worked example of GB 11643-1999
    assert v["cn_ric18"]("11010519491231002x")
    assert not v["cn_ric18"]("110105194912310021")  # check digit should be X
    assert not v["cn_ric18"]("11010519490231002X")  # 31 February never existed (and the checksum moves)
    assert not v["cn_ric18"]("990105194912310028")  # no province 99


def test_resident_id_future_birth_date_is_rejected(v: dict) -> None:
    from stdnum.cn import ric

    body = "110105" + "20991231" + "002"
    assert not v["cn_ric18"](body + ric.calc_check_digit(body + "0"))


def test_residence_permit_region_codes_that_stdnum_lacks(v: dict) -> None:
    from stdnum.cn import ric

    body = "830000" + "19900101" + "123"  # Taiwan residents' residence permit (国办发〔2018〕81号)
    number = body + ric.calc_check_digit(body + "0")
    assert not ric.is_valid(number)  # python-stdnum does not know 830000 ...
    assert v["cn_ric18"](number)  # ... recognizers/cn_regions.yaml does


def test_fifteen_digit_legacy_id(v: dict) -> None:
    assert v["cn_ric15"]("110105491231002")
    assert not v["cn_ric15"]("110105491331002")  # month 13
    assert not v["cn_ric15"]("423642450819186")  # 42 Hubei, 4236 unknown to stdnum's table, no county under it


@pytest.mark.parametrize("number", ["13812345678", "+86 138-1234-5678", "008613812345678", "+8613812345678",
                                    "199 1234 5678"])
def test_mobile_formats(v: dict, number: str) -> None:
    assert v["cn_mobile"](number)


@pytest.mark.parametrize("number", ["12345678901", "10086", "400-810-8888", "14012345678"])
def test_not_mobiles(v: dict, number: str) -> None:
    assert not v["cn_mobile"](number)


@pytest.mark.parametrize("number", ["010-62345678", "(0755)86013388", "0571 8888 8888", "+86 10 6234 5678"])
def test_landlines(v: dict, number: str) -> None:
    assert v["cn_landline"](number)
    assert not v["cn_mobile"](number)


def test_cards_need_luhn(v: dict) -> None:
    assert v["bank_card"]("4111111111111111")  # the Visa test number
    assert not v["bank_card"]("4111111111111112")
    assert v["payment_card"]("4111 1111 1111 1111")
    assert not v["bank_card"]("0000000000000000")  # Luhn-valid but no card


def test_card_brands_by_issuer_range_and_length(v: dict) -> None:
    """Test numbers the card networks publish (recognizers/cards.yaml), and Luhn-valid numbers of no brand."""
    for number in ("378282246310005", "5555555555554444", "2223000048400011", "3530111333300000",
                   "6011111111111117", "30569309025904", "6759649826438453", "6212345678901232"):
        assert v["payment_card"](number), number
    assert not v["payment_card"]("7992739871300008")  # passes Luhn, no issuer 7
    assert not v["payment_card"]("41111111111111113")  # passes Luhn, 17 digits: no Visa length
    assert not v["payment_card"]("5105105105105101")  # Luhn fails


def test_table_luhn_agrees_with_stdnum() -> None:
    """The local Luhn (a speed-up) must answer exactly as python-stdnum's, including on non-digits."""
    import random

    from stdnum import luhn

    from auditor.pii.validators import luhn_valid

    rnd = random.Random(7)
    numbers = ["", "0", "79927398713", "79927398710", "12 3", "-1", "abc", "١٢٣", "²34", "４１１１"]
    numbers += ["".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 24))) for _ in range(5000)]
    assert [luhn_valid(n) for n in numbers] == [luhn.is_valid(n) for n in numbers]


def test_device_ids(v: dict) -> None:
    assert v["imei"]("490154203237518")  # example from 3GPP TS 23.003 / Wikipedia
    assert not v["imei"]("490154203237519")
    assert not v["imei"]("000000000000000")
    assert v["meid"]("AF0123450ABCDE")
    assert v["cn_imsi"]("460001234567890")
    assert not v["cn_imsi"]("310150123456789")  # a US IMSI
    assert v["mac"]("3c:22:fb:12:34:56")
    assert not v["mac"]("02:00:00:00:00:00")  # what Android returns when it withholds the MAC
    assert not v["mac"]("01:00:5e:00:00:fb")  # multicast
    assert not v["not_trivial_hex"]("00000000-0000-0000-0000-000000000000")  # OAID after opt-out


@pytest.mark.parametrize("plate,ok", [("粤B12345", True), ("京A·D12345", True), ("沪AD12345", True),
                                      ("粤B·12345D", True), ("京ABCDE1", False), ("浙A1234", False)])
def test_plates(v: dict, plate: str, ok: bool) -> None:
    assert v["cn_plate"](plate) is ok


def test_coordinates_inside_china_only(v: dict) -> None:
    assert v["cn_coord_pair"]("116.480512,39.990475")  # Beijing, lng first
    assert v["cn_coord_pair"]("39.990475, 116.480512")  # lat first
    assert not v["cn_coord_pair"]("-122.419416,37.774929")  # San Francisco
    assert not v["cn_coord_pair"]("2.352222,48.856614")  # Paris


def test_birth_dates(v: dict) -> None:
    assert v["birth_date"]("1990-03-07")
    assert v["birth_date"]("1990年3月7日")
    assert not v["birth_date"]("2990-03-07")
    assert not v["birth_date"]("1990-02-30")


def _ric(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17 + "0")


def test_resident_id_region_code_in_use_when_the_number_could_be_issued(v: dict) -> None:
    """The code names the county of registration at issue (1984 on), not at birth (stdnum cn/loc.dat years)."""
    assert v["cn_ric18"]("110111195006121253")  # 房山区 [1986-]: born 1950, registered there since 1986
    assert v["cn_ric18"]("310115194606120076")  # 浦东新区, created 1992
    assert v["cn_ric18"](_ric("11011819900101001"))  # 密云区 [2015-]: an 18-digit number may be issued today
    assert not v["cn_ric18"](_ric("11020119500101001"))  # 昌平县 [-1982]: gone before any card was issued
    assert v["cn_ric15"]("610104620927690")  # 莲湖区, in use through the 15-digit years
    assert not v["cn_ric15"]("110118900101001")  # 密云区 only from 2015, after the last 15-digit number


def test_resident_ids_of_other_projects_tests(v: dict) -> None:
    for number in ("500154199804106120", "321083197812162119"):  # id-validator test data
        assert v["cn_ric18"](number), number
