"""Sign-in, bearer tokens, API keys and invitations."""
