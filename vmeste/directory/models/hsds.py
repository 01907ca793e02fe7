"""The directory, shaped after HSDS 3.0: ids are the HSDS UUID strings, field names are HSDS's.

Links between HSDS records that other publishers may leave dangling (a location's
organization, a phone's contact, a term's parent…) are foreign keys without a database
constraint: the HSDS examples themselves point at records they do not ship, and an import
must keep what it was given. The service → organization link is a real constraint.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.core.models import Region, optional_link


def new_id() -> str:
    return str(uuid.uuid4())


def soft(to: str, related_name: str) -> models.ForeignKey:
    """A link by HSDS id that may point at a record we do not hold."""
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
    )


class HsdsRecord(models.Model):
    id = models.CharField(primary_key=True, max_length=36, default=new_id)

    class Meta:
        abstract = True


class NamedRecord(HsdsRecord):
    """An HSDS record with a name (each declares its own): listed and shown by it."""

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Organization(NamedRecord):
    class Kind(models.TextChoices):
        FOUNDATION = "foundation", _("благотворительный фонд")
        NPO = "npo", _("НКО")
        SOCIAL_PROTECTION = "social_protection", _("орган соцзащиты")
        MFC = "mfc", _("МФЦ")
        AGENCY = "agency", _("ведомство")
        OTHER = "other", _("другое")

    name = models.CharField(_("название"), max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(_("описание"), blank=True)
    email = models.CharField(max_length=254, blank=True)
    website = models.CharField(max_length=500, blank=True)
    tax_status = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField(max_length=100, blank=True)
    year_incorporated = models.IntegerField(null=True, blank=True)
    legal_status = models.CharField(max_length=200, blank=True)
    logo = models.CharField(max_length=500, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    parent_organization_id = models.CharField(max_length=36, blank=True)
    # Ours, not HSDS: what kind of body it is, whether the public API shows it, demo marker.
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    is_published = models.BooleanField(_("опубликована"), default=True)
    is_demo = models.BooleanField(_("демо"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(NamedRecord.Meta):
        verbose_name = _("организация")
        verbose_name_plural = _("организации")


class Service(NamedRecord):
    class Status(models.TextChoices):
        ACTIVE = "active", _("действует")
        INACTIVE = "inactive", _("не действует")
        DEFUNCT = "defunct", _("прекращена")
        TEMPORARILY_CLOSED = "temporarily closed", _("временно закрыта")

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="services"
    )
    program_id = models.CharField(max_length=36, blank=True)
    name = models.CharField(_("название"), max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(_("описание"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    email = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(_("как обратиться"), blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.CharField(max_length=300, blank=True)
    fees = models.CharField(max_length=300, blank=True)
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(_("кому"), blank=True)
    minimum_age = models.FloatField(null=True, blank=True)
    maximum_age = models.FloatField(null=True, blank=True)
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.CharField(max_length=254, blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(_("опубликована"), default=True)

    class Meta(NamedRecord.Meta):
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")


class Location(NamedRecord):
    class LocationType(models.TextChoices):
        PHYSICAL = "physical", _("адрес")
        POSTAL = "postal", _("почтовый")
        VIRTUAL = "virtual", _("онлайн")

    organization = soft("directory.Organization", "locations")
    location_type = models.CharField(max_length=10, choices=LocationType.choices)
    url = models.CharField(max_length=500, blank=True)
    name = models.CharField(max_length=300, blank=True)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.CharField(max_length=100, blank=True)
    external_identifier_type = models.CharField(max_length=100, blank=True)
    region = optional_link(Region)

    class Meta(NamedRecord.Meta):
        verbose_name = _("место")
        verbose_name_plural = _("места")


class Address(HsdsRecord):
    location = soft("directory.Location", "addresses")
    attention = models.CharField(max_length=300, blank=True)
    address_1 = models.CharField(max_length=300)
    address_2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=200)
    region = models.CharField(max_length=200, blank=True)
    state_province = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=30)
    country = models.CharField(max_length=2)
    address_type = models.CharField(max_length=10)


class ServiceAtLocation(HsdsRecord):
    service = soft("directory.Service", "service_at_locations")
    location = soft("directory.Location", "service_at_locations")
    description = models.TextField(blank=True)


class ServiceArea(HsdsRecord):
    """Where a service is offered. `region` is ours: the federal subject named by `extent`."""

    service = soft("directory.Service", "service_areas")
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=20, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    region = optional_link(Region, related_name="service_areas")


class Contact(HsdsRecord):
    organization = soft("directory.Organization", "contacts")
    service = soft("directory.Service", "contacts")
    location = soft("directory.Location", "contacts")
    service_at_location = soft("directory.ServiceAtLocation", "contacts")
    name = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=300, blank=True)
    department = models.CharField(max_length=300, blank=True)
    email = models.CharField(max_length=254, blank=True)


class Phone(HsdsRecord):
    organization = soft("directory.Organization", "phones")
    service = soft("directory.Service", "phones")
    location = soft("directory.Location", "phones")
    contact = soft("directory.Contact", "phones")
    service_at_location = soft("directory.ServiceAtLocation", "phones")
    number = models.CharField(max_length=60)
    extension = models.FloatField(null=True, blank=True)
    type = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)


class Schedule(HsdsRecord):
    service = soft("directory.Service", "schedules")
    location = soft("directory.Location", "schedules")
    service_at_location = soft("directory.ServiceAtLocation", "schedules")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    count = models.IntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.IntegerField(null=True, blank=True)
    byday = models.CharField(max_length=50, blank=True)
    byweekno = models.CharField(max_length=200, blank=True)
    bymonthday = models.CharField(max_length=200, blank=True)
    byyearday = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.CharField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)


class Language(HsdsRecord):
    service = soft("directory.Service", "languages")
    location = soft("directory.Location", "languages")
    phone = soft("directory.Phone", "languages")
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)


class RequiredDocument(HsdsRecord):
    service = soft("directory.Service", "required_documents")
    document = models.TextField(blank=True)
    uri = models.CharField(max_length=500, blank=True)


class Taxonomy(NamedRecord):
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    uri = models.CharField(max_length=500, blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta(NamedRecord.Meta):
        verbose_name = _("классификатор")
        verbose_name_plural = _("классификаторы")


class TaxonomyTerm(HsdsRecord):
    """A term of a taxonomy. Our need terms carry the core Category code as `code`."""

    code = models.CharField(max_length=100, blank=True, db_index=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    parent_id = models.CharField(max_length=36, blank=True)
    taxonomy = models.CharField(max_length=300, blank=True)
    taxonomy_detail = models.ForeignKey(
        Taxonomy,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column="taxonomy_id",
        related_name="terms",
    )
    language = models.CharField(max_length=20, blank=True)
    term_uri = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["code", "name", "id"]
        verbose_name = _("термин")
        verbose_name_plural = _("термины")

    def __str__(self) -> str:
        return self.name


class Attribute(HsdsRecord):
    """Links any record (`link_id` of `link_entity`) to a taxonomy term: how needs are tagged."""

    link_id = models.CharField(max_length=36, blank=True, db_index=True)
    taxonomy_term = soft("directory.TaxonomyTerm", "attributes")
    link_type = models.CharField(max_length=100, blank=True)
    link_entity = models.CharField(max_length=50, blank=True)
    value = models.TextField(blank=True)


class Extra(models.Model):
    """HSDS records we keep but do not model (programs, funding, cost options, accessibility,
    organization identifiers, metadata): stored as given, attached to their owner on export.
    The same record may be nested under several owners, hence one row per owner."""

    hsds_id = models.CharField(max_length=36)
    table = models.CharField(max_length=40)
    owner_table = models.CharField(max_length=40, blank=True)
    owner_id = models.CharField(max_length=36, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["owner_table", "owner_id", "table"])]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "hsds_id", "owner_table", "owner_id"], name="directory_extra_owner"
            )
        ]
