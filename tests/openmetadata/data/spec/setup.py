#  A hand-written stand-in for ingestion/setup.py with a plugins dict.
"""Python dependencies"""

from setuptools import setup

VERSIONS = {"boto3": "boto3>=1.20,<2.0"}

plugins: dict[str, set[str]] = {
    "alpha": {"alpha-sdk~=1.0"},
    "gamma": {
        VERSIONS["boto3"],
        "gamma-driver",
    },  # a trailing comment
    "omega": {},  # uses requests
}

setup(extras_require={k: list(v) for k, v in plugins.items()})
