"""A client for any OpenAI-compatible chat-completions endpoint, shared by the tracks that use one."""
