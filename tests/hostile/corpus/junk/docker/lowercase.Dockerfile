from python:3.12-slim as base
run pip install flask
user app
cmd ["flask", "run"]
