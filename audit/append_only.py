"""Append-only tables: refused updates and deletes, in the ORM and in the database.

``AppendOnlyModel`` refuses ``save()`` of an existing row and ``delete()`` in the ORM (including
queryset ``update()``/``delete()``); ``forbid_update_delete(table)`` is a migration operation that
installs database triggers, so a hand-written SQL statement is refused too.

The triggers refuse UPDATE and DELETE of a row on both databases, and TRUNCATE on PostgreSQL (a row
trigger does not see it). Django's test runner empties the tables between transactional tests with
``DELETE`` (SQLite) or ``TRUNCATE`` (PostgreSQL): ``tests/conftest.py`` lets that flush through, and only it.
A superuser can still disable the triggers; the hash chains (``audit.chain``) are the evidence then.
"""

from django.db import migrations, models

from audit.messages import APPEND_ONLY_MESSAGE


class AppendOnlyError(Exception):
    """A change to a row of an append-only table was attempted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    def delete(self):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY_MESSAGE)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION jifen_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _install(table: str):
    def forwards(apps, schema_editor):
        _drop(schema_editor, table)  # installing again (a stronger set over an older one) replaces
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            # params=None: the function body's '%' placeholders belong to PL/pgSQL, not to the driver.
            schema_editor.execute(_PG_FUNCTION, params=None)
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION jifen_refuse_change();"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only_truncate" BEFORE TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION jifen_refuse_change();"
            )
        elif vendor == "sqlite":
            for operation, suffix in (("UPDATE", ""), ("DELETE", "_delete")):
                schema_editor.execute(
                    f'CREATE TRIGGER "{table}_append_only{suffix}" BEFORE {operation} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {operation} refused'); END;"
                )

    return forwards


def _drop(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    for suffix in ("", "_delete", "_truncate"):
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only{suffix}" ON "{table}";')
        elif vendor == "sqlite":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only{suffix}";')


def _uninstall(table: str):
    def backwards(apps, schema_editor):
        _drop(schema_editor, table)

    return backwards


def forbid_update_delete(table: str) -> migrations.RunPython:
    """Migration operation installing the append-only triggers on ``table`` (again: replacing them)."""
    return migrations.RunPython(_install(table), _uninstall(table))


def allow_update_delete(table: str) -> migrations.RunPython:
    """Migration operation dropping the triggers, for a data migration that must rewrite the rows."""
    return migrations.RunPython(_uninstall(table), _install(table))
