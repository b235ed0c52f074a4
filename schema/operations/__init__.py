"""Query and Mutation root fields, one module per area, merged in schema.build."""
