"""What every strongtrusts service shares: the event log, event contracts, auth, errors, settings."""
