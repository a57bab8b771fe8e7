"""Language models (book ch.5-7): RNNLM, truncated-BPTT training, perplexity and generation."""
