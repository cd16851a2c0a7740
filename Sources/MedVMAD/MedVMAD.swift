// The MedVMAD module; filled by its issue.
