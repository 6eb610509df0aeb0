"""The public pages candidates use: the careers page, the application form, CV downloads."""
