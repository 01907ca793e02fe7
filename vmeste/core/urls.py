app_name = "core"
# The site's root (`core:home`, where each role starts) is the workplace's: it is mounted into
# this namespace from vmeste/workplace/urls.py (`pages_in`), core knowing nothing of roles.
urlpatterns: list = []
