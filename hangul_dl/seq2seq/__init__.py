"""Sequence to sequence: encoder-decoder models, decoding, translation and metrics (book ch.7-8)."""
