"""Who may do what: staff accounts and their roles per program."""
