"""spot_checks"""
