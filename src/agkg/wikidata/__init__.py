"""Wikidata services over the build: reconciliation (library and W3C Reconciliation API service) and QuickStatements."""
