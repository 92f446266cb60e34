"""Geo (panel) models: the same weeks for many regions, fitted together with partial pooling.

Nothing here is imported by the national fitting path; ``mmm.geo`` is loaded only when a spec
names a ``geo_column``.
"""
