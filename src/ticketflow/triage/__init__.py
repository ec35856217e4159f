"""Triage: categorize, prioritize and route a ticket, each with a pluggable strategy."""
