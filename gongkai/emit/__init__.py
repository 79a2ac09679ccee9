"""emit: outputs → bytes (templates, PDFs, the search index format, the last leak gate)."""
