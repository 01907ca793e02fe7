"""The knowledge base's search engine: pure Python, no Django (see engine.py)."""

from vmeste.knowledge.search.engine import Document, Hit, Index

__all__ = ["Document", "Hit", "Index"]
