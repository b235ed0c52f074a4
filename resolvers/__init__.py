"""Resolver functions and dataloaders: thin glue between GraphQL and the domain."""
