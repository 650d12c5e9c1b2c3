"""A real OpenID Connect provider for the sign-in tests: django-oauth-toolkit in a Django
process of its own (`python -m tests.oidc_provider`), with its own SQLite database, a login
form, one confidential client and the users the test names. Nothing of the platform is
imported here: it stands for the government's identity platform."""
