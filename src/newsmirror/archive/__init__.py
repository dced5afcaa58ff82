"""The archive on disk: the post format, article identity, the files and indexes, the state (the only SQL) and the
lock. What every other package reads and writes posts through."""
