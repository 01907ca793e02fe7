from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "vmeste.accounts"
    label = "accounts"
    verbose_name = _("Пользователи и доступ")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from vmeste.accounts import tokencache
        from vmeste.accounts.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="vmeste-session-clock")
        tokencache.watch()
