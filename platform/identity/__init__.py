"""Identities: users, their memberships, sessions, tokens and login throttling."""
