"""The web application: composes the features' routers into one FastAPI app."""
