"""The write layer: every change to the data goes through a function here.

Functions are keyword-only, run in one transaction, and record their own audit trail.
Callers (views, admin, commands, jobs) validate input first and stay thin.
"""
