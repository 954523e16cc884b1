"""Pure domain rules shared by the till and the server: no Django, no Tk, no I/O."""
