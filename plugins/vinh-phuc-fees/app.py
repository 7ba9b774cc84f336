"""Fee policy of Vĩnh Phúc province, written in Python.

Illustrative rates in the style of the provincial People's Council
resolutions on fees and charges (Nghị quyết HĐND tỉnh Vĩnh Phúc):

| procedure | code (default) | rule |
|---|---|---|
| birth registration | 1.001193 | on time (within 60 days) free by law; late 5,000 đ |
| marriage registration | 1.000894 | free for Vietnamese citizens |
| death registration | 1.000656 | free by law |
| temporary residence | 1.004194 | 15,000 đ at the counter or by post, 7,000 đ online |
| construction permit | 1.009994 | 75,000 đ for a house of up to `house_max_floors` floors, else 150,000 đ; online reduced by `online_discount_percent` |

Civil status and residence charges are waived for people with merit, poor
households and people with disabilities; the residence charge also for
children under 6. The host passes the effective configuration with every
call (the fee world imports nothing), so the codes, the discount and the
house threshold change without a rebuild, and a recorded input replays the
decision.

Built with componentize-py by `cargo xtask plugins` or `motcua plugin build`
(docs/python-and-javascript-plugins.md). `wit_world` is generated from the
contract's WIT at build time.
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import errors
from wit_world.imports.types import (
    Channel,
    Collection,
    FeeKind,
    FeeLine,
    FieldValue_Date,
    FieldValue_Number,
    Localized,
)

BIRTH = "1.001193"
MARRIAGE = "1.000894"
DEATH = "1.000656"
TEMPORARY_RESIDENCE = "1.004194"
CONSTRUCTION_PERMIT = "1.009994"

# (config key, default code, rule name): the codes are overridable in [config].
PROCEDURES = (
    ("procedure_birth_registration", BIRTH, "birth"),
    ("procedure_marriage_registration", MARRIAGE, "marriage"),
    ("procedure_death_registration", DEATH, "death"),
    ("procedure_temporary_residence", TEMPORARY_RESIDENCE, "temporary_residence"),
    ("procedure_construction_permit", CONSTRUCTION_PERMIT, "construction_permit"),
)

LATE_BIRTH_VND = 5_000
RESIDENCE_COUNTER_VND = 15_000
RESIDENCE_ONLINE_VND = 7_000
HOUSE_PERMIT_VND = 75_000
OTHER_PERMIT_VND = 150_000
# Luật Hộ tịch 2014, Điều 15: a birth is registered within 60 days.
BIRTH_REGISTRATION_DAYS = 60
RESOLUTION = "Nghị quyết HĐND tỉnh Vĩnh Phúc"

# Exempt groups for civil status and residence charges, checked in this order.
EXEMPT_GROUPS = (
    ("person-with-merit", "người có công với cách mạng", "person with merit"),
    ("poor-household", "thành viên hộ nghèo", "poor household"),
    ("disability", "người khuyết tật", "person with a disability"),
)


class FeePolicy(exports.FeePolicy):
    def procedures(self):
        return [code for _, code, _ in PROCEDURES]

    def fee_lines(self, input):
        dossier = input.dossier
        settings = Settings(input.config)
        rule = settings.rule(dossier.procedure_code)
        if rule is None:
            raise Err(errors.Error_Unsupported(
                f"procedure {dossier.procedure_code} is not priced by this policy"))
        return RULES[rule](dossier, settings)


class Settings:
    """The rules' settings for one call: defaults overridden by [config]."""

    def __init__(self, config):
        values = dict(config)
        self.codes = {values.get(key, code): rule for key, code, rule in PROCEDURES}
        self.online_discount_percent = min(_whole(values.get("online_discount_percent"), 50), 100)
        self.house_max_floors = _whole(values.get("house_max_floors"), 3)

    def rule(self, code):
        return self.codes.get(code)


def _whole(text, default):
    try:
        return max(int(text.strip()), 0)
    except (AttributeError, ValueError):
        return default


def birth(dossier, settings):
    born = _date(dossier, "child.birth-date")
    if born is None:
        raise Err(errors.Error_InvalidInput([errors.FieldProblem(
            field="form.child.birth-date",
            message="required to price a birth registration")]))
    if _days_between(born, dossier.received_at.date) > BIRTH_REGISTRATION_DAYS:
        line = _line("le-phi-dang-ky-khai-sinh-qua-han",
                     "Lệ phí đăng ký khai sinh quá hạn", "Late birth registration charge",
                     LATE_BIRTH_VND)
        return [_exempt_group(line, dossier.applicant)]
    return [_exempt(_line("le-phi-dang-ky-khai-sinh", "Lệ phí đăng ký khai sinh",
                          "Birth registration charge", 0),
                    "Miễn lệ phí đăng ký khai sinh đúng hạn (Luật Hộ tịch 2014, Điều 11)"
                    " / on-time birth registration is free by law")]


def marriage(dossier, settings):
    return [_exempt(_line("le-phi-dang-ky-ket-hon", "Lệ phí đăng ký kết hôn",
                          "Marriage registration charge", 0),
                    f"Miễn lệ phí đăng ký kết hôn cho công dân Việt Nam ({RESOLUTION})"
                    " / free for Vietnamese citizens")]


def death(dossier, settings):
    return [_exempt(_line("le-phi-dang-ky-khai-tu", "Lệ phí đăng ký khai tử",
                          "Death registration charge", 0),
                    "Miễn lệ phí đăng ký khai tử (Luật Hộ tịch 2014, Điều 11)"
                    " / death registration is free by law")]


def temporary_residence(dossier, settings):
    line = _line("le-phi-dang-ky-tam-tru", "Lệ phí đăng ký tạm trú",
                 "Temporary residence registration charge", RESIDENCE_COUNTER_VND)
    born = _date(dossier, "person.birth-date") or dossier.applicant.birth_date
    if born is not None and _age_on(born, dossier.received_at.date) < 6:
        return [_exempt(line, f"Miễn lệ phí: trẻ em dưới 6 tuổi ({RESOLUTION}) / child under 6")]
    line = _exempt_group(line, dossier.applicant)
    if line.amount_vnd and dossier.channel == Channel.ONLINE:
        line.amount_vnd = RESIDENCE_ONLINE_VND
        line.reason = f"Mức thu khi nộp trực tuyến 7.000 đ ({RESOLUTION}) / online rate"
    return [line]


def construction_permit(dossier, settings):
    floors = _number(dossier, "works.floors")
    if floors is not None and 0 < floors <= settings.house_max_floors:
        line = _line("le-phi-cap-giay-phep-xay-dung-nha-o",
                     "Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ",
                     "Construction permit charge, individual house", HOUSE_PERMIT_VND)
    else:
        line = _line("le-phi-cap-giay-phep-xay-dung", "Lệ phí cấp giấy phép xây dựng",
                     "Construction permit charge", OTHER_PERMIT_VND)
    discount = settings.online_discount_percent
    if dossier.channel == Channel.ONLINE and discount:
        line.amount_vnd = line.base_amount_vnd * (100 - discount) // 100
        line.reason = (f"Giảm {discount}% khi nộp trực tuyến ({RESOLUTION})"
                       f" / {discount}% online discount")
    return [line]


RULES = {
    "birth": birth,
    "marriage": marriage,
    "death": death,
    "temporary_residence": temporary_residence,
    "construction_permit": construction_permit,
}


def _line(code, vi, en, amount):
    return FeeLine(code=code, label=Localized(vi=vi, en=en), kind=FeeKind.CHARGE,
                   base_amount_vnd=amount, amount_vnd=amount,
                   collection=Collection.BEFORE_PROCESSING, reason=None)


def _exempt(line, reason):
    line.amount_vnd = 0
    line.collection = Collection.NOT_COLLECTED
    line.reason = reason
    return line


def _exempt_group(line, applicant):
    for group, vi, en in EXEMPT_GROUPS:
        if group in applicant.groups:
            return _exempt(line, f"Miễn lệ phí: {vi} ({RESOLUTION}) / {en}")
    return line


def _entry(dossier, field):
    for entry in dossier.form:
        if entry.field == field:
            return entry.value
    return None


def _date(dossier, field):
    value = _entry(dossier, field)
    return value.value if isinstance(value, FieldValue_Date) else None


def _number(dossier, field):
    value = _entry(dossier, field)
    return value.value if isinstance(value, FieldValue_Number) else None


def _days_between(earlier, later):
    return _day_number(later) - _day_number(earlier)


def _day_number(date):
    # Days since 0000-03-01 in the proleptic Gregorian calendar: no datetime
    # import, so the component needs nothing from the clock.
    year, month = date.year, date.month
    if month <= 2:
        year -= 1
        month += 12
    return 365 * year + year // 4 - year // 100 + year // 400 + (153 * (month - 3) + 2) // 5 + date.day


def _age_on(born, day):
    age = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        age -= 1
    return age
