"""The TLS front (DESIGN §1, §3): the nginx configuration rendered from ``deploy/nginx``, its
reload after a CRL changes, and the self-contained pages nginx serves when the app cannot
(outside hours, errors, the IE notice). Below the services: it imports only settings, domain
and pki, so a service that publishes a CRL can reload nginx without reaching up a layer."""
