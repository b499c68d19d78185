"""Pure logic: schemas, validation, features, models, metrics and drift statistics."""
