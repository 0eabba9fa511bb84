"""Media files: where they are kept (``store``), what they are (``inspect``), and the
versions phones get (``renditions``)."""
