"""Columns computed in Python from other columns of the same row (a task's folded search
text, a unit's sort key), kept current on every write the ORM offers: save(),
bulk_create(), bulk_update() and update(). Raw SQL writers (the benchmark datasets)
fill them with the same functions."""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models.lookups import Contains

from tasks_app.text import fold


class FoldedTextField(models.TextField):
    """Text stored folded (tasks_app.text.fold). Search it with `__matches`, which folds
    the term the same way: `Task.objects.filter(search_text__matches="CHUYỂN ĐỔI")`."""


@FoldedTextField.register_lookup
class Matches(Contains):
    """`contains` with the term folded like the column. It stays a plain LIKE (no function
    on the column), so PostgreSQL's trigram index on the column answers it; the term needs
    no LIKE escaping here, Contains does that."""

    lookup_name = "matches"

    def get_prep_lookup(self):
        if isinstance(self.rhs, str):
            self.rhs = fold(self.rhs)
        return super().get_prep_lookup()

    def get_rhs_op(self, connection, rhs):
        # The backends know the operator by the name "contains".
        if hasattr(self.rhs, "as_sql") or self.bilateral_transforms:
            return connection.pattern_ops["contains"].format(connection.pattern_esc).format(rhs)
        return connection.operators["contains"] % rhs


@models.CharField.register_lookup
@models.TextField.register_lookup
class FoldedMatches(Matches):
    """`matches` on any other text column: folds the column in the database, with
    nq57_fold() (a SQL function on PostgreSQL, migration 0013; tasks_app.text.fold itself
    on SQLite, tasks_app.apps), and the term in Python. It reads every row, so it is for
    the admin's searches of names, notes and titles; the task and unit searches people
    type all day use the stored, indexed columns above."""

    def process_lhs(self, compiler, connection, lhs=None):
        sql, params = super().process_lhs(compiler, connection, lhs)
        return f"nq57_fold({sql})", params


_M = TypeVar("_M", bound=models.Model)


class DerivedFieldsQuerySet(models.QuerySet[_M]):
    """Subclasses name the `sources` and the `derived` fields, and fill them in `derive`."""

    sources: frozenset[str] = frozenset()
    derived: tuple[str, ...] = ()

    @staticmethod
    def derive(obj: _M) -> None:
        raise NotImplementedError

    def bulk_create(self, objs: Iterable[_M], *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            self.derive(obj)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Iterable[_M], fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if self.sources & set(fields):
            for obj in objs:
                self.derive(obj)
            fields += [name for name in self.derived if name not in fields]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs) -> int:
        if not self.sources & set(kwargs):
            return super().update(**kwargs)
        # The new values may be expressions (F(), Concat()): read them back to derive.
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            changed = super().update(**kwargs)
            rows = list(self.model._base_manager.using(self.db).filter(pk__in=pks))
            # A plain queryset, so that this write does not derive a second time.
            plain: models.QuerySet[_M] = models.QuerySet(self.model, using=self.db)
            plain.bulk_update([self._derived(row) for row in rows], self.derived, batch_size=1000)
        return changed

    def _derived(self, obj: _M) -> _M:
        self.derive(obj)
        return obj


def save_derived(obj: _M, queryset_class: type[DerivedFieldsQuerySet[_M]], kwargs: dict[str, Any]) -> None:
    """For a model's save(): fill the derived fields, and save them too when only some
    fields are saved and a source is among them."""
    queryset_class.derive(obj)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and queryset_class.sources & set(update_fields):
        kwargs["update_fields"] = {*update_fields, *queryset_class.derived}
