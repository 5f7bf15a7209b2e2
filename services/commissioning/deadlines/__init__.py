"""What falls due in commissioning: notice responses and RISE windows, overdue first."""
