"""Bank operators and the operator console, one idea in one place (SPEC R-OPS-7, R-PLUS-6,
R-SEC-4):

    accounts    operators and their certificates from the operator CA: add, revoke, list;
                the gate's lookup of an operator certificate
    console     console sign-in with the customer login's lockout rules, sessions, sign-out
    reads       what the console shows of contracts and their users (read-only)
    procedures  the console's steps around the procedures shared with the CLI

The operator CA's CRLs are ``certs.crl``; the console's 定期処理 is ``jobs.run_for_operator``.
The package ``__init__`` imports nothing.
"""
