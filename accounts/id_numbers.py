"""Resident ID numbers (居民身份证号码, GB 11643-1999): the check character and a validity test."""

import datetime

# Weights of the first 17 digits; (weighted sum mod 11) indexes the check character (ISO 7064 MOD 11-2).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are ``first17``."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def birth_date_valid(value: str) -> bool:
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


def id_number_valid(value: str) -> bool:
    """Shape, birth date and check character of an 18-character ID number."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    return birth_date_valid(value) and value[17] == id_check_character(value[:17])
