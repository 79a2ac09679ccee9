"""read: the only readers of content/ (files → raw trees with the line of every value); imports core only."""
