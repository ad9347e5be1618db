"""Small .xlsx files that would cost the server far more than their size to read: a sheet of the same row
repeated (it packs about 250 to 1), and a sheet that claims to span every cell Excel has."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_sheet_xml(header: Sequence[str], sheet_xml: str) -> bytes:
    """A real workbook (header on row 1) whose first sheet is replaced by ``sheet_xml``."""
    workbook = openpyxl.Workbook()
    workbook.active.append(list(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for part in source.infolist():
            data = sheet_xml.encode() if part.filename == SHEET else source.read(part)
            archive.writestr(part.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _text_cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def repeated_rows(header: Sequence[str], *, rows: int, text: str = "哈") -> bytes:
    """The header, then ``rows`` identical rows of ``text`` under every column."""
    head = "<row>" + "".join(_text_cell(h) for h in header) + "</row>"
    row = "<row>" + _text_cell(text) * len(header) + "</row>"
    return with_sheet_xml(
        header, f'<worksheet xmlns="{_NS}"><sheetData>{head}{row * rows}</sheetData></worksheet>'
    )


def claiming_every_cell(header: Sequence[str], row: Sequence[str]) -> bytes:
    """Two real rows under a dimension of A1:XFD1048576 (16 384 columns, a million rows)."""
    cells = "".join(
        f'<row r="{n}">' + "".join(_text_cell(v) for v in values) + "</row>"
        for n, values in ((1, header), (2, row))
    )
    return with_sheet_xml(
        header,
        f'<worksheet xmlns="{_NS}"><dimension ref="A1:XFD1048576"/>'
        f"<sheetData>{cells}</sheetData></worksheet>",
    )
