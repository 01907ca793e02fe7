"""Referrals of a request to a measure or a service: their status table, the services that
write them, and the request page's block. The model is `../models/referrals.py`."""
