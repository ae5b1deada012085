"""The one compiled module, ``soap._int_lists`` (soap/_int_lists.c says why). Everything else is in
pyproject.toml. The module is optional: without a C compiler the install goes on and the package reads
integer arrays in pure Python (the same values, more time a call)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("soap._int_lists", ["soap/_int_lists.c"], optional=True)])
