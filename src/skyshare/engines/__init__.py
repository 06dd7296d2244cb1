"""Pure engines: arrays and value objects in, results out; no database, HTTP or clock."""
