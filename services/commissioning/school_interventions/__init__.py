"""Intervention in a school in a category of concern, following the intervention policy."""
