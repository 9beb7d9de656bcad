"""The portal's pages outside the GED: companies, the firm's settings."""
