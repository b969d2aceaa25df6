"""Supervision orders 督办 and the listing of major hazards for supervision 挂牌督办: issued
down level by level (层层督办), answered, closed or returned, escalated when overdue."""
