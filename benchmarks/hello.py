"""The baseline of the HTTP benchmarks: a hello-world Flask app, served with the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
