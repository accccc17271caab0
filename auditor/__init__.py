"""pi-auditor."""
