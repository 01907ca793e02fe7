"""Eligibility rules: the rule builder (model, view-models, pages), a draft's meaning and
saving (`services`), and the history of every change. The engine is `../eligibility/`."""
