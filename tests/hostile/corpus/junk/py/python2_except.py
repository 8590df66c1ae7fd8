try:
    pass
except ValueError, exc:
    pass
