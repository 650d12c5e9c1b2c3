"""Names and codes that the search boxes of the portal, the target directory and their APIs
must find, or must not, the way people type them."""

LUTAISHAN = "沁水县鹿台山物业管理有限公司"
LUTAISHAN_CODE = "91140521MA0GF82U3W"
OTHERS = ["晋城市兴达房地产开发有限公司", "阳城县100%纯净水有限公司", "阳城县1000纯净水有限公司",
          "泽州县A_B商贸有限公司", "泽州县AXB商贸有限公司", "高平市ABC商贸有限公司"]
NAMES = [LUTAISHAN, *OTHERS]

# (what is typed, the names found)
CODES_TYPED = [
    (LUTAISHAN_CODE, [LUTAISHAN]),
    (LUTAISHAN_CODE.lower(), [LUTAISHAN]),
    ("９１１４０５２１ＭＡ０ＧＦ８２Ｕ３Ｗ", [LUTAISHAN]),
    (" 9114 0521 ma0g f82u 3w ", [LUTAISHAN]),
]
NAME_PARTS = [
    ("鹿台", [LUTAISHAN]),  # two characters, in the middle of the name
    ("台山物业", [LUTAISHAN]),  # four
    ("沁水县", [LUTAISHAN]),  # the beginning still works
    ("有限公司", NAMES),
    ("不存在的", []),
    ("100%", ["阳城县100%纯净水有限公司"]),  # % is a character, not a wildcard
    ("A_B", ["泽州县A_B商贸有限公司"]),  # and so is _
    ("__", []),
    ("abc商贸", ["高平市ABC商贸有限公司"]),  # Latin letters in either case
]
