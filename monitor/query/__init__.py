"""Read-only questions to the hit archive: the hit list, one article, counts over time."""
