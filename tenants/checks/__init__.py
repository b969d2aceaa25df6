"""Checklists 排查清单, the inspection tasks generated from them, and the checks recorded."""
