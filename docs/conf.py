"""Sphinx configuration for ticketflow's documentation."""

project = "ticketflow"
author = "ticketflow developers"
copyright = "2026, ticketflow developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
nitpicky = False
suppress_warnings = ["myst.xref_missing"]
html_theme = "alabaster"
