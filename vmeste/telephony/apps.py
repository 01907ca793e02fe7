from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "vmeste.telephony"
    verbose_name = "Телефония: SIP-граница и голосовое меню"
