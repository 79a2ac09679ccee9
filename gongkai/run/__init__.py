"""run: the build (read → check → plan → engine → write), the engine that remembers, and the writer."""
