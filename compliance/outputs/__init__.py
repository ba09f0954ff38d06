"""Outputs for people and tools: the terminal summary, the PDF report and its drawings, SARIF,
conformance statements and the rule reference."""
