"""One module per command, named after it: each parses, calls one function of operations/ (or site/) and prints
through cli/output/. What a command needs is imported when it runs, so that starting any command costs click and
rich alone (and `fetch` where every feed answers 304 stays cheap)."""
