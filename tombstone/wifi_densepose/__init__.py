"""wifi-densepose 1.99.0: the end of the 1.x line. Importing it raises ImportError."""

raise ImportError(
    "wifi-densepose 1.x has ended and 1.99.0 contains no code.\n"
    "Install the 2.x library: pip install wifi-densepose==2.0.0\n"
    "Migration guide: https://github.com/ruvnet/wifi-densepose/blob/main/docs/migration.md"
)
