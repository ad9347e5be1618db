"""Reading an exported sheet back, as an office would open it."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl


def read(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def number(value) -> Decimal:
    """A cell's number as the Decimal it was written from (openpyxl reads floats and ints)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def header(sheet, row: int = 4) -> list:
    return [cell.value for cell in sheet[row]]


def rows_by_first(sheet, key_column: int, first_row: int) -> dict:
    found = {}
    for row in sheet.iter_rows(min_row=first_row, values_only=True):
        if row[key_column] is not None:
            found[row[key_column]] = row
    return found
