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
html_theme = "alabaster"
myst_heading_anchors = 3  # links to sections: [Identity](access.md#identity)
