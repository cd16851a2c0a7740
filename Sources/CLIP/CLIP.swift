// The CLIP module; filled by its issue.
