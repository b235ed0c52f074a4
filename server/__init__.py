"""The runnable service: settings, the ASGI app and the `partnerscope` command line."""
