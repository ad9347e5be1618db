"""The parts of ``benchmarks/province.py``: the shape of a province, the SQL that writes it, the checks."""
