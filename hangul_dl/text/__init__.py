"""The Korean front end: normalize, tokenize (KoNLPy, characters, jamo), vocabulary, corpora."""
