"""The enterprise dual prevention mechanism 双重预防机制: org tree, graded risk points, checks,
the hidden-danger closed loop, reminders and QR codes."""
