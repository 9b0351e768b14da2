"""Thin FastAPI routers; the work is done by geo's query functions."""
