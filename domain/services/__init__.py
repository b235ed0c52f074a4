"""The service layer: what each query and mutation does, whoever calls it.

A mutation's service takes the unit of work (domain.uow): it looks its target up with the
caller's visibility (and the row locks the change needs, partners first), validates,
changes, moves memberships and metrics, and fills in the audit entry. A read service takes
a session and the principal and applies row visibility in SQL. Resolvers translate GraphQL
to these calls; the command line calls the same functions, so its changes are audited too.
"""
