"""Rows written by ``update_row`` and statements sent together (``core.together``)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from vmeste.core.models import Category
from vmeste.core.together import together, update_row

pytestmark = pytest.mark.django_db


def _two() -> tuple[Category, Category]:
    first, second = Category.objects.order_by("pk")[:2]
    return first, second


def test_update_row_writes_the_fields_named_and_no_other():
    category, _other = _two()
    position = category.position
    category.deadline_hours, category.position = 7, position + 5
    update_row(category, ["deadline_hours"])
    category.refresh_from_db()
    assert (category.deadline_hours, category.position) == (7, position)


def test_a_statement_refused_inside_the_block_fails_it_and_leaves_nothing_written():
    refused, written = _two()
    before = written.deadline_hours
    with pytest.raises(IntegrityError), transaction.atomic(), together():
        written.deadline_hours = before + 11
        update_row(written, ["deadline_hours"])  # accepted, then rolled back with the rest
        refused.deadline_hours = -1  # a positive field: the database's check refuses it
        update_row(refused, ["deadline_hours"])
    written.refresh_from_db()
    assert written.deadline_hours == before


def test_outside_a_transaction_each_statement_is_written_at_once():
    category, _other = _two()
    with together():
        category.deadline_hours = 5
        update_row(category, ["deadline_hours"])
    assert Category.objects.get(pk=category.pk).deadline_hours == 5
