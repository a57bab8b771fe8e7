"""Word vectors (book ch. 2-4): count-based PPMI/SVD, word2vec, and the WordVectors toolkit."""
