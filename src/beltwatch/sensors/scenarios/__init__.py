"""Scenario files shipped as package data (TOML)."""
