"""What falls due in commissioning: notice responses, RISE windows and concern reviews, overdue first."""
