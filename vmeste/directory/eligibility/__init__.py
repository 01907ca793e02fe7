"""Eligibility as data: facts, rule validation and the three-valued engine are pure Python
(no Django); `sql` compiles the same rules to a database query for bulk checks."""
