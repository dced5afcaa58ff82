"""One module per command (fetch, add, publish, rotate, import, doctor, status, run, sources): each takes the
settings, does the work through ingest/, archive/ and site/, and returns a report for the CLI to print."""
