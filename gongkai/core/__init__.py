"""core: plain values and pure functions (errors, formats, privacy, schema, model, config); no IO, no clock."""
