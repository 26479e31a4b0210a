"""Marker: this hand-written workspace has the 2.x ServiceSpec framework layout."""
