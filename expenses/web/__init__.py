"""The pages, one blueprint per audience."""
