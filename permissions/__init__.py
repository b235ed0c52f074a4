"""Who is asking and what they may see or do; Strawberry permission classes live here."""
