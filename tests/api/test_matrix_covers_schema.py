"""Every operation of the API is in a permission matrix: a new endpoint without one fails here.

The matrices are the modules ``tests/api/**/test_permission_matrix.py``; each declares the operations
it covers in ``ENDPOINTS_COVERED`` as ``(METHOD, path)`` with the path as the schema writes it.
"""

import importlib
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

API_TESTS = Path(__file__).parent
# The schema and its documentation page are public descriptions, not resources.
NOT_RESOURCES = {("GET", "/api/v1/schema/"), ("GET", "/api/v1/docs/")}


def _operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}


def _covered() -> set[tuple[str, str]]:
    covered = set()
    for file in sorted(API_TESTS.rglob("test_permission_matrix.py")):
        module = ".".join(file.relative_to(API_TESTS.parents[1]).with_suffix("").parts)
        covered |= importlib.import_module(module).ENDPOINTS_COVERED
    return covered


def test_every_operation_of_the_schema_is_in_a_permission_matrix():
    missing = _operations() - NOT_RESOURCES - _covered()
    assert not missing, f"operations without a permission matrix: {sorted(missing)}"


def test_the_matrices_name_no_operation_the_schema_does_not_have():
    stale = _covered() - _operations()
    assert not stale, f"matrices cover operations that no longer exist: {sorted(stale)}"
