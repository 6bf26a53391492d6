"""The web dashboard: one page served by the API at ``/`` (plain HTML/CSS/JS, no build
step; plotly.js from the installed plotly package). The user pastes an API key (kept in
the tab's sessionStorage); every data call goes to ``/api/v1`` with it, so the dashboard
shows exactly what that key's partner may see.

Views: belt chart (GEO longitude vs time from released orbits and element sets, with the
belt longitudes the sensors' released observations covered), object table with status,
object page (orbit, element-set history, residual RMS, events), alert list, live feed.
"""

from beltwatch.web._assets import dashboard_router, plotly_js

__all__ = ["dashboard_router", "plotly_js"]
