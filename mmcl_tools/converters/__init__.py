"""Converters from official dataset downloads to mmaction2 skeleton pickles."""
