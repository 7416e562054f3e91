"""Assignment specs, one folder per assignment: its problems, points, class contract and data."""
