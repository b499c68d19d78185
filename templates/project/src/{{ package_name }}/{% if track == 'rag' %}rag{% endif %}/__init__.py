"""Question answering over documents: retrieval, cited answers, refusals."""
