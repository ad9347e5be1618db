"""Hash chains: tamper evidence for the audit trail and the ledger.

Each row of a chained table stores ``prev_hash`` — the ``hash`` of the row before it in its chain — and
``hash`` = SHA-256 of ``prev_hash`` and a canonical serialization of the row's own fields. A changed,
removed or re-ordered row breaks the chain at that point, even where the database triggers were dropped
or disabled (a superuser's ``DISABLE TRIGGER``): ``manage.py verify_ledger`` walks the chains.

One chain per organization (``chain_field``: a ledger entry's 支部, an audit record's 组织; records of no
organization form one chain of their own), not one for the whole province: a chain is extended under a
lock, and one lock per organization lets branches record at the same time. The lock (PostgreSQL's
``pg_advisory_xact_lock``, keyed by the organization, so the ledger and the audit trail of one
organization share it) is held until the transaction ends; SQLite serializes writers anyway.
``prev_hash`` is unique (a chain's first row starts from a hash naming the table and the chain), so even
without the lock the database refuses a fork instead of keeping two rows after one.

The hash is computed in ``save()`` and ``bulk_create()`` — the only ways a row is inserted — so every
service that writes an entry or a record gets it without knowing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction

from audit import messages
from audit.append_only import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet

# The first key of the advisory locks ("JF"); the second is the organization's id (0: none).
LOCK_NAMESPACE = 0x4A46


def genesis(table: str, key: int | None) -> str:
    """The ``prev_hash`` of a chain's first row: unique per table and chain."""
    return hashlib.sha256(f"jifen-chain:{table}:{key if key is not None else '-'}".encode()).hexdigest()


def canonical(field: models.Field, value: Any) -> Any:
    """A field's value as the same JSON value whether it comes from Python or back from the database."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return format(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)), "f")
    if isinstance(field, models.DateTimeField):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(field, models.DateField):
        return value.isoformat()
    if isinstance(field, models.JSONField):
        # As stored: encoded with the field's encoder (a Decimal becomes text), then read back.
        return json.loads(json.dumps(value, cls=field.encoder or DjangoJSONEncoder))
    if isinstance(field, models.CharField | models.TextField):
        return str(value)
    return value


def row_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


class ChainedQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise ValueError("a chained table takes every row it is given: no ignore/update on conflict")
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            seal(self.model, objs, using=self.db)
            return super().bulk_create(objs, *args, **kwargs)


class ChainedModel(AppendOnlyModel):
    """An append-only model whose rows are chained by hash, one chain per value of ``chain_field``."""

    prev_hash = models.CharField(max_length=64, unique=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    # The attname of the column naming the row's chain (an organization's id).
    chain_field: ClassVar[str]
    # The fields the hash covers, by name. Fixed, not "every column": a field added to the model later
    # leaves the old rows' hashes valid; added here, it must be null in the old rows (a null is left out
    # of the hash) or its migration must chain the table again (``rechain``).
    chain_fields: ClassVar[tuple[str, ...]]

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(messages.APPEND_ONLY_MESSAGE)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            seal(type(self), [self], using=using)
            super().save(*args, **kwargs)

    @classmethod
    def sealed_fields(cls) -> list[models.Field]:
        return [cls._meta.get_field(name) for name in cls.chain_fields]


def payload(fields: Sequence[models.Field], values: Sequence[Any]) -> dict[str, Any]:
    """What the hash covers: each field's canonical value by column name, nulls left out."""
    pairs = ((f.attname, canonical(f, v)) for f, v in zip(fields, values, strict=True))
    return {name: value for name, value in pairs if value is not None}


def lock_chain(using: str, key: int | None) -> None:
    """Take the chain's lock until the end of the transaction (PostgreSQL; SQLite serializes writers)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, (key or 0) & 0x7FFFFFFF])


class _ChainMemo:
    """What one transaction knows of the chains it extended: the locks it holds and the last row it
    wrote to each chain. A second row of a chain in the same transaction (a claim's ledger entry, then
    its audit records) needs neither the lock nor the head read again.

    It lives in the connection's on-commit list, one per savepoint level, because Django drops those
    entries with a savepoint rolled back (and all of them when the transaction ends): what was learned
    inside a rolled-back savepoint — a row no longer there, a lock released with it — is forgotten."""

    def __init__(self) -> None:
        self.locked: set[int | None] = set()
        self.heads: dict[tuple[str, int | None], str] = {}

    def __call__(self) -> None:  # run at commit: nothing left to do
        pass


def _memos(using: str) -> list[_ChainMemo]:
    """The transaction's memos still standing, newest first."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return []
    return [func for _, func, _ in reversed(connection.run_on_commit) if isinstance(func, _ChainMemo)]


def _memo_here(using: str) -> _ChainMemo:
    """The memo of the current savepoint level, made if there is none yet."""
    connection = connections[using]
    level = set(connection.savepoint_ids)
    for sids, func, _ in reversed(connection.run_on_commit):
        if isinstance(func, _ChainMemo) and sids == level:
            return func
    memo = _ChainMemo()
    transaction.on_commit(memo, using=using)
    return memo


def _known_lock(memos: list[_ChainMemo], key: int | None) -> bool:
    return any(key in memo.locked for memo in memos)


def _known_head(memos: list[_ChainMemo], table: str, key: int | None) -> str | None:
    for memo in memos:  # the newest standing memo knows the latest row
        head = memo.heads.get((table, key))
        if head is not None:
            return head
    return None


def chain_head(model: type[ChainedModel], using: str, key: int | None) -> str:
    rows = model._base_manager.using(using).filter(**{model.chain_field: key})
    head = rows.order_by("-pk").values_list("hash", flat=True).first()
    return head or genesis(model._meta.db_table, key)


def seal(model: type[ChainedModel], objs: Iterable[ChainedModel], *, using: str) -> None:
    """Chain new rows (in the order given, which is their insertion order) to their chains' heads.

    The caller inserts them in the same transaction; the chains' locks are taken in the order of the
    organizations' ids, so two imports over the same branches cannot wait for each other.
    """
    by_chain: dict[int | None, list[ChainedModel]] = {}
    for obj in objs:
        by_chain.setdefault(getattr(obj, model.chain_field), []).append(obj)
    fields = model.sealed_fields()
    table = model._meta.db_table
    memos = _memos(using)
    for key in sorted(by_chain, key=lambda k: -1 if k is None else k):
        if not _known_lock(memos, key):
            lock_chain(using, key)
        head = _known_head(memos, table, key) or chain_head(model, using, key)
        for obj in by_chain[key]:
            obj.prev_hash = head
            obj.hash = head = row_hash(head, payload(fields, [getattr(obj, f.attname) for f in fields]))
        if connections[using].in_atomic_block:
            memo = _memo_here(using)
            memo.locked.add(key)
            memo.heads[(table, key)] = head


def rechain(model: type[models.Model], chain_field: str, field_names: Sequence[str], using: str) -> int:
    """Chain a table's existing rows in id order (a data migration; the triggers must be off).

    ``model`` may be a migration's historical model: the field list is passed, as of that migration.
    """
    fields = [model._meta.get_field(name) for name in field_names]
    table = model._meta.db_table
    rows = model._base_manager.using(using).order_by(chain_field, "pk")
    heads: dict[Any, str] = {}
    changed = []
    for obj in rows.iterator(chunk_size=2000):
        key = getattr(obj, chain_field)
        head = heads.get(key) or genesis(table, key)
        obj.prev_hash = head
        obj.hash = heads[key] = row_hash(head, payload(fields, [getattr(obj, f.attname) for f in fields]))
        changed.append(obj)
        if len(changed) >= 2000:
            model._base_manager.using(using).bulk_update(changed, ["prev_hash", "hash"])
            changed = []
    if changed:
        model._base_manager.using(using).bulk_update(changed, ["prev_hash", "hash"])
    return len(heads)


@dataclass(frozen=True)
class Break:
    """Where a check failed: the table, the row and what is wrong, in Chinese and English."""

    table: str
    pk: int
    message: str


@dataclass
class ChainReport:
    table: str
    rows: int = 0
    heads: dict[Any, str] = field(default_factory=dict)  # chain → the hash of its last row
    breaks: list[Break] = field(default_factory=list)  # the first break of each broken chain


def verify_chain(model: type[ChainedModel], *, chunk_size: int = 5000) -> ChainReport:
    """Walk every chain of ``model`` in id order, recomputing each row's hash from its fields.

    A chain is reported at its first break only; the other chains are walked on. A row deleted at the very
    end of a chain leaves no break: compare ``heads`` with heads kept elsewhere for that.
    """
    fields = model.sealed_fields()
    table = model._meta.db_table
    report = ChainReport(table)
    rows = model._base_manager.order_by(model.chain_field, "pk").values_list(
        "pk", model.chain_field, "prev_hash", "hash", *(f.attname for f in fields)
    )
    broken: set[Any] = set()
    for pk, key, prev_hash, stored, *values in rows.iterator(chunk_size=chunk_size):
        report.rows += 1
        expected = report.heads.get(key) or genesis(table, key)
        report.heads[key] = stored
        if key in broken:
            continue
        if prev_hash != expected:
            message = messages.CHAIN_ROW_MISSING % {"table": table, "pk": pk}
        elif row_hash(prev_hash, payload(fields, values)) != stored:
            message = messages.CHAIN_ROW_ALTERED % {"table": table, "pk": pk}
        else:
            continue
        broken.add(key)
        report.breaks.append(Break(table, pk, str(message)))
    return report
