"""Serializers of the member-facing resources: rule sets and items, claims, 公示, 申诉."""
