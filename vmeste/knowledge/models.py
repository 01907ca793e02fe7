"""Knowledge-base articles, their history, the synonym dictionary and the answers given."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Category, Line, optional_link
from vmeste.knowledge import transitions


class Status(models.TextChoices):
    DRAFT = transitions.DRAFT, _("черновик")
    PUBLISHED = transitions.PUBLISHED, _("опубликована")
    ARCHIVED = transitions.ARCHIVED, _("в архиве")


class Article(models.Model):
    """An answer for operators. `slug` is the stable external id (front matter `id`)."""

    slug = models.SlugField(_("идентификатор"), max_length=80, unique=True)
    title = models.CharField(_("заголовок"), max_length=300)
    body = models.TextField(_("текст (Markdown)"), blank=True)
    lines = models.ManyToManyField(
        Line, verbose_name=_("линии"), blank=True, help_text=_("Пусто — все линии.")
    )
    categories = models.ManyToManyField(Category, verbose_name=_("категории"), blank=True)
    tags = models.JSONField(_("метки"), default=list, blank=True)
    status = models.CharField(
        _("статус"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    valid_from = models.DateField(_("действует с"), null=True, blank=True)
    valid_until = models.DateField(_("действует по"), null=True, blank=True)
    author = optional_link(settings.AUTH_USER_MODEL, _("автор"), related_name="+")
    updated = models.DateField(_("дата редакции"), default=date.today)
    version = models.PositiveIntegerField(_("версия"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)

    scope_line = "lines"

    class Meta:
        ordering = ["slug"]
        verbose_name = _("статья")
        verbose_name_plural = _("статьи")

    def __str__(self) -> str:
        return f"{self.slug}: {self.title}"

    @property
    def line_codes(self) -> list[str]:
        return sorted(line.code for line in self.lines.all())

    def valid_on(self, day: date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class ArticleVersion(models.Model):
    """A saved state of an article: every save and transition adds one; restore copies back."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("номер"))
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    lines = models.JSONField(default=list, blank=True)  # line codes
    categories = models.JSONField(default=list, blank=True)  # category codes
    status = models.CharField(max_length=10, choices=Status.choices)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    updated = models.DateField(null=True, blank=True)
    author = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    note = models.CharField(_("что изменено"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number")
        ]
        verbose_name = _("версия статьи")
        verbose_name_plural = _("версии статей")


class Synonym(models.Model):
    """One dictionary entry: words and phrases that mean the same to a caller.

    `terms` is the list as an editor types it: «лн, листок нетрудоспособности, больничный».
    """

    terms = models.TextField(_("синонимы через запятую"))
    note = models.CharField(_("пояснение"), max_length=200, blank=True)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        ordering = ["terms"]
        verbose_name = _("синоним")
        verbose_name_plural = _("словарь синонимов")

    def __str__(self) -> str:
        return self.terms

    @property
    def phrases(self) -> list[str]:
        return [p.strip() for p in self.terms.replace(";", ",").split(",") if p.strip()]


class ArticleUse(models.Model):
    """An operator's note that this article answered this contact (feeds "articles that
    help" and the search's own evaluation: `query` is what was typed before choosing it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="uses")
    # SET_NULL: the figures of which articles help outlive a contact's deletion.
    contact = optional_link("contacts.Contact", _("обращение"), related_name="knowledge_uses")
    query = models.CharField(_("запрос"), max_length=300, blank=True)
    user = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "contact"], name="kb_use_once_per_contact")
        ]
        verbose_name = _("использование статьи")
        verbose_name_plural = _("использование статей")


class ContentVersion(models.Model):
    """One row counting changes to what the search indexes (articles, synonyms).

    Every process compares it with the version its in-memory index was built from and
    rebuilds when they differ: that keeps all server processes in step on any database.
    """

    version = models.PositiveBigIntegerField(default=0)
    # Tests roll the database back to an earlier counter; the token tells two states apart.
    token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("версия содержимого базы знаний")
