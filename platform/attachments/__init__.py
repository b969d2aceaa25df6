"""Stored files of a tenant: photos (checked, re-encoded, EXIF read then stripped) and documents."""
