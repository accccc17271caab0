"""Data, not code: this folder ships as the package ``auditor.reports`` (see setup.py) so that an installed
auditor finds it through importlib.resources (auditor/resources.py)."""
