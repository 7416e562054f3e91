"""The grader's empty stand-in for the course's public tests, so that ``from public_tests import *`` works.

It defines nothing: a notebook cell that calls one of the course's test functions raises NameError and is skipped.
"""
