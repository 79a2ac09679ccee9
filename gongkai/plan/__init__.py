"""plan: the validated site → the outputs to make (pages, sheets, data, feeds, charts); pure."""
