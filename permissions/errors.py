"""Top-level GraphQL errors with the contract's `extensions.code`."""

from __future__ import annotations

from graphql import GraphQLError


class CodedError(GraphQLError):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class Unauthenticated(CodedError):
    code = "UNAUTHENTICATED"


class Forbidden(CodedError):
    code = "FORBIDDEN"


class BadUserInput(CodedError):
    code = "BAD_USER_INPUT"
