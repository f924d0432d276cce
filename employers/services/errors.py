class EmployerError(Exception):
    """An operation on a workplace pledge that its rules refuse, with a message for the person
    who asked (in plain words, safe to show)."""
