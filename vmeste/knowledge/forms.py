"""The editor's form: plain fields in, an ArticleData out (the rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vmeste.core.dates import validate_date
from vmeste.core.models import Category, Line
from vmeste.knowledge.models import Article
from vmeste.knowledge.services import ArticleData


class ArticleForm(forms.Form):
    slug = forms.SlugField(label=_("Идентификатор"), max_length=80)
    title = forms.CharField(label=_("Заголовок"), max_length=300)
    body = forms.CharField(
        label=_("Текст (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 18})
    )
    lines = forms.ModelMultipleChoiceField(
        label=_("Линии"),
        queryset=Line.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        help_text=_("Пусто — все линии."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Категории"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
    )
    tags = forms.CharField(label=_("Метки через запятую"), required=False, max_length=1000)
    valid_from = forms.DateField(
        label=_("Действует с"),
        required=False,
        validators=[validate_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_until = forms.DateField(
        label=_("Действует по"),
        required=False,
        validators=[validate_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Что изменено"), required=False, max_length=200)

    @classmethod
    def for_article(cls, article: Article) -> ArticleForm:
        return cls(
            initial={
                "slug": article.slug,
                "title": article.title,
                "body": article.body,
                "lines": list(article.lines.all()),
                "categories": list(article.categories.all()),
                "tags": ", ".join(article.tags or []),
                "valid_from": article.valid_from,
                "valid_until": article.valid_until,
            }
        )

    def data_for_service(self) -> ArticleData:
        cleaned = self.cleaned_data
        return ArticleData(
            slug=cleaned["slug"],
            title=cleaned["title"],
            body=cleaned["body"].replace("\r\n", "\n"),
            lines=[line.code for line in cleaned["lines"]],
            categories=[c.code for c in cleaned["categories"]],
            tags=[t.strip() for t in cleaned["tags"].split(",") if t.strip()],
            valid_from=cleaned["valid_from"],
            valid_until=cleaned["valid_until"],
        )

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        renamed = {"id": "slug"}
        for name, messages in fields.items():
            target = renamed.get(name, name)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
