"""Platform-operator screens: tenants and their first office admin."""
