"""Import and export of a folder of Markdown articles (the format is in files.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from vmeste.core.errors import ServiceError
from vmeste.core.models import Category, Line
from vmeste.knowledge import files
from vmeste.knowledge.models import Article
from vmeste.knowledge.services import ArticleData, bump_content_version, save_article


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped}


class ImportFailed(Exception):
    """Nothing was imported; `errors` name every file and field at fault."""

    def __init__(self, errors: list[files.FileError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _read(path: Path) -> tuple[list[tuple[str, files.ArticleFile]], list[files.FileError]]:
    if not path.is_dir():
        return [], [files.FileError(str(path), "", "папка не найдена")]
    parsed, errors = [], []
    for file in sorted(path.glob("*.md")):
        try:
            parsed.append((file.name, files.parse(file.name, file.read_text(encoding="utf-8"))))
        except UnicodeDecodeError:
            errors.append(files.FileError(file.name, "", "файл не в кодировке UTF-8"))
        except files.FileError as exc:
            errors.append(exc)
    return parsed, errors


def _check_references(parsed: list[tuple[str, files.ArticleFile]]) -> list[files.FileError]:
    lines = set(Line.objects.values_list("code", flat=True))
    categories = set(Category.objects.values_list("code", flat=True))
    errors, seen = [], {}
    for name, article in parsed:
        if article.slug in seen:
            errors.append(files.FileError(name, "id", f"такой же id в файле {seen[article.slug]}"))
        seen.setdefault(article.slug, name)
        for code in article.lines:
            if code not in lines:
                errors.append(files.FileError(name, "line", f"неизвестная линия «{code}»"))
        for code in article.categories:
            if code not in categories:
                errors.append(
                    files.FileError(name, "categories", f"неизвестная категория «{code}»")
                )
    return errors


def import_folder(*, path: Path | str, user=None) -> ImportReport:
    """Import every .md file of a folder, all or nothing. Articles are matched by their `id`:
    a file equal to the stored article is skipped, so importing twice changes nothing."""
    parsed, errors = _read(Path(path))
    errors += _check_references(parsed)
    if not parsed and not errors:
        errors.append(files.FileError(str(path), "", "в папке нет файлов .md"))
    if errors:
        raise ImportFailed(errors)
    report = ImportReport()
    with transaction.atomic():
        existing = set(Article.objects.values_list("slug", flat=True))
        for name, item in parsed:
            data = ArticleData.copied(item, slug=item.slug, updated=item.updated)
            try:
                _article, changed = save_article(
                    data=data,
                    user=user,
                    status=item.status,
                    note=f"импорт {name}",
                    enforce_workflow=False,
                    announce=False,
                )
            except ServiceError as exc:
                field_name = next(iter(exc.fields), "")
                raise ImportFailed([files.FileError(name, field_name, exc.message)]) from None
            bucket = (
                report.skipped
                if not changed
                else (report.updated if item.slug in existing else report.created)
            )
            bucket.append(item.slug)
        if report.created or report.updated:
            bump_content_version()
    return report


def export_folder(*, path: Path | str) -> list[str]:
    """Write every article as <id>.md into a folder; returns the file names."""
    target = Path(path)
    target.mkdir(parents=True, exist_ok=True)
    names = []
    articles = Article.objects.prefetch_related("lines", "categories").order_by("slug")
    for article in articles:
        item = files.ArticleFile(
            slug=article.slug,
            title=article.title,
            body=article.body,
            lines=article.line_codes,
            tags=list(article.tags or []),
            categories=sorted(c.code for c in article.categories.all()),
            updated=article.updated,
            status=article.status,
            valid_from=article.valid_from,
            valid_until=article.valid_until,
        )
        name = f"{article.slug}.md"
        (target / name).write_text(files.format_file(item), encoding="utf-8")
        names.append(name)
    return names
