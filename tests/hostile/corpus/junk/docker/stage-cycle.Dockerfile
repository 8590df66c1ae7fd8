FROM b AS a
CMD ["a"]
FROM a AS b
