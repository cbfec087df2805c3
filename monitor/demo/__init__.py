"""`monitor demo`: a small news site on 127.0.0.1, crawled, matched, stored and mailed."""
