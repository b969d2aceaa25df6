"""Reminders and alarms 提醒报警: certificates, equipment, overdue work; QR codes."""
