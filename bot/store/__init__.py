"""The database: typed models, the engine and sessions, and the migrations runner."""
