"""HSDS 3.0: the tables' shape, import and export of documents, the public read API
(`/api/hsds/…`). The models are `../models/hsds.py` (importable from `directory.models`)."""
