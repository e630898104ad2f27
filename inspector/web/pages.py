"""The server's HTML: the login page and the page that holds the browser's terminal.

Every value put into a page is escaped here (html.escape); scripts carry the response's
CSP nonce. The terminal page keeps textual-serve's own script and styles (served from
the installed textual-serve) and adds: the websocket URL taken from the page's own
address (so the cookie of that address goes with it), xterm.js's screen-reader mode
(the screen's text is in the page for screen readers), a bar naming the user with a
log-out button, and a bar saying why a session ended, over which the last words the
server wrote stay readable.
"""

from __future__ import annotations

from html import escape

from inspector.config import Environment, Settings

_COLOURS = {"red": "#b3261e", "yellow": "#8a6d00", "green": "#1f7a3a", "blue": "#1f5fa8"}

_BASE_STYLE = """
  html, body { margin: 0; padding: 0; background: #0c181f; color: #e8eef2;
    font-family: "Roboto Mono", Menlo, "DejaVu Sans Mono", monospace; }
  .bar { height: 28px; line-height: 28px; padding: 0 12px; font-size: 14px;
    display: flex; gap: 16px; align-items: center; }
  .bar .grow { flex: 1; }
  .bar form { margin: 0; }
  button { font: inherit; font-size: 13px; padding: 2px 12px; border: none;
    background: #5e0ba7; color: #fff; cursor: pointer; }
  button:hover { background: #ac5af4; }
"""


def _environment(settings: Settings) -> str:
    env = settings.environment
    return "DEMO" if env is Environment.DEMO else env.value.upper()


def _colour(settings: Settings) -> str:
    return _COLOURS.get(settings.banner_colour, "#b3261e")


def login_page(settings: Settings, *, message: str = "", name: str = "") -> str:
    note = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inspector · log in</title>
<style>{_BASE_STYLE}
  .env {{ background: {_colour(settings)}; }}
  main {{ max-width: 360px; margin: 12vh auto; padding: 24px; background: #12232d; }}
  label {{ display: block; margin: 12px 0 4px; font-size: 14px; }}
  input {{ width: 100%; box-sizing: border-box; padding: 6px; font: inherit;
    background: #0c181f; color: #e8eef2; border: 1px solid #4a6272; }}
  .message {{ color: #ffb4ab; }}
  form button {{ margin-top: 16px; padding: 8px 24px; font-size: 15px; }}
</style>
</head>
<body>
<div class="bar env"><span>inspector · {escape(_environment(settings))} ·
  {escape(settings.display_name)}</span></div>
<main>
<h1>Log in</h1>
{note}
<form method="post" action="/login">
  <label for="name">User</label>
  <input id="name" name="name" autocomplete="username" required maxlength="64"
    value="{escape(name)}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password"
    required maxlength="1024">
  <button type="submit" id="login">Log in</button>
</form>
</main>
</body>
</html>
"""


def message_page(title: str, message: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>inspector · {escape(title)}</title>
<style>{_BASE_STYLE} main {{ max-width: 560px; margin: 12vh auto; }}</style></head>
<body><main><h1>{escape(title)}</h1><p role="alert">{escape(message)}</p></main></body>
</html>
"""


def terminal_page(
    settings: Settings, *, user: str, nonce: str, can_log_out: bool, font_size: int = 16
) -> str:
    logout = (
        '<form method="post" action="/logout"><button type="submit" id="logout">'
        "Log out</button></form>"
        if can_log_out
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>inspector · {escape(settings.display_name)}</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<script src="/static/js/textual.js"></script>
<style>{_BASE_STYLE}
  @font-face {{ font-family: "Roboto Mono";
    src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf"); }}
  .top {{ background: {_colour(settings)}; }}
  html, body {{ height: 100%; overflow: hidden; }}
  #terminal.textual-terminal {{ width: 100%; height: calc(100% - 28px); }}
  .ended {{ display: none; position: fixed; left: 0; right: 0; bottom: 0;
    background: #12232d; border-top: 2px solid #5e0ba7; }}
  body.-closed .ended {{ display: flex; }}
</style>
</head>
<body>
<div class="bar top">
  <span class="grow">inspector · {escape(_environment(settings))} ·
    {escape(settings.display_name)}</span>
  <span id="user">signed in as {escape(user)}</span>
  {logout}
</div>
<div id="terminal" class="textual-terminal" data-font-size="{int(font_size)}"></div>
<div class="bar ended" role="status">
  <span class="grow">This session has ended.</span>
  <button type="button" id="restart">New session</button>
</div>
<script nonce="{escape(nonce)}">
(function () {{
  // Screen-reader mode: xterm.js keeps the screen's text in an accessibility tree.
  // textual.js keeps its terminal to itself: catch it as it is stored, then turn the
  // mode on (the trap removes itself at once).
  Object.defineProperty(Object.prototype, "terminal", {{
    configurable: true,
    set: function (value) {{
      Object.defineProperty(this, "terminal",
        {{value: value, writable: true, configurable: true, enumerable: true}});
      if (value && value.options && typeof value.open === "function") {{
        delete Object.prototype.terminal;
        value.options.screenReaderMode = true;
        // For what reads the screen from the page (tests, benchmarks, extensions).
        window.inspectorTerminal = value;
      }}
    }},
  }});
  var scheme = location.protocol === "https:" ? "wss:" : "ws:";
  document.getElementById("terminal").dataset.sessionWebsocketUrl =
    scheme + "//" + location.host + "/ws";
  document.getElementById("restart").addEventListener("click", function () {{
    location.reload();
  }});
}})();
</script>
</body>
</html>
"""
