"""Names of the GB/T 4754-2017 sections (门类) the coverage is grouped by."""

from django.utils.translation import gettext_lazy as _

from shuangsuiji.rules.oversight import UNKNOWN

INDUSTRY_SECTIONS = {
    "A": _("Agriculture, forestry, animal husbandry and fishery (农、林、牧、渔业)"),
    "B": _("Mining (采矿业)"),
    "C": _("Manufacturing (制造业)"),
    "D": _("Electricity, heat, gas and water supply (电力、热力、燃气及水生产和供应业)"),
    "E": _("Construction (建筑业)"),
    "F": _("Wholesale and retail trade (批发和零售业)"),
    "G": _("Transport, storage and postal services (交通运输、仓储和邮政业)"),
    "H": _("Accommodation and catering (住宿和餐饮业)"),
    "I": _("Information transmission, software and IT services (信息传输、软件和信息技术服务业)"),
    "J": _("Finance (金融业)"),
    "K": _("Real estate (房地产业)"),
    "L": _("Leasing and business services (租赁和商务服务业)"),
    "M": _("Scientific research and technical services (科学研究和技术服务业)"),
    "N": _("Water conservancy, environment and public facilities (水利、环境和公共设施管理业)"),
    "O": _("Resident, repair and other services (居民服务、修理和其他服务业)"),
    "P": _("Education (教育)"),
    "Q": _("Health and social work (卫生和社会工作)"),
    "R": _("Culture, sports and entertainment (文化、体育和娱乐业)"),
    "S": _("Public administration, social security and social organisations "
           "(公共管理、社会保障和社会组织)"),
    "T": _("International organisations (国际组织)"),
    UNKNOWN: _("Industry not recorded"),
}


def industry_label(section: str) -> str:
    name = INDUSTRY_SECTIONS.get(section, INDUSTRY_SECTIONS[UNKNOWN])
    return str(name) if section == UNKNOWN else f"{section} {name}"
