"""Masking of private member data (000: 严格保护党员个人信息)."""


def mask_phone(phone: str) -> str:
    """138****1234: keep the first three and last four digits."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(id_number: str) -> str:
    """410***********1234: keep the first three and last four characters."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"
