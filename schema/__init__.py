"""Strawberry types, inputs, payloads and the Query/Mutation roots: the shape of the API."""
