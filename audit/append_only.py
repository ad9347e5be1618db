"""Append-only tables: refused updates and deletes, in the ORM and in the database.

``AppendOnlyModel`` refuses ``save()`` of an existing row and ``delete()`` in the ORM (including
queryset ``update()``/``delete()``); ``forbid_update_delete(table)`` is a migration operation that
installs database triggers, so a hand-written SQL statement is refused too.

On SQLite only UPDATE is refused by a trigger: Django empties tables between transactional tests
with ``DELETE``, while on PostgreSQL it uses ``TRUNCATE``, which row triggers do not see.
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
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            # params=None: the function body's '%' placeholders belong to PL/pgSQL, not to the driver.
            schema_editor.execute(_PG_FUNCTION, params=None)
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION jifen_refuse_change();"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END;"
            )

    return forwards


def _uninstall(table: str):
    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";')
        elif vendor == "sqlite":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only";')

    return backwards


def forbid_update_delete(table: str) -> migrations.RunPython:
    """Migration operation installing the append-only triggers on ``table``."""
    return migrations.RunPython(_install(table), _uninstall(table))
