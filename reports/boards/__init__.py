"""The greening figures on screen: the leaders' boards (nation, province, commune), their
filters, the selectors that build them, and their SVG charts. The paper side (the weekly
PDF and Excel reports) reads the same selectors."""
