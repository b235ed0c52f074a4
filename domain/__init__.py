"""PartnerScope domain: data, rules and services. Knows nothing about GraphQL."""
