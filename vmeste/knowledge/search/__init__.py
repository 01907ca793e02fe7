"""The knowledge base's search engine: pure Python, no Django (see engine.py)."""

from vmeste.knowledge.search.documents import Document, Hit, Query
from vmeste.knowledge.search.engine import Index

__all__ = ["Document", "Hit", "Index", "Query"]
