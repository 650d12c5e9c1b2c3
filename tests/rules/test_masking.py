from shuangsuiji.rules.masking import mask_id_number, mask_name, mask_phone


def test_identity_numbers_keep_region_and_last_four():
    assert mask_id_number("14050219800101123X") == "140502********123X"


def test_phones_keep_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"


def test_names_keep_the_family_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("王") == "王"
