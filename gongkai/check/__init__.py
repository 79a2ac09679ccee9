"""check: raw trees → typed, validated records and every problem; pure; imports read and core."""
