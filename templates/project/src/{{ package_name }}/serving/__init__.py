"""HTTP serving: the FastAPI application, its routes and the load test."""
