// The MedIO module; filled by its issue.
