"""La gestion: the Django back office and the server side of the till protocol."""
