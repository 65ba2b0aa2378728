"""The single walk over a module: scopes, bindings, imports, secret-like names."""
