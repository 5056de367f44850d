"""The report model and its JSON schema."""
