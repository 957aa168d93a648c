"""Report assembly: analytics results to charts and HTML (called from the notebooks)."""
