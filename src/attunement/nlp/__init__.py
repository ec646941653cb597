"""Text understanding: encoder, heads and the crisis screen."""
