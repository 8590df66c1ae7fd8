"""Lunch poll: the team votes where to eat today.

Run it with `python app.py` and open http://localhost:5000.
"""

from datetime import date

import requests
from flask import Flask, redirect, render_template_string, request

SECRET_KEY = "dev-secret-do-not-use"
WEATHER_URL = "https://api.weather.example.com/v1/current?city=Berlin"
PLACES = ["Pho Saigon", "Curry 36", "Salad bar", "Canteen"]

app = Flask(__name__)
app.config["SECRET_KEY"] = SECRET_KEY

PAGE = """
<h1>Lunch poll {{ today }}</h1>
<p>Weather: {{ weather }}</p>
<form method="post" action="/vote">
  {% for place in places %}
    <button name="place" value="{{ place }}">{{ place }} ({{ votes.get(place, 0) }})</button>
  {% endfor %}
</form>
"""

votes = {}
poll_day = date.today()


def current_weather():
    try:
        data = requests.get(WEATHER_URL).json()
        return f"{data['temperature']} °C, {data['summary']}"
    except Exception as e:
        print("weather lookup failed:", e)
        return "unknown"


@app.route("/")
def index():
    global poll_day
    if poll_day != date.today():
        print("new day, resetting votes")
        votes.clear()
        poll_day = date.today()
    return render_template_string(
        PAGE, today=poll_day, weather=current_weather(), places=PLACES, votes=votes
    )


@app.route("/vote", methods=["POST"])
def vote():
    place = request.form["place"]
    votes[place] = votes.get(place, 0) + 1
    print("vote for", place, "now", votes[place])
    return redirect("/")


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000, debug=True)
