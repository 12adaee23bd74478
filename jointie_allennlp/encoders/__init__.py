"""Building Hugging Face encoder directories from offline sources (one module per source)."""
