"""The inspector in a browser, behind a login: `inspector serve` and `inspector users`.

- accounts.py: built-in accounts (scrypt hashes) in tables of their own in the journal
  database; no aiohttp, no textual.
- identity.py: the signed token that tells a session's app process who logged in.
- throttle.py, logins.py: failed-login slowdown and the server-side login sessions.
- options.py: the options of `serve`, checked before anything starts.
- server.py: textual-serve's server extended with the login, the checks on every
  request and websocket, the limits, the journal records and a quick stop.
- processes.py: textual-serve's AppService extended: one app process per browser
  session, started from an argument list, ended in bounded time, its end in words.
- session.py: the app process's entry point (`python -m inspector.web.session`): it
  checks the token, then runs the ordinary app with the logged-in user as operator.
"""
