"""Client certificates, one idea in one place (SPEC §6, R-OPS-2, R-OPS-7):

    ca            the customer and operator CA hierarchies on disk (created once, encrypted keys)
    certificates  the certificate rows: issued, superseded, revoked; lookups for the gate
    crl           the CRLs of both hierarchies: refreshed daily, published after a revocation
    issuance/     the 電子証明書発行 flow: ID + password, e-mailed code, 発行 (the .p12);
                  its rules are ``domain.certificate``
    revocation    revoking on the bank's paper request (then ``crl.publish``)

The package ``__init__`` imports nothing, so a caller pays only for the module it uses.
"""
