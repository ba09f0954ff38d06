"""Evidence at the edge: the scanners run on a supplier's code and dependencies (bandit,
pip-audit), and other tools' output imported (SARIF, CycloneDX), as scan runs for the core."""
