"""pi-auditor: personal-information compliance auditing for apps, captures and mini-programs."""

__version__ = "0.1.0"
