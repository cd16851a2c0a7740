// The Pipeline module; filled by its issue.
