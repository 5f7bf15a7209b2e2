"""What falls due in commissioning: notice responses, RISE windows, concern reviews and NTI
reviews, overdue first."""
