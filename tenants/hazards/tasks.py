"""Scheduled and background jobs of this part of the enterprise domain."""
