FROM self AS self
CMD ["x"]
