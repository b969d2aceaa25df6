"""Government supervision 政府监管: jurisdiction roll-ups, patrol cycles, online spot checks,
supervision orders, sector departments' public sites and dangerous operations."""
