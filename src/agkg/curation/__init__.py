"""Curation helpers: registering a source text (``sources``) and drafting claims (``draft``).

They sit on top of the build: they read the same YAML and corpus, and write YAML that the
loader refuses (``review``, ``status``) until a curator has checked what was guessed.
"""
