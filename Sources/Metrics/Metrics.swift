// The Metrics module; filled by its issue.
