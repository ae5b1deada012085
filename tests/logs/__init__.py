"""Logs: failed calls with traceback and error id, access lines, the JSON format, plain uvicorn."""
