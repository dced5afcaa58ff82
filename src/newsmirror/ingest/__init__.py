"""From sources to articles: the HTTP client and its address guard, encodings, feed parsing, full text, the
sanitizer, embedded players, script conversion and image mirroring. Knows nothing of the archive's layout."""
