"""Question in, grounded streamed answer and its sources out."""
