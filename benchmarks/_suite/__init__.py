"""Parts of ``benchmarks/suite.py``: the page timings, the ranking computations, the HTTP load, the report."""
