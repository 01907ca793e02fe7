from django.urls import path

from vmeste.directory import views
from vmeste.directory.hsds import views as hsds_views
from vmeste.directory.referrals import views as referral_views
from vmeste.directory.rules import views as rule_views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("panel", views.panel, name="panel_facts"),
    path("panel/<int:person_id>", views.panel, name="panel"),
    path("requests/<int:request_id>/referrals", referral_views.referrals, name="referrals"),
    path("referrals/<int:referral_id>/move", referral_views.move_referral, name="move_referral"),
    path("rules/", rule_views.index, name="rules"),
    path("rules/measures/<int:measure_id>", rule_views.measure_rule, name="rule_measure"),
    path("rules/named/new", rule_views.named_rule, name="rule_new"),
    path("rules/named/<slug:code>", rule_views.named_rule, name="rule_named"),
]

# The HSDS read API lives at the site root, outside /directory/.
_hsds = [
    ("", hsds_views.index, "index"),
    ("services", hsds_views.services, "services"),
    ("services/<str:hsds_id>", hsds_views.service, "service"),
    ("organizations", hsds_views.organizations, "organizations"),
    ("organizations/<str:hsds_id>", hsds_views.organization, "organization"),
    ("service_at_locations", hsds_views.service_at_locations, "service_at_locations"),
    ("service_at_locations/<str:hsds_id>", hsds_views.service_at_location, "service_at_location"),
    ("taxonomies", hsds_views.taxonomies, "taxonomies"),
    ("taxonomies/<str:hsds_id>", hsds_views.taxonomy, "taxonomy"),
    ("taxonomy_terms", hsds_views.taxonomy_terms, "taxonomy_terms"),
    ("taxonomy_terms/<str:hsds_id>", hsds_views.taxonomy_term, "taxonomy_term"),
]
root_urlpatterns = [path(f"api/hsds/{p}", view, name=f"hsds-{name}") for p, view, name in _hsds]
