"""A customer-support assistant: intents, slots, tools over the store, dialogue and handoffs."""
