"""Tests of the remoting-gateway command, run as a user runs it: in subprocesses, against real servers."""
