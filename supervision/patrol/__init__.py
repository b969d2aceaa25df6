"""patrol"""
