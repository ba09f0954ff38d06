"""Trust: signing identities and PAdES signatures of reports, the trust store, and verification
of signed reports (in a limited child process, for files from parties that are assessed)."""
