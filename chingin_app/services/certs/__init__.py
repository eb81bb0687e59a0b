"""Client certificates, one idea in one place (SPEC §6, R-OPS-2, R-OPS-7):

    ca            the customer and operator CA hierarchies on disk (created once, encrypted keys)
    certificates  the certificate rows: issued, superseded, revoked; lookups for the gate
    issuance      the 電子証明書発行 flow: ID + password, e-mailed code, 発行 (the .p12)
    revocation    revoking on the bank's paper request, and publishing the CRL afterwards

The package ``__init__`` imports nothing, so a caller pays only for the module it uses.
"""
