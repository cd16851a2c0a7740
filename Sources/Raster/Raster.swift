// The Raster module; filled by its issue.
