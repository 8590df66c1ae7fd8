# FROM python:3.12
# nothing else
