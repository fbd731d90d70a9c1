"""The PMO domain from the PS handbook: notes, bookings rules, forecast, closure, wins and
thanks, the Top Customer report, people, project lookup and the weekly rhythm. It knows
nothing of Slack's messages or listeners."""
