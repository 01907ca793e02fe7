"""The directory app's models: HSDS records, measures and their rules, referrals."""

from vmeste.directory.models.hsds import (
    Address,
    Attribute,
    Contact,
    Extra,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from vmeste.directory.models.measures import (
    EligibilityChange,
    EligibilityRule,
    Measure,
    RegionFacts,
)
from vmeste.directory.models.referrals import Referral

__all__ = [
    "Address",
    "Attribute",
    "Contact",
    "EligibilityChange",
    "EligibilityRule",
    "Extra",
    "Language",
    "Location",
    "Measure",
    "Organization",
    "Phone",
    "Referral",
    "RegionFacts",
    "RequiredDocument",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "Taxonomy",
    "TaxonomyTerm",
]
