"""What an expression is worth: constants, qualified names and where random values flow."""
