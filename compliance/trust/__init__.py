"""Trust: signing identities and PAdES signatures of reports, the trust store, and verification
of signed reports (in a limited child process, for files from parties that are assessed)."""

import warnings

# pyHanko imports cryptography's DSA key classes, which cryptography marks deprecated; we never
# sign nor accept DSA, and a reader of our output cannot act on the warning, so it stays quiet.
# Only this warning from pyHanko's modules is silenced: every other one still shows.
warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"pyhanko(\.|$)")
