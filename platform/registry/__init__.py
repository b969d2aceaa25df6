"""The registry: jurisdictions, government bodies and the tenants (enterprises, public sites)."""
