"""The e-mail channel: calendar invitations and messages to candidates, over SMTP."""
